/**
 * Proleptic Gregorian calendar arithmetic on plain integers (pure, allocation-light).
 *
 * Schedules reason about *wall-clock* time in a zone. We represent a wall-clock reading as
 * "local ms": the number of milliseconds a UTC clock would show at the same calendar reading
 * (2024-03-10T02:30 local ↦ Date.UTC(2024, 2, 10, 2, 30)). Converting local ms to an instant is
 * the zone's job (zone.ts); everything here is zone-free integer maths, so the hot path of
 * next-fire computation never constructs a Date or calls Intl.
 *
 * Day numbering follows the well-known "days from civil" construction (eras of 400 years);
 * months are 1-based (1 = January), weekdays are 0 = Sunday … 6 = Saturday, as in cron.
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A calendar date; month 1–12, day 1–31. */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): CivilDate {
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Number of days in a month (1–12) of a year. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return MONTH_LENGTHS[month - 1] ?? 31;
}

/** Weekday (0 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** Local ms of a wall-clock reading (month 1–12). Fields may overflow, as with Date.UTC. */
export function localMsOf(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  millisecond = 0,
): number {
  return (
    daysFromCivil(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS + millisecond
  );
}

/** Day number of a local ms (floor division, correct for negative values). */
export function daysOfLocalMs(localMs: number): number {
  return Math.floor(localMs / DAY_MS);
}

/**
 * Add whole years and months to a local ms, clamping the day to the target month's length
 * (Jan 31 + 1 month = Feb 28/29), then keep the time of day. Years are added before months,
 * each with its own clamp, as Joda-Time (and hence Chronos) does.
 */
export function addYearsMonthsLocal(localMs: number, years: number, months: number): number {
  if (years === 0 && months === 0) return localMs;
  const days = daysOfLocalMs(localMs);
  const timeOfDayMs = localMs - days * DAY_MS;
  const date = civilFromDays(days);
  let year = date.year + years;
  let day = Math.min(date.day, daysInMonth(year, date.month));
  const monthIndex = date.month - 1 + months;
  year += Math.floor(monthIndex / 12);
  const month = monthIndex - Math.floor(monthIndex / 12) * 12 + 1;
  day = Math.min(day, daysInMonth(year, month));
  return daysFromCivil(year, month, day) * DAY_MS + timeOfDayMs;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `yyyy-MM-ddTHH:mm:ss.SSS` of a local ms (years 0–9999). */
export function formatLocalMs(localMs: number): string {
  const days = daysOfLocalMs(localMs);
  const date = civilFromDays(days);
  let rest = localMs - days * DAY_MS;
  const hour = Math.floor(rest / HOUR_MS);
  rest -= hour * HOUR_MS;
  const minute = Math.floor(rest / MINUTE_MS);
  rest -= minute * MINUTE_MS;
  const second = Math.floor(rest / SECOND_MS);
  const millisecond = rest - second * SECOND_MS;
  return (
    `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}` +
    `T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(millisecond, 3)}`
  );
}

/** `Z` for a zero offset, else `±hh:mm` (and `:ss` when the offset has seconds, e.g. LMT). */
export function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const sign = offsetMs < 0 ? '-' : '+';
  const totalSeconds = Math.abs(offsetMs) / SECOND_MS;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const base = `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`;
  return seconds === 0 ? base : `${base}:${pad(seconds, 2)}`;
}
