/**
 * Wall-clock → instant conversion under the Kairos DST policy (see README.md, "DST policy").
 *
 * A wall-clock reading (local ms, see calendar.ts) maps to zero, one or two instants:
 *  - one: the ordinary case;
 *  - zero: the reading falls in a spring-forward gap (02:30 on the day New York jumps
 *    02:00 → 03:00). Policy: use the first instant after the gap, i.e. the transition instant
 *    itself (03:00 new offset). The schedule's anchor is not moved by this.
 *  - two: the reading falls in a fall-back overlap (01:30 on the day New York repeats
 *    01:00–02:00). Policy: use the first occurrence. repeatedInstantOfLocal exposes the second
 *    one for the single cron exception documented in cron.ts.
 *
 * Assumption: at most one transition within a day either side of the reading; when that does
 * not hold the general path still finds every valid instant among the nearby offsets.
 */
import { DAY_MS } from './calendar.js';
import type { TimeZone } from './zone.js';

/** How a wall-clock reading maps to instants in a zone. */
export interface LocalResolution {
  readonly kind: 'unique' | 'gap' | 'overlap';
  /** Instants at which the zone's clocks show the reading (ascending); empty in a gap. */
  readonly instants: readonly number[];
  /** The instant Kairos uses: the only one, the first one, or the end of the gap. */
  readonly chosenMs: number;
}

/** The instant a schedule uses for a wall-clock reading (policy above). */
export function instantOfLocal(zone: TimeZone, localMs: number): number {
  const before = zone.offsetAt(localMs - DAY_MS);
  if (before === zone.offsetAt(localMs + DAY_MS)) {
    const candidate = localMs - before;
    if (zone.offsetAt(candidate) === before) return candidate;
  }
  return resolveLocal(zone, localMs).chosenMs;
}

/** The second instant of a reading inside a fall-back overlap, or NaN when there is none. */
export function repeatedInstantOfLocal(zone: TimeZone, localMs: number): number {
  const before = zone.offsetAt(localMs - DAY_MS);
  if (before === zone.offsetAt(localMs + DAY_MS)) return Number.NaN;
  const resolution = resolveLocal(zone, localMs);
  return resolution.kind === 'overlap' ? (resolution.instants[1] as number) : Number.NaN;
}

/** Full classification of a wall-clock reading; slow path, also used by tests. */
export function resolveLocal(zone: TimeZone, localMs: number): LocalResolution {
  const before = zone.offsetAt(localMs - DAY_MS);
  const after = zone.offsetAt(localMs + DAY_MS);
  const candidateOffsets = new Set([before, after, zone.offsetAt(localMs - before), zone.offsetAt(localMs - after)]);
  const instants: number[] = [];
  for (const offset of candidateOffsets) {
    const candidate = localMs - offset;
    if (zone.offsetAt(candidate) === offset && !instants.includes(candidate)) instants.push(candidate);
  }
  instants.sort((a, b) => a - b);
  const first = instants[0];
  if (first !== undefined) return { kind: instants.length > 1 ? 'overlap' : 'unique', instants, chosenMs: first };
  return { kind: 'gap', instants, chosenMs: endOfGap(zone, localMs, before, after) };
}

/**
 * First instant whose wall clock reads later than localMs. The reading is in a gap, so clocks
 * jump over it: below `localMs - max(offsets)` they read earlier, at `localMs - min(offsets)`
 * they read later. Bisect to the millisecond.
 */
function endOfGap(zone: TimeZone, localMs: number, before: number, after: number): number {
  let low = localMs - Math.max(before, after) - DAY_MS;
  let high = localMs - Math.min(before, after);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (middle + zone.offsetAt(middle) > localMs) high = middle;
    else low = middle;
  }
  return high;
}
