/**
 * Five-field cron (minute hour day-of-month month day-of-week) compiled to bit masks, and the
 * next fire instant in an IANA zone (pure; no Date, no Intl on the hot path).
 *
 * Semantics:
 *  - Fields, ranges, steps, lists, names: see cron-fields.ts. Macros: @yearly, @annually,
 *    @monthly, @weekly, @daily, @midnight, @hourly. Seconds and years fields are not accepted.
 *  - Day matching follows Vixie cron: when either day field starts with `*` (or is `?`) a day
 *    must match both fields (so effectively the other one); when both are restricted a day
 *    matching either fires ("0 0 1 * MON" = the 1st and every Monday). Note cron-parser treats
 *    `*\/2` as restricted; we follow Vixie.
 *  - Expressions that can never fire (`0 0 30 2 *`) are rejected at compile time.
 *
 * DST policy (also in README.md). Cron fields describe wall-clock readings in the job's zone.
 *  - Spring-forward gap: a matching reading that does not exist (02:30 on the day New York
 *    jumps from 02:00 to 03:00) fires once, at the first instant after the gap (03:00 new
 *    offset). Several matching readings in the same gap (02:00, 02:15, …) fire once together.
 *  - Fall-back overlap: a matching reading that occurs twice (01:30 when 01:00–02:00 repeats)
 *    fires once, at its first occurrence.
 *  - One exception, as in Vixie cron: when the hour field is exactly `*` the job is "every
 *    hour" and keeps firing through the repeated hour in elapsed time ("*\/15 * * * *" fires at
 *    01:00, 01:15, … in both passes), because skipping an hour of an hourly job is a gap users
 *    notice. Fixed-hour jobs never run twice.
 *
 * Search strategy: walk constant-offset periods of the zone forward from `after`; inside a
 * period the reading ↔ instant map is a shift, so the next matching reading found by mask
 * arithmetic (nextLocalMatch) is the answer unless a transition comes first.
 */
import { assert } from '../../lib/assert.js';
import { DAY_MS, MINUTE_MS, civilFromDays, daysFromCivil, daysInMonth, weekdayOfDays } from './calendar.js';
import {
  CronFieldError,
  DAY_OF_MONTH_FIELD,
  DAY_OF_WEEK_FIELD,
  HOUR_FIELD,
  MINUTE_FIELD,
  MONTH_FIELD,
  parseCronFieldBits,
} from './cron-fields.js';
import { ScheduleError } from './errors.js';
import type { TimeZone } from './zone.js';

/** A compiled cron expression: seven small integers, no strings, no arrays. */
export interface CompiledCron {
  /** Bits 0–29: minutes 0–29. */
  readonly minutesLow: number;
  /** Bits 0–29: minutes 30–59. */
  readonly minutesHigh: number;
  /** Bits 0–23. */
  readonly hours: number;
  /** Bit d−1: day of month d. */
  readonly daysOfMonth: number;
  /** Bit m−1: month m. */
  readonly months: number;
  /** Bit w: weekday w (0 = Sunday). */
  readonly daysOfWeek: number;
  /** DAY_OF_MONTH_STAR | DAY_OF_WEEK_STAR | HOUR_STAR. */
  readonly flags: number;
}

export const DAY_OF_MONTH_STAR = 1;
export const DAY_OF_WEEK_STAR = 2;
export const HOUR_STAR = 4;

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Longest day-of-month per month in any year (February 29 in leap years). */
const LONGEST_MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
/** The Gregorian calendar repeats every 400 years, so a feasible pattern matches within it. */
const SEARCH_YEARS = 400;

/** Compiled expressions are immutable values: identical texts share one frozen object. */
const compiledCache = new Map<string, CompiledCron>();
const COMPILED_CACHE_LIMIT = 10_000;

/** Compile a cron expression or macro; throws ScheduleError with the reason. */
export function compileCron(expression: string): CompiledCron {
  const cached = compiledCache.get(expression);
  if (cached !== undefined) return cached;
  const compiled = Object.freeze(compileUncached(expression));
  // A crude bound: forget everything when full; entries are cheap to rebuild.
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) compiledCache.clear();
  compiledCache.set(expression, compiled);
  return compiled;
}

