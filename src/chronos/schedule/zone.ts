/**
 * Time zones for schedule maths: validation of zone ids and fast instant → offset lookups.
 *
 * Intl is the only source of tz data we trust, but it is slow (≈1 µs per format call, ≈140 µs
 * to construct a formatter), so each zone keeps a lazily grown table of its offset transitions:
 * the first lookup near an instant scans a chunk of days around it (one Intl call per day,
 * bisection to the second where the offset changes) and later lookups are a binary search with
 * a last-hit hint. Zones are interned, so 100,000 jobs in 20 zones share 20 tables.
 *
 * Limits (documented, deliberate): two transitions less than a day apart are not both seen
 * (no such pair in tzdata since 1900 in commonly used zones); instants outside years
 * 1900–2300 are computed with Intl directly and not cached.
 *
 * Pure module: no clock, no I/O. The caches are memoisation of a pure function of tzdata.
 */
import { assert } from '../../lib/assert.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from './calendar.js';
import { ZoneError } from './errors.js';
import { LEGACY_ZONE_ALIASES } from './zone-aliases.js';

/** A time zone as schedule maths needs it: the UTC offset in force at an instant. */
export interface TimeZone {
  /** Normalised id: an IANA name, `UTC`, or a fixed offset such as `+05:30`. */
  readonly id: string;
  /** Offset (local − UTC) in ms at a UTC instant. */
  offsetAt(utcMs: number): number;
  /**
   * The first instant T in (fromMs, toMs] at which the offset changes (offsetAt(T) differs
   * from offsetAt(T − 1)), or NaN when there is none. Transitions after year 2300 are not seen.
   */
  transitionBetween(fromMs: number, toMs: number): number;
}

const CACHED_FROM_MS = Date.UTC(1900, 0, 1);
const CACHED_TO_MS = Date.UTC(2300, 0, 1);
/** Days scanned per Intl chunk; small enough that a first lookup costs well under a ms. */
const CHUNK_MS = 92 * DAY_MS;

/** A zone with a fixed offset (UTC, or an ISO8601 start's literal `±hh:mm` without a zone). */
class FixedOffsetZone implements TimeZone {
  constructor(
    readonly id: string,
    private readonly offsetMs: number,
  ) {}
  offsetAt(): number {
    return this.offsetMs;
  }
  transitionBetween(): number {
    return Number.NaN;
  }
}

/** An IANA zone backed by Intl, with a cached, lazily extended transition table. */
class IntlZone implements TimeZone {
  private readonly formatter: Intl.DateTimeFormat;
  /** starts[i] is the first instant at which offsets[i] holds; starts[0] is coverage start. */
  private starts: number[] = [];
  private offsets: number[] = [];
  private coveredFromMs = Number.NaN;
  private coveredToMs = Number.NaN;
  private hint = 0;

  constructor(readonly id: string) {
    this.formatter = new Intl.DateTimeFormat('en-US', { timeZone: id, timeZoneName: 'longOffset' });
  }

  offsetAt(utcMs: number): number {
    if (!(utcMs >= this.coveredFromMs && utcMs < this.coveredToMs)) {
      if (!(utcMs >= CACHED_FROM_MS && utcMs < CACHED_TO_MS)) return this.intlOffsetAt(utcMs);
      this.cover(utcMs);
    }
    return this.offsets[this.indexOf(utcMs)] as number;
  }

  transitionBetween(fromMs: number, toMs: number): number {
    const from = Math.max(fromMs, CACHED_FROM_MS);
    const to = Math.min(toMs, CACHED_TO_MS - 1);
    if (!(from < to)) return Number.NaN;
    if (!(to < this.coveredToMs)) this.cover(to);
    if (!(from >= this.coveredFromMs)) this.cover(from);
    // Entries after starts[0] are real transitions: chunks merge when offsets are equal.
    const next = this.starts[this.indexOf(from) + 1];
    return next !== undefined && next <= to ? next : Number.NaN;
  }

