/**
 * ISO8601 periods (`PnYnMnWnDTnHnMnS`) as Chronos reads them with Joda's standard period
 * format: any subset of fields in that order, fractional seconds only, `P` alone is the zero
 * period. Years, months, weeks and days are calendar fields (applied to the wall clock in the
 * job's zone); hours, minutes and seconds are elapsed time. Pure.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from './calendar.js';

/** A parsed period; `text` is kept verbatim because Chronos re-prints the original fields. */
export interface Period {
  readonly text: string;
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  /** Hours, minutes and seconds as elapsed milliseconds. */
  readonly fixedMs: number;
}

const PERIOD_PATTERN =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
/** Bound on any field so that k·period stays a safe integer for any realistic k. */
const MAX_FIELD = 1_000_000;

/** Parse a period; returns a reason string instead of throwing so callers choose the error. */
export function parsePeriod(text: string): Period | string {
  const match = PERIOD_PATTERN.exec(text);
  if (match === null) return `'${text}' is not an ISO8601 period such as PT1H30M, P1D or P1M`;
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  const fields = [years, months, weeks, days, hours, minutes].map((field) => Number(field ?? '0'));
  const secondsValue = Number((seconds ?? '0').replace(',', '.'));
  if (fields.some((field) => field > MAX_FIELD) || secondsValue > MAX_FIELD) {
    return `period '${text}' has a field larger than ${MAX_FIELD}`;
  }
  const [y = 0, mo = 0, w = 0, d = 0, h = 0, mi = 0] = fields;
  return {
    text,
    years: y,
    months: mo,
    weeks: w,
    days: d,
    fixedMs: h * HOUR_MS + mi * MINUTE_MS + Math.round(secondsValue * SECOND_MS),
  };
}

/** True when the period has a calendar (wall-clock) component. */
export function hasCalendarFields(period: Period): boolean {
  return period.years !== 0 || period.months !== 0 || period.weeks !== 0 || period.days !== 0;
}

export function isZeroPeriod(period: Period): boolean {
  return !hasCalendarFields(period) && period.fixedMs === 0;
}

/** Average length, used only to estimate an occurrence index before exact correction. */
export function approximatePeriodMs(period: Period): number {
  const calendarDays = period.years * 365.2425 + period.months * 30.436875 + period.weeks * 7 + period.days;
  return calendarDays * DAY_MS + period.fixedMs;
}

/**
 * A duration such as `epsilon` (`PT60S`, `PT15M`) in ms. Days and weeks count as 24 h and 7 d;
 * months and years have no fixed length and are rejected (returns a reason string).
 */
export function parseDurationMs(text: string): number | string {
  const period = parsePeriod(text);
  if (typeof period === 'string') return period;
  if (period.years !== 0 || period.months !== 0) return `duration '${text}' must not use years or months`;
  return (period.weeks * 7 + period.days) * DAY_MS + period.fixedMs;
}