function compileUncached(expression: string): CompiledCron {
  const trimmed = expression.trim();
  const source = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (source.startsWith('@')) throw new ScheduleError(expression, `unknown cron macro '${trimmed}'`);
  const fields = source.split(/\s+/);
  if (fields.length !== 5) {
    throw new ScheduleError(expression, `a cron expression has 5 fields (minute hour day month weekday), got ${fields.length}`);
  }
  const [minuteText, hourText, dayText, monthText, weekdayText] = fields as [string, string, string, string, string];
  try {
    const minutes = parseCronFieldBits(minuteText, MINUTE_FIELD);
    const days = parseCronFieldBits(dayText, DAY_OF_MONTH_FIELD);
    const weekdays = parseCronFieldBits(weekdayText, DAY_OF_WEEK_FIELD).low;
    const compiled: CompiledCron = {
      minutesLow: minutes.low,
      minutesHigh: minutes.high,
      hours: parseCronFieldBits(hourText, HOUR_FIELD).low,
      daysOfMonth: (days.low >>> 1) | (days.high << 29),
      months: parseCronFieldBits(monthText, MONTH_FIELD).low >>> 1,
      daysOfWeek: (weekdays | (weekdays >>> 7)) & 0x7f,
      flags:
        (isStarField(dayText) ? DAY_OF_MONTH_STAR : 0) |
        (isStarField(weekdayText) ? DAY_OF_WEEK_STAR : 0) |
        (hourText === '*' ? HOUR_STAR : 0),
    };
    if (!canEverFire(compiled)) throw new CronFieldError('the day-of-month never occurs in the selected months');
    return compiled;
  } catch (error) {
    if (error instanceof CronFieldError) throw new ScheduleError(expression, error.message);
    throw error;
  }
}

function isStarField(text: string): boolean {
  return text.startsWith('*') || text === '?';
}

function usesIntersection(cron: CompiledCron): boolean {
  return (cron.flags & (DAY_OF_MONTH_STAR | DAY_OF_WEEK_STAR)) !== 0;
}

/** With OR semantics any weekday rescues the pattern; with AND a day must fit some month. */
function canEverFire(cron: CompiledCron): boolean {
  if (!usesIntersection(cron)) return true;
  for (let month = 1; month <= 12; month++) {
    if ((cron.months & (1 << (month - 1))) === 0) continue;
    const longest = LONGEST_MONTH_DAYS[month - 1] as number;
    if ((cron.daysOfMonth & allDaysMask(longest)) !== 0) return true;
  }
  return false;
}

function allDaysMask(dayCount: number): number {
  return dayCount >= 31 ? 0x7fffffff : (1 << dayCount) - 1;
}

/** Index of the lowest set bit at or above `from`, or −1. */
function nextBit(mask: number, from: number): number {
  if (from > 31) return -1;
  const remaining = mask & (-1 << from);
  return remaining === 0 ? -1 : 31 - Math.clz32(remaining & -remaining);
}

function nextMinute(cron: CompiledCron, from: number): number {
  if (from < 30) {
    const low = nextBit(cron.minutesLow, from);
    if (low >= 0) return low;
  }
  const high = nextBit(cron.minutesHigh, Math.max(0, from - 30));
  return high < 0 ? -1 : high + 30;
}

/** Bit d−1 set when day d of the month fires (day-of-month and weekday rules combined). */
function dayMaskOfMonth(cron: CompiledCron, year: number, month: number): number {
  const limit = allDaysMask(daysInMonth(year, month));
  const flags = cron.flags;
  if ((flags & DAY_OF_MONTH_STAR) !== 0 && (flags & DAY_OF_WEEK_STAR) !== 0 && cron.daysOfWeek === 0x7f) {
    return cron.daysOfMonth & limit;
  }
  const firstWeekday = weekdayOfDays(daysFromCivil(year, month, 1));
  // Rotate so that bit j means weekday (firstWeekday + j) % 7, then repeat weekly over 31 days.
  const week = ((cron.daysOfWeek >>> firstWeekday) | (cron.daysOfWeek << (7 - firstWeekday))) & 0x7f;
  const weekdayDays = week | (week << 7) | (week << 14) | (week << 21) | (week << 28);
  const days = usesIntersection(cron) ? cron.daysOfMonth & weekdayDays : cron.daysOfMonth | weekdayDays;
  return days & limit;
}

/**
 * The first wall-clock reading ≥ fromLocalMs (a whole minute) that matches, in local ms, or
 * NaN when none occurs within 400 years. Zone-free: pure mask arithmetic on calendar fields.
 */