  private indexOf(utcMs: number): number {
    const starts = this.starts;
    const hint = this.hint;
    const next = starts[hint + 1];
    if ((starts[hint] as number) <= utcMs && (next === undefined || next > utcMs)) return hint;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] as number) <= utcMs) low = middle;
      else high = middle - 1;
    }
    this.hint = low;
    return low;
  }

  private cover(utcMs: number): void {
    if (this.starts.length === 0) {
      const from = Math.floor(utcMs / CHUNK_MS) * CHUNK_MS;
      const chunk = this.scan(from, from + CHUNK_MS);
      this.starts = chunk.starts;
      this.offsets = chunk.offsets;
      this.coveredFromMs = from;
      this.coveredToMs = from + CHUNK_MS;
    }
    while (utcMs >= this.coveredToMs) this.append(this.scan(this.coveredToMs, this.coveredToMs + CHUNK_MS));
    while (utcMs < this.coveredFromMs) this.prepend(this.scan(this.coveredFromMs - CHUNK_MS, this.coveredFromMs));
  }

  private append(chunk: OffsetChunk): void {
    const skipFirst = chunk.offsets[0] === this.offsets[this.offsets.length - 1];
    this.starts.push(...chunk.starts.slice(skipFirst ? 1 : 0));
    this.offsets.push(...chunk.offsets.slice(skipFirst ? 1 : 0));
    this.coveredToMs = chunk.toMs;
  }

  private prepend(chunk: OffsetChunk): void {
    const mergeFirst = chunk.offsets[chunk.offsets.length - 1] === this.offsets[0];
    const oldStarts = mergeFirst ? this.starts.slice(1) : this.starts;
    const oldOffsets = mergeFirst ? this.offsets.slice(1) : this.offsets;
    this.starts = [...chunk.starts, ...oldStarts];
    this.offsets = [...chunk.offsets, ...oldOffsets];
    this.coveredFromMs = chunk.fromMs;
    this.hint = 0;
  }

  /** Sample the offset once a day over [fromMs, toMs) and bisect each change to the second. */
  private scan(fromMs: number, toMs: number): OffsetChunk {
    const starts = [fromMs];
    let previous = this.intlOffsetAt(fromMs);
    const offsets = [previous];
    let previousProbe = fromMs;
    for (let sample = fromMs + DAY_MS; sample < toMs + DAY_MS; sample += DAY_MS) {
      const probe = Math.min(sample, toMs - SECOND_MS);
      const offset = this.intlOffsetAt(probe);
      if (offset !== previous) {
        starts.push(this.bisectTransition(previousProbe, probe, previous));
        offsets.push(offset);
        previous = offset;
      }
      previousProbe = probe;
    }
    return { fromMs, toMs, starts, offsets };
  }

  /** First whole second in (lowMs, highMs] whose offset differs from offsetLow. */
  private bisectTransition(lowMs: number, highMs: number, offsetLow: number): number {
    let low = Math.floor(lowMs / SECOND_MS);
    let high = Math.floor(highMs / SECOND_MS);
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (this.intlOffsetAt(middle * SECOND_MS) === offsetLow) low = middle;
      else high = middle;
    }
    return high * SECOND_MS;
  }

  /** Offset from Intl's `longOffset` name, e.g. "GMT+05:30", "GMT-04:56:02", or "GMT". */
  private intlOffsetAt(utcMs: number): number {
    assert(Number.isFinite(utcMs), `offset of a non-finite instant ${utcMs}`);
    const text = this.formatter.format(utcMs);
    return parseGmtOffset(text.slice(text.lastIndexOf('GMT') + 3));
  }
}

interface OffsetChunk {
  readonly fromMs: number;
  readonly toMs: number;
  readonly starts: number[];
  readonly offsets: number[];
}

/** "+05:30" → ms; "" → 0. */
function parseGmtOffset(text: string): number {
  if (text.length === 0) return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const [hours = '0', minutes = '0', seconds = '0'] = text.slice(1).split(':');
  return sign * (Number(hours) * HOUR_MS + Number(minutes) * MINUTE_MS + Number(seconds) * SECOND_MS);
}

const FIXED_OFFSET_PATTERN = /^([+-])(\d{2}):?(\d{2})$/;
const zoneCache = new Map<string, TimeZone>();

export const UTC_ZONE: TimeZone = new FixedOffsetZone('UTC', 0);

/** A fixed-offset zone, id `±hh:mm` (or `UTC` for zero). */
export function fixedOffsetZone(offsetMs: number): TimeZone {
  assert(Number.isInteger(offsetMs / MINUTE_MS) && Math.abs(offsetMs) < DAY_MS, `bad fixed offset ${offsetMs}`);
  if (offsetMs === 0) return UTC_ZONE;
  const sign = offsetMs < 0 ? '-' : '+';
  const minutesTotal = Math.abs(offsetMs) / MINUTE_MS;
  const id = `${sign}${String(Math.floor(minutesTotal / 60)).padStart(2, '0')}:${String(minutesTotal % 60).padStart(2, '0')}`;
  return internZone(id, () => new FixedOffsetZone(id, offsetMs));
}

function internZone(id: string, make: () => TimeZone): TimeZone {
  const cached = zoneCache.get(id);
  if (cached !== undefined) return cached;
  const zone = make();
  zoneCache.set(id, zone);
  return zone;
}

function isIntlZone(id: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: id });
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve a `scheduleTimeZone` value. Accepts IANA names (case as Intl allows), the legacy
 * Java/Joda three-letter ids of §3.12, `UTC`/`Z`/empty (UTC), and fixed offsets `±hh:mm`.
 * Unlike Chronos, which silently used UTC for unknown ids, an unknown id throws ZoneError.
 */
export function resolveTimeZone(zoneId: string): TimeZone {
  const trimmed = zoneId.trim();
  if (trimmed === '' || trimmed === 'Z' || trimmed.toUpperCase() === 'UTC') return UTC_ZONE;
  const cached = zoneCache.get(trimmed);
  if (cached !== undefined) return cached;
  const fixed = FIXED_OFFSET_PATTERN.exec(trimmed);
  if (fixed !== null) {
    const [, sign, hours, minutes] = fixed;
    const offsetMs = (sign === '-' ? -1 : 1) * (Number(hours) * HOUR_MS + Number(minutes) * MINUTE_MS);
    if (Number(hours) > 18 || Number(minutes) > 59) throw new ZoneError(zoneId);
    return fixedOffsetZone(offsetMs);
  }
  const aliased = LEGACY_ZONE_ALIASES[trimmed.toUpperCase()] ?? trimmed;
  if (aliased === 'UTC') return UTC_ZONE;
  if (!isIntlZone(aliased)) throw new ZoneError(zoneId);
  const zone = internZone(aliased, () => new IntlZone(aliased));
  zoneCache.set(trimmed, zone);
  return zone;
}

/** True when resolveTimeZone would accept the id. */
export function isValidTimeZone(zoneId: string): boolean {
  try {
    resolveTimeZone(zoneId);
    return true;
  } catch (error) {
    if (error instanceof ZoneError) return false;
    throw error;
  }
}
