/**
 * Independent references for the schedule tests: UTC offsets straight from Intl (no caching,
 * no transition tables), cron matching from cron-parser's parsed field values with the Vixie
 * day rule written out plainly, cron-parser's own next(), and fast-check arbitraries for cron
 * expressions and instants. Slow by design; correctness by obviousness.
 */
import { CronExpressionParser } from 'cron-parser';
import { fc } from '@fast-check/vitest';
import {
  DAY_OF_MONTH_FIELD,
  DAY_OF_WEEK_FIELD,
  HOUR_FIELD,
  MINUTE_FIELD,
  MONTH_FIELD,
  parseCronField,
} from '../../../../src/chronos/schedule/cron-fields.js';
import { compileCron } from '../../../../src/chronos/schedule/cron.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zoneId: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zoneId);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zoneId,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zoneId, formatter);
  }
  return formatter;
}

/** Wall-clock fields of an instant in a zone, from Intl.formatToParts. */
export function referenceFields(zoneId: string, utcMs: number): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
  const parts = formatterOf(zoneId).formatToParts(utcMs);
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
  const year = get('year');
  const month = get('month');
  const day = get('day');
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, hour: get('hour'), minute: get('minute'), weekday };
}

/** Offset (local − UTC) in ms at an instant, from Intl fields (whole seconds). */
export function referenceOffset(zoneId: string, utcMs: number): number {
  const flooredMs = Math.floor(utcMs / 1000) * 1000;
  const parts = formatterOf(zoneId).formatToParts(flooredMs);
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
  const localMs = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return localMs - flooredMs;
}

/** cron-parser's next fire strictly after afterMs. */
export function cronParserNext(expression: string, zoneId: string, afterMs: number): number {
  return CronExpressionParser.parse(expression, { currentDate: new Date(afterMs), tz: zoneId }).next().getTime();
}

/**
 * A predicate "does this wall-clock reading match", from the field value lists (cron-fields.ts
 * parsing only; none of cron.ts's masks or search) with the Vixie day rule written out.
 */
export function referenceMatcher(expression: string): (fields: ReturnType<typeof referenceFields>) => boolean {
  const [minuteText = '', hourText = '', dayText = '', monthText = '', weekdayText = ''] = expression.trim().split(/\s+/);
  const minutes = new Set(parseCronField(minuteText, MINUTE_FIELD));
  const hours = new Set(parseCronField(hourText, HOUR_FIELD));
  const days = new Set(parseCronField(dayText, DAY_OF_MONTH_FIELD));
  const months = new Set(parseCronField(monthText, MONTH_FIELD));
  const weekdays = new Set(parseCronField(weekdayText, DAY_OF_WEEK_FIELD).map((day) => day % 7));
  const dayStar = dayText.startsWith('*') || dayText === '?';
  const weekdayStar = weekdayText.startsWith('*') || weekdayText === '?';
  return (fields) => {
    const dayMatch = days.has(fields.day);
    const weekdayMatch = weekdays.has(fields.weekday);
    const dayOk = dayStar || weekdayStar ? dayMatch && weekdayMatch : dayMatch || weekdayMatch;
    return minutes.has(fields.minute) && hours.has(fields.hour) && months.has(fields.month) && dayOk;
  };
}

export const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/Los_Angeles',
  'Europe/Berlin',
  'America/Sao_Paulo',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
  'America/St_Johns',
] as const;

function itemOf(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  return fc.oneof(
    value.map(String),
    fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.tuple(value, value, fc.integer({ min: 1, max: Math.max(1, max - min) })).map(
      ([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`,
    ),
  );
}

function fieldOf(min: number, max: number, allowStarStep: boolean): fc.Arbitrary<string> {
  const list = fc.array(itemOf(min, max), { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
  const star = allowStarStep
    ? fc.oneof(fc.constant('*'), fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) }).map((step) => `*/${step}`))
    : fc.constant('*');
  return fc.oneof(star, list);
}

/**
 * Five-field expressions in the subset where cron-parser and Vixie agree: day fields never use
 * `*\/n` (cron-parser calls that restricted, Vixie does not).
 */
export const cronExpressionArbitrary: fc.Arbitrary<string> = fc
  .tuple(fieldOf(0, 59, true), fieldOf(0, 23, true), fieldOf(1, 31, false), fieldOf(1, 12, true), fieldOf(0, 6, false))
  .map((fields) => fields.join(' '))
  // Expressions that can never fire (e.g. "* 0 30 2 *", Feb 30) are refused at compile time by
  // design (tested separately); the next-fire properties are about expressions that can.
  .filter((expression) => {
    try {
      compileCron(expression);
      return true;
    } catch {
      return false;
    }
  });

/** Instants between 1990 and 2040, whole seconds. */
export const instantArbitrary: fc.Arbitrary<number> = fc
  .integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 })
  .map((seconds) => seconds * 1000);