export function nextLocalMatch(cron: CompiledCron, fromLocalMs: number): number {
  const startDays = Math.floor(fromLocalMs / DAY_MS);
  let minuteOfDay = Math.floor((fromLocalMs - startDays * DAY_MS) / MINUTE_MS);
  const start = civilFromDays(startDays);
  let year = start.year;
  let month = start.month;
  let day = start.day;
  const lastYear = year + SEARCH_YEARS;
  // Plain assignments, not tuple destructuring: this loop is the hot path.
  while (year <= lastYear) {
    const monthIndex = nextBit(cron.months, month - 1);
    if (monthIndex !== month - 1) {
      if (monthIndex < 0) year += 1;
      month = monthIndex < 0 ? nextBit(cron.months, 0) + 1 : monthIndex + 1;
      day = 1;
      minuteOfDay = 0;
    }
    const dayIndex = nextBit(dayMaskOfMonth(cron, year, month), day - 1);
    if (dayIndex < 0) {
      if (month === 12) year += 1;
      month = month === 12 ? 1 : month + 1;
      day = 1;
      minuteOfDay = 0;
      continue;
    }
    if (dayIndex !== day - 1) {
      day = dayIndex + 1;
      minuteOfDay = 0;
    }
    const hour = Math.floor(minuteOfDay / 60);
    const matchHour = nextBit(cron.hours, hour);
    const matchMinute = matchHour < 0 ? -1 : nextMinute(cron, matchHour === hour ? minuteOfDay - hour * 60 : 0);
    if (matchMinute >= 0) return daysFromCivil(year, month, day) * DAY_MS + (matchHour * 60 + matchMinute) * MINUTE_MS;
    // No time left today at or after this hour: move to the next hour or the next day.
    if (matchHour >= 0 && matchHour < 23) {
      minuteOfDay = (matchHour + 1) * 60;
    } else {
      day += 1;
      minuteOfDay = 0;
    }
  }
  return Number.NaN;
}

function ceilToMinute(localMs: number): number {
  return Math.ceil(localMs / MINUTE_MS) * MINUTE_MS;
}

/** Bound on constant-offset periods crossed: 400 years of twice-yearly transitions, plus slack. */
const MAX_PERIODS = 2 * SEARCH_YEARS + 16;

/**
 * The first instant strictly after afterMs at which the job fires in `zone`, under the DST
 * policy above; NaN if it never fires again within 400 years.
 */
export function nextCronFire(cron: CompiledCron, zone: TimeZone, afterMs: number): number {
  let periodFromMs = afterMs;
  let offset = zone.offsetAt(afterMs);
  let readingFrom = Math.floor((afterMs + offset) / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  if ((cron.flags & HOUR_STAR) === 0) readingFrom = skipRepeatedReadings(zone, afterMs, offset, readingFrom);
  for (let period = 0; period < MAX_PERIODS; period++) {
    const reading = nextLocalMatch(cron, readingFrom);
    if (Number.isNaN(reading)) return Number.NaN;
    const candidate = reading - offset;
    const transition = zone.transitionBetween(periodFromMs, candidate);
    if (Number.isNaN(transition)) return candidate;
    const nextOffset = zone.offsetAt(transition);
    if (nextOffset > offset) {
      // Spring forward: readings in [transition + offset, transition + nextOffset) do not exist.
      const gapStart = Math.max(readingFrom, ceilToMinute(transition + offset));
      if (nextLocalMatch(cron, gapStart) < transition + nextOffset) return transition;
    }
    const repeatsAllowed = nextOffset > offset || (cron.flags & HOUR_STAR) !== 0;
    readingFrom = ceilToMinute(transition + (repeatsAllowed ? nextOffset : offset));
    periodFromMs = transition;
    offset = nextOffset;
  }
  assert(false, `nextCronFire crossed ${MAX_PERIODS} offset periods`);
}

/** After a recent fall-back, readings below the old offset's last reading are repeats: skip. */
function skipRepeatedReadings(zone: TimeZone, afterMs: number, offset: number, readingFrom: number): number {
  const transition = zone.transitionBetween(afterMs - DAY_MS, afterMs);
  if (Number.isNaN(transition)) return readingFrom;
  const previousOffset = zone.offsetAt(transition - 1);
  return previousOffset > offset ? Math.max(readingFrom, ceilToMinute(transition + previousOffset)) : readingFrom;
}
