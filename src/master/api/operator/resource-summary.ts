/**
 * Mesos v0 JSON resource summaries (mesos-api.md §6.2): an object per resource set where scalars
 * are numbers and ranges/sets are strings, e.g. `{"cpus":0.5,"mem":128,"disk":0,"gpus":0,
 * "ports":"[31000-31001]"}`. Pure.
 */
import type { WireResource } from '../../registry/types.js';

export type ResourceSummary = Record<string, number | string>;

interface Totals {
  scalars: Map<string, number>;
  ranges: Map<string, Array<[number, number]>>;
  sets: Map<string, Set<string>>;
}

function emptyTotals(): Totals {
  return { scalars: new Map(), ranges: new Map(), sets: new Map() };
}

function addTo(totals: Totals, resources: readonly WireResource[]): void {
  for (const resource of resources) {
    if (resource.type === 'SCALAR') {
      totals.scalars.set(resource.name, (totals.scalars.get(resource.name) ?? 0) + (resource.scalar?.value ?? 0));
    } else if (resource.type === 'RANGES') {
      const list = totals.ranges.get(resource.name) ?? [];
      for (const r of resource.ranges?.range ?? []) list.push([r.begin, r.end]);
      totals.ranges.set(resource.name, list);
    } else {
      const set = totals.sets.get(resource.name) ?? new Set<string>();
      for (const item of resource.set?.item ?? []) set.add(item);
      totals.sets.set(resource.name, set);
    }
  }
}

/** Sorted, merged ranges (adjacent and overlapping ones joined). */
export function mergeRanges(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = [...ranges].map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [begin, end] of sorted) {
    const last = out.at(-1);
    if (last && begin <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([begin, end]);
  }
  return out;
}

/** Rounds away float noise (0.1 + 0.2) the way Mesos prints fixed-point scalars (3 decimals). */
function roundScalar(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The summary of every resource in `sets` together. cpus, mem, disk and gpus are always present. */
export function summarize(...sets: ReadonlyArray<readonly WireResource[]>): ResourceSummary {
  const totals = emptyTotals();
  for (const resources of sets) addTo(totals, resources);
  const out: ResourceSummary = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const [name, value] of totals.scalars) out[name] = roundScalar(value);
  for (const [name, ranges] of totals.ranges) out[name] = `[${mergeRanges(ranges).map(([b, e]) => `${b}-${e}`).join(', ')}]`;
  for (const [name, items] of totals.sets) out[name] = `{${[...items].sort().join(', ')}}`;
  return out;
}

/** Scalar amount of `name` in a resource list. */
export function scalarOf(resources: readonly WireResource[], name: string): number {
  let sum = 0;
  for (const r of resources) if (r.name === name && r.type === 'SCALAR') sum += r.scalar?.value ?? 0;
  return sum;
}

/** Resources in a set for which `role` is reserved (anything but `*`), grouped by role. */
export function reservedByRole(resources: readonly WireResource[]): Record<string, ResourceSummary> {
  const byRole = new Map<string, WireResource[]>();
  for (const r of resources) {
    if (r.role === undefined || r.role === '*') continue;
    byRole.set(r.role, [...(byRole.get(r.role) ?? []), r]);
  }
  return Object.fromEntries([...byRole].map(([role, list]) => [role, summarize(list)]));
}

export function unreserved(resources: readonly WireResource[]): WireResource[] {
  return resources.filter((r) => r.role === undefined || r.role === '*');
}
