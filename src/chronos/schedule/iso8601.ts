/**
 * Chronos ISO8601 repeating intervals `R[n]/[start]/period` (spec §3.1) and their occurrences.
 *
 * Parsing follows Chronos: `R` alone is infinite, `Rn` is n occurrences, `R0` is accepted and
 * never fires; an empty start means "now" (the caller supplies nowMs — the leader's proposal
 * time — so every replica agrees); `scheduleTimeZone`, when given, keeps the start's wall-clock
 * fields and replaces its offset; without it a literal offset is a fixed zone (no DST) and a
 * start without offset is UTC. Starts before 1970-01-01T00:00:01Z are rejected (C3, create).
 *
 * Occurrences (spec §3.16, Kairos behaviour): occurrence k is `start ⊕ k·period`, computed from
 * the anchor every time (no cumulative drift, so Jan 31 + P1M gives Feb 29, Mar 31, Apr 30 …):
 * calendar fields (Y, M, W, D) move the wall clock in the zone, then H/M/S add elapsed time.
 * Wall-clock readings in a DST gap or overlap resolve by the policy in local-time.ts, without
 * moving the anchor. Finite `Rn` allows occurrences k = 0 … n−1: the count is consumed once per
 * *scheduled occurrence* (fired or skipped), never by retries or manual runs; the remaining
 * count is derived, so the stored schedule is not rewritten after each run. For clients,
 * toChronosScheduleString renders Chronos' rewritten form (next due start, remaining count).
 * A zero period has a single occurrence (its start), whatever n says.
 */
import { assert } from '../../lib/assert.js';
import { formatLocalMs, formatOffset, addYearsMonthsLocal, DAY_MS } from './calendar.js';
import { parseDateTime } from './datetime.js';
import { ScheduleError } from './errors.js';
import { instantOfLocal } from './local-time.js';
import { approximatePeriodMs, hasCalendarFields, isZeroPeriod, parsePeriod, type Period } from './period.js';
import { UTC_ZONE, fixedOffsetZone, resolveTimeZone, type TimeZone } from './zone.js';

/** A parsed ISO8601 repeating interval bound to its zone. */
export interface Iso8601Schedule {
  readonly kind: 'iso8601';
  /** −1 for infinite (`R`), else the number of occurrences (`R0` = none). */
  readonly repetitions: number;
  /** The anchor as a wall-clock reading in `zone` (kept even if it falls in a DST gap). */
  readonly startLocalMs: number;
  /** The anchor instant (startLocalMs resolved in zone). */
  readonly startMs: number;
  readonly zone: TimeZone;
  readonly period: Period;
}

export const INFINITE_REPETITIONS = -1;
/** C3 rejects earlier starts on create. */
const EARLIEST_START_MS = 1_000;
const SCHEDULE_PATTERN = /^(R\d*)\/([^/]*)\/(P[^/]*)$/;

/** Options for parsing: the job's `scheduleTimeZone` and the time an empty start means. */
export interface Iso8601ParseOptions {
  readonly zoneId?: string;
  readonly nowMs?: number;
}

/** Parse `R[n]/[start]/period`; throws ScheduleError (or ZoneError for a bad zone). */
export function parseIso8601(text: string, options: Iso8601ParseOptions = {}): Iso8601Schedule {
  const match = SCHEDULE_PATTERN.exec(text.trim());
  if (match === null) throw new ScheduleError(text, 'expected R[n]/[start]/period, e.g. R/2024-01-01T00:00:00Z/PT1H');
  const [, repetitionText = 'R', startText = '', periodText = ''] = match;
  const repetitions = repetitionText === 'R' ? INFINITE_REPETITIONS : Number(repetitionText.slice(1));
  if (!Number.isSafeInteger(repetitions)) throw new ScheduleError(text, `repetition count '${repetitionText}' is too large`);
  const period = parsePeriod(periodText);
  if (typeof period === 'string') throw new ScheduleError(text, period);
  const namedZone = options.zoneId === undefined || options.zoneId.trim() === '' ? null : resolveTimeZone(options.zoneId);
  const anchor = resolveStart(text, startText, namedZone, options.nowMs);
  const startMs = instantOfLocal(anchor.zone, anchor.localMs);
  if (startMs < EARLIEST_START_MS) throw new ScheduleError(text, 'the start must not be before 1970-01-01T00:00:01Z');
  return { kind: 'iso8601', repetitions, startLocalMs: anchor.localMs, startMs, zone: anchor.zone, period };
}

