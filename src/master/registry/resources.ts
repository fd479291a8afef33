/**
 * Mesos resource lists (WireResource[]) as the registry and the offer book need them: scalar
 * sums by kind, port ranges as sorted disjoint intervals, and the arithmetic between them.
 * Pure.
 */
import type { WireResource } from '../../protocol/messages.js';

/** Scalar amounts by kind plus port ranges; what an agent has, a task uses or an offer holds. */
export interface ResourceAmounts {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  /** Sorted, disjoint, inclusive ranges. */
  ports: Array<[number, number]>;
}

/** The scalar resource kinds the registry sums. */
export const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;
/** Tolerance for floating point sums of cpus/mem (Mesos compares with a fixed epsilon too). */
export const RESOURCE_EPSILON = 1e-6;

export function emptyAmounts(): ResourceAmounts {
  return { cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [] };
}

/** Sums a Mesos resource list; unknown names are ignored. */
export function amountsOf(resources: readonly WireResource[] | undefined): ResourceAmounts {
  const out = emptyAmounts();
  for (const resource of resources ?? []) {
    if ((SCALARS as readonly string[]).includes(resource.name) && resource.scalar) {
      out[resource.name as (typeof SCALARS)[number]] += resource.scalar.value;
    } else if (resource.name === 'ports' && resource.ranges) {
      out.ports = addRanges(out.ports, resource.ranges.range.map((r) => [r.begin, r.end] as [number, number]));
    }
  }
  return out;
}

/** Amounts as the allocator counts them: scalars, and ports as a number of ports. */
export interface ResourceCounts {
  cpus: number;
  mem: number;
  disk: number;
  gpus: number;
  ports: number;
}

export function countsOf(amounts: ResourceAmounts): ResourceCounts {
  return { cpus: amounts.cpus, mem: amounts.mem, disk: amounts.disk, gpus: amounts.gpus, ports: portCount(amounts.ports) };
}

/** Adds `more` to `counts`, in place. */
export function addCounts(counts: ResourceCounts, more: ResourceCounts): void {
  for (const kind of SCALARS) counts[kind] += more[kind];
  counts.ports += more.ports;
}

/** Adds (`sign` 1) or takes away (-1) `amounts` from `counts`, in place. */
export function addToCounts(counts: ResourceCounts, amounts: ResourceAmounts, sign: 1 | -1 = 1): void {
  for (const kind of SCALARS) counts[kind] += sign * amounts[kind];
  counts.ports += sign * portCount(amounts.ports);
}

/**
 * Normalises ranges: sorted, merged where they touch or overlap. Ranges that already are (the
 * usual case: one agent range, a few task ports) come back as the same array: results are
 * read-only everywhere, and the allocation loop calls this thousands of times a cycle.
 */
export function normaliseRanges(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  if (isNormalised(ranges)) return ranges as Array<[number, number]>;
  const sorted = ranges.filter(([b, e]) => e >= b).map(([b, e]) => [b, e] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [begin, end] of sorted) {
    const last = out[out.length - 1];
    if (last && begin <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([begin, end]);
  }
  return out;
}

function isNormalised(ranges: ReadonlyArray<readonly [number, number]>): boolean {
  for (let i = 0; i < ranges.length; i++) {
    const [begin, end] = ranges[i]!;
    if (end < begin || (i > 0 && begin <= ranges[i - 1]![1] + 1)) return false;
  }
  return true;
}

export function addRanges(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  if (b.length === 0) return normaliseRanges(a);
  if (a.length === 0) return normaliseRanges(b);
  return normaliseRanges([...a, ...b]);
}

/** a − b as ranges. */
export function subtractRanges(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  let current = normaliseRanges(a);
  if (b.length === 0 || current.length === 0) return current;
  for (const [begin, end] of normaliseRanges(b)) {
    const next: Array<[number, number]> = [];
    for (const [b0, e0] of current) {
      if (end < b0 || begin > e0) {
        next.push([b0, e0]);
        continue;
      }
      if (begin > b0) next.push([b0, begin - 1]);
      if (end < e0) next.push([end + 1, e0]);
    }
    current = next;
  }
  return current;
}

export function rangesContain(outer: ReadonlyArray<readonly [number, number]>, inner: ReadonlyArray<readonly [number, number]>): boolean {
  return subtractRanges(inner, outer).length === 0;
}

export function portCount(ranges: ReadonlyArray<readonly [number, number]>): number {
  return ranges.reduce((sum, [b, e]) => sum + (e - b + 1), 0);
}

/** The first `count` ports of `ranges`. */
export function takePorts(ranges: ReadonlyArray<readonly [number, number]>, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let left = Math.floor(count);
  for (const [begin, end] of normaliseRanges(ranges)) {
    if (left <= 0) break;
    const take = Math.min(left, end - begin + 1);
    out.push([begin, begin + take - 1]);
    left -= take;
  }
  return out;
}

export function addAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return { cpus: a.cpus + b.cpus, mem: a.mem + b.mem, disk: a.disk + b.disk, gpus: a.gpus + b.gpus, ports: addRanges(a.ports, b.ports) };
}

export function subtractAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return {
    cpus: a.cpus - b.cpus,
    mem: a.mem - b.mem,
    disk: a.disk - b.disk,
    gpus: a.gpus - b.gpus,
    ports: subtractRanges(a.ports, b.ports),
  };
}

/** True when `inner` fits in `outer` (scalars within epsilon, ports as a subset). */
export function fitsIn(inner: ResourceAmounts, outer: ResourceAmounts): boolean {
  return SCALARS.every((kind) => inner[kind] <= outer[kind] + RESOURCE_EPSILON) && rangesContain(outer.ports, inner.ports);
}

/** True when the two range lists share a port. */
export function rangesOverlap(a: ReadonlyArray<readonly [number, number]>, b: ReadonlyArray<readonly [number, number]>): boolean {
  return portCount(subtractRanges(a, b)) < portCount(normaliseRanges(a));
}

/**
 * True when `extra` can be added to what is already taken on a machine of `capacity`: scalars
 * within capacity, and ports inside it and not already taken (a port is used once).
 */
export function fitsAlongside(taken: ResourceAmounts, extra: ResourceAmounts, capacity: ResourceAmounts): boolean {
  return !rangesOverlap(extra.ports, taken.ports) && fitsIn(addAmounts(taken, extra), capacity);
}

export function isEmptyAmounts(a: ResourceAmounts): boolean {
  return SCALARS.every((kind) => Math.abs(a[kind]) <= RESOURCE_EPSILON) && a.ports.length === 0;
}

/** Mesos JSON for an amount set (SCALAR resources, then `ports` as RANGES), role `*`. */
export function toWireResources(amounts: ResourceAmounts, role = '*'): WireResource[] {
  const out: WireResource[] = [];
  for (const kind of SCALARS) {
    const value = Math.round(amounts[kind] * 1000) / 1000;
    if (value > RESOURCE_EPSILON) out.push({ name: kind, type: 'SCALAR', scalar: { value }, role });
  }
  if (amounts.ports.length > 0) {
    out.push({ name: 'ports', type: 'RANGES', ranges: { range: amounts.ports.map(([begin, end]) => ({ begin, end })) }, role });
  }
  return out;
}
