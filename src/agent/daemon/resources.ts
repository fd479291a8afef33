/**
 * Mesos resource and attribute strings, parsed into wire resources (pure: no I/O).
 *
 *   resources:  "cpus:4;mem:8192;disk:20000;ports:[31000-32000,33000-33010];gpus(*):1;zones:{a,b}"
 *   attributes: "rack:r1;zone:a"
 *
 * A resource is `name[(role)]:value` where value is a scalar (number), ranges (`[a-b,...]`)
 * or a set (`{x,y}`); entries are separated by `;`. Anything else is a ValidationError naming
 * the flag and the offending entry. Unspecified cpus/mem/disk/ports take the detected defaults
 * (as Mesos does), see `withDefaults`.
 */
import { ValidationError } from '../../lib/errors.js';
import type { WireResource } from '../../protocol/messages.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ROLE = /^(\*|[A-Za-z0-9_.-]+)$/;
const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a Mesos resource string; the empty string is no resources. */
export function parseResources(text: string, field = 'resources'): WireResource[] {
  const resources: WireResource[] = [];
  const seen = new Set<string>();
  for (const entry of splitEntries(text)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ValidationError(field, `--${field}: "${entry}" is not name:value`);
    const { name, role } = parseName(entry.slice(0, colon).trim(), entry, field);
    const key = `${name}(${role ?? '*'})`;
    if (seen.has(key)) throw new ValidationError(field, `--${field}: "${name}" appears twice`);
    seen.add(key);
    const resource = parseValue(name, entry.slice(colon + 1).trim(), entry, field);
    resources.push(role !== undefined && role !== '*' ? { ...resource, role } : resource);
  }
  return resources;
}

/** Parses "key:value;key:value" attributes; values stay text (as Mesos TEXT attributes). */
export function parseAttributes(text: string, field = 'attributes'): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const entry of splitEntries(text)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ValidationError(field, `--${field}: "${entry}" is not name:value`);
    const name = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    if (!NAME.test(name)) throw new ValidationError(field, `--${field}: "${name}" is not a valid attribute name`);
    if (value === '') throw new ValidationError(field, `--${field}: "${name}" has no value`);
    if (Object.hasOwn(attributes, name)) throw new ValidationError(field, `--${field}: "${name}" appears twice`);
    attributes[name] = value;
  }
  return attributes;
}

/** The machine's defaults for cpus, mem, disk and ports, filled in where `given` lacks them. */
export function withDefaults(given: WireResource[], defaults: { cpus: number; memMb: number; diskMb: number; ports?: [number, number] }): WireResource[] {
  const has = (name: string): boolean => given.some((r) => r.name === name);
  const filled = [...given];
  if (!has('cpus')) filled.push(scalar('cpus', defaults.cpus));
  if (!has('mem')) filled.push(scalar('mem', defaults.memMb));
  if (!has('disk')) filled.push(scalar('disk', defaults.diskMb));
  if (!has('ports')) {
    const [begin, end] = defaults.ports ?? [31_000, 32_000];
    filled.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin, end }] } });
  }
  return filled;
}

/** Mesos' text form of resources ("cpus:4;mem:8192;ports:[31000-32000]"), for logs and /state. */
export function formatResources(resources: WireResource[]): string {
  return resources.map((r) => `${r.name}${r.role && r.role !== '*' ? `(${r.role})` : ''}:${formatValue(r)}`).join(';');
}

export function formatValue(resource: WireResource): string {
  if (resource.type === 'SCALAR') return String(resource.scalar?.value ?? 0);
  if (resource.type === 'RANGES') return `[${(resource.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(',')}]`;
  return `{${(resource.set?.item ?? []).join(',')}}`;
}

/** Sum of a named scalar resource (all roles), 0 when absent. */
export function scalarOf(resources: readonly WireResource[], name: string): number {
  return resources.filter((r) => r.name === name && r.type === 'SCALAR').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

export function scalar(name: string, value: number): WireResource {
  return { name, type: 'SCALAR', scalar: { value } };
}

function splitEntries(text: string): string[] {
  // ';' separates entries; ranges and sets use ',' inside brackets, so a plain split works.
  return text.split(';').map((e) => e.trim()).filter((e) => e !== '');
}

function parseName(raw: string, entry: string, field: string): { name: string; role?: string } {
  const match = raw.match(/^([^()]+)(?:\(([^()]*)\))?$/);
  const name = match?.[1]?.trim() ?? '';
  const role = match?.[2]?.trim();
  if (!match || !NAME.test(name)) throw new ValidationError(field, `--${field}: "${entry}" has an invalid resource name`);
  if (role !== undefined && !ROLE.test(role)) throw new ValidationError(field, `--${field}: "${entry}" has an invalid role`);
  return role === undefined ? { name } : { name, role };
}

function parseValue(name: string, value: string, entry: string, field: string): WireResource {
  if (value.startsWith('[')) return { name, type: 'RANGES', ranges: { range: parseRanges(value, entry, field) } };
  if (value.startsWith('{')) {
    if (!value.endsWith('}')) throw new ValidationError(field, `--${field}: "${entry}" has an unclosed set`);
    const items = value.slice(1, -1).split(',').map((i) => i.trim()).filter((i) => i !== '');
    if (new Set(items).size !== items.length) throw new ValidationError(field, `--${field}: "${entry}" repeats a set item`);
    return { name, type: 'SET', set: { item: items } };
  }
  if (!NUMBER.test(value)) throw new ValidationError(field, `--${field}: "${entry}" is not a number, [ranges] or {set}`);
  const number = Number(value);
  if (!Number.isFinite(number)) throw new ValidationError(field, `--${field}: "${entry}" is not a finite number`);
  return scalar(name, number);
}

function parseRanges(value: string, entry: string, field: string): Array<{ begin: number; end: number }> {
  if (!value.endsWith(']')) throw new ValidationError(field, `--${field}: "${entry}" has an unclosed range list`);
  const ranges: Array<{ begin: number; end: number }> = [];
  for (const part of value.slice(1, -1).split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = part.match(/^(\d+)\s*-\s*(\d+)$/) ?? part.match(/^(\d+)$/);
    if (!match) throw new ValidationError(field, `--${field}: "${part}" in "${entry}" is not begin-end`);
    const begin = Number(match[1]);
    const end = Number(match[2] ?? match[1]);
    if (begin > end) throw new ValidationError(field, `--${field}: range ${part} in "${entry}" ends before it begins`);
    ranges.push({ begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.begin <= ranges[i - 1]!.end) throw new ValidationError(field, `--${field}: ranges in "${entry}" overlap`);
  }
  return ranges;
}