function resolveStart(
  text: string,
  startText: string,
  namedZone: TimeZone | null,
  nowMs: number | undefined,
): { localMs: number; zone: TimeZone } {
  if (startText === '') {
    assert(nowMs !== undefined, 'parseIso8601: an empty start needs options.nowMs');
    const zone = namedZone ?? UTC_ZONE;
    return { localMs: nowMs + zone.offsetAt(nowMs), zone };
  }
  const parsed = parseDateTime(startText);
  if (typeof parsed === 'string') throw new ScheduleError(text, parsed);
  if (namedZone !== null) return { localMs: parsed.localMs, zone: namedZone };
  return { localMs: parsed.localMs, zone: parsed.offsetMs === null ? UTC_ZONE : fixedOffsetZone(parsed.offsetMs) };
}

/** Rebuild a schedule from its stored parts (see schedule.ts ScheduleSpec). */
export function iso8601FromParts(
  repetitions: number,
  startLocalMs: number,
  zone: TimeZone,
  period: Period,
): Iso8601Schedule {
  return { kind: 'iso8601', repetitions, startLocalMs, startMs: instantOfLocal(zone, startLocalMs), zone, period };
}

/** Instant of occurrence k (k ≥ 0), ignoring the repetition limit. */
export function occurrenceMs(schedule: Iso8601Schedule, index: number): number {
  const period = schedule.period;
  if (!hasCalendarFields(period)) return schedule.startMs + index * period.fixedMs;
  const shifted = addYearsMonthsLocal(schedule.startLocalMs, period.years * index, period.months * index);
  const local = shifted + (period.weeks * 7 + period.days) * index * DAY_MS;
  return instantOfLocal(schedule.zone, local) + index * period.fixedMs;
}

/** Number of occurrences allowed (Infinity for `R`, 1 for a zero period). */
function occurrenceLimit(schedule: Iso8601Schedule): number {
  if (schedule.repetitions === 0) return 0;
  if (isZeroPeriod(schedule.period)) return 1;
  return schedule.repetitions === INFINITE_REPETITIONS ? Infinity : schedule.repetitions;
}

/** Smallest k with occurrence(k) > afterMs (ignoring the limit). Occurrences never decrease in k. */
export function firstIndexAfter(schedule: Iso8601Schedule, afterMs: number): number {
  if (schedule.startMs > afterMs) return 0;
  if (isZeroPeriod(schedule.period)) return 1;
  const period = schedule.period;
  if (!hasCalendarFields(period)) return Math.floor((afterMs - schedule.startMs) / period.fixedMs) + 1;
  // Estimate from the average period length, then correct; DST and month lengths move the
  // estimate by at most a couple of steps.
  let index = Math.max(1, Math.floor((afterMs - schedule.startMs) / approximatePeriodMs(period)));
  while (index > 0 && occurrenceMs(schedule, index - 1) > afterMs) index--;
  while (occurrenceMs(schedule, index) <= afterMs) index++;
  return index;
}

/** First occurrence strictly after afterMs, or NaN when the schedule is exhausted. */
export function nextIso8601Fire(schedule: Iso8601Schedule, afterMs: number): number {
  const index = firstIndexAfter(schedule, afterMs);
  return index < occurrenceLimit(schedule) ? occurrenceMs(schedule, index) : Number.NaN;
}

/** Latest occurrence at or before atMs, or NaN when none has come yet (or R0). */
export function latestIso8601FireAtOrBefore(schedule: Iso8601Schedule, atMs: number): number {
  const index = Math.min(firstIndexAfter(schedule, atMs), occurrenceLimit(schedule)) - 1;
  return index >= 0 ? occurrenceMs(schedule, index) : Number.NaN;
}

/** Occurrences left after afterMs: −1 for infinite. */
export function remainingIso8601Fires(schedule: Iso8601Schedule, afterMs: number): number {
  const limit = occurrenceLimit(schedule);
  if (limit === Infinity) return INFINITE_REPETITIONS;
  return Math.max(0, limit - firstIndexAfter(schedule, afterMs));
}

/**
 * The schedule as Chronos would show it once everything up to firedThroughMs has been
 * consumed: `R<remaining>/<next due start with the zone's offset>/<period as submitted>`.
 */
export function toChronosScheduleString(schedule: Iso8601Schedule, firedThroughMs: number): string {
  const limit = occurrenceLimit(schedule);
  const index = Math.min(firstIndexAfter(schedule, firedThroughMs), limit);
  const startMs = occurrenceMs(schedule, index);
  const offsetMs = schedule.zone.offsetAt(startMs);
  return `${repetitionText(schedule, limit, index)}/${formatLocalMs(startMs + offsetMs)}${formatOffset(offsetMs)}/${schedule.period.text}`;
}

/** `R` while infinite, else `R<left>`; a zero period shows its submitted count until it fires. */
function repetitionText(schedule: Iso8601Schedule, limit: number, index: number): string {
  if (isZeroPeriod(schedule.period) && index === 0) {
    return schedule.repetitions === INFINITE_REPETITIONS ? 'R' : `R${schedule.repetitions}`;
  }
  return limit === Infinity ? 'R' : `R${limit - index}`;
}
