/**
 * The start of an ISO8601 repeating interval, parsed as leniently as Joda's ISO date-time
 * parser that Chronos uses (spec §3.1), into a wall-clock reading plus an optional offset.
 *
 * Accepted (extended format only):
 *   date:   2008, 2008-03, 2008-03-01, ordinal 2008-061, week date 2008-W09 / 2008-W09-6
 *   time:   THH, THH:mm, THH:mm:ss, THH:mm:ss.fff (fraction with '.' or ','; ms precision)
 *   offset: Z, ±HH, ±HH:mm, ±HHmm
 * A date alone is local midnight; a time alone (`T05:50Z`) is on 1970-01-01. Pure.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, daysFromCivil, daysInMonth, localMsOf, weekdayOfDays } from './calendar.js';

/** A parsed date-time: the wall-clock reading and the literal offset, if any. */
export interface ParsedDateTime {
  readonly localMs: number;
  /** Offset written in the text (ms), or null when the text has none. */
  readonly offsetMs: number | null;
}

const DATE_PATTERN = /^(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|(\d{3})|W(\d{2})(?:-(\d))?))?$/;
const TIME_PATTERN = /^(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?$/;
const OFFSET_PATTERN = /(Z|[+-]\d{2}(?::?\d{2})?)$/;

/** Parse a start; returns a reason string when the text is not a date-time. */
export function parseDateTime(text: string): ParsedDateTime | string {
  // An offset only follows a time: in a bare date, "-01" is the day, not an offset.
  const offsetText = text.includes('T') ? OFFSET_PATTERN.exec(text)?.[1] : undefined;
  const body = offsetText === undefined ? text : text.slice(0, text.length - offsetText.length);
  const [dateText = '', timeText, extra] = body.split('T');
  if (extra !== undefined) return `'${text}' is not an ISO8601 date-time`;
  const days = dateText.length === 0 ? (timeText === undefined ? null : 0) : parseDate(dateText);
  if (days === null) return `'${text}' is not an ISO8601 date-time`;
  const timeOfDayMs = timeText === undefined ? 0 : parseTime(timeText);
  if (timeOfDayMs === null) return `'${text}' has an invalid time of day`;
  const offsetMs = offsetText === undefined ? null : parseOffset(offsetText);
  if (Number.isNaN(offsetMs)) return `'${text}' has an invalid UTC offset`;
  return { localMs: days * DAY_MS + timeOfDayMs, offsetMs };
}

/** Day number of a date, or null. */
function parseDate(text: string): number | null {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return null;
  const [, yearText = '', monthText, dayText, ordinalText, weekText, weekdayText] = match;
  const year = Number(yearText);
  if (ordinalText !== undefined) {
    const ordinal = Number(ordinalText);
    const yearLength = daysInMonth(year, 2) === 29 ? 366 : 365;
    return ordinal >= 1 && ordinal <= yearLength ? daysFromCivil(year, 1, 1) + ordinal - 1 : null;
  }
  if (weekText !== undefined) return parseWeekDate(year, Number(weekText), Number(weekdayText ?? '1'));
  const month = Number(monthText ?? '1');
  const day = Number(dayText ?? '1');
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

/** ISO week date: week 1 is the week (Monday first) containing January 4th. */
function parseWeekDate(year: number, week: number, weekday: number): number | null {
  if (week < 1 || week > 53 || weekday < 1 || weekday > 7) return null;
  const january4 = daysFromCivil(year, 1, 4);
  const mondayOfWeek1 = january4 - ((weekdayOfDays(january4) + 6) % 7);
  const days = mondayOfWeek1 + (week - 1) * 7 + (weekday - 1);
  // Week 53 exists only in some years: it must still belong to this ISO year.
  const nextJanuary4 = daysFromCivil(year + 1, 1, 4);
  const nextMonday = nextJanuary4 - ((weekdayOfDays(nextJanuary4) + 6) % 7);
  return days < nextMonday ? days : null;
}

/** Milliseconds since local midnight, or null. */
function parseTime(text: string): number | null {
  const match = TIME_PATTERN.exec(text);
  if (match === null) return null;
  const [, hourText = '0', minuteText, secondText, fractionText] = match;
  const hour = Number(hourText);
  const minute = Number(minuteText ?? '0');
  const second = Number(secondText ?? '0');
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millisecond = fractionText === undefined ? 0 : Math.floor(Number(`0.${fractionText}`) * 1000);
  return localMsOf(1970, 1, 1, hour, minute, second, millisecond);
}

/** `Z` → 0, `+05:30` → ms; NaN when out of range. */
function parseOffset(text: string): number {
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 18 || minutes > 59) return Number.NaN;
  return sign * (hours * HOUR_MS + minutes * MINUTE_MS);
}
