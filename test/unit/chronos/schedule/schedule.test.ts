/**
 * Goal: the parseSchedule entry point dispatches correctly and answers the trigger engine's
 * questions consistently for both grammars, and the stored spec rebuilds the same schedule.
 * Method: examples for dispatch, errors, firesBetween limits and describeSchedule; fast-check
 * properties over random cron and ISO8601 schedules in several zones: firesBetween equals
 * iterated nextFire, latestFireAtOrBefore is ≤ t with the next fire after t, and a
 * msgpack/JSON round trip of toScheduleSpec gives identical next fires.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ScheduleError, ZoneError } from '../../../../src/chronos/schedule/errors.js';
import {
  describeSchedule,
  firesBetween,
  fromScheduleSpec,
  iterateFires,
  latestFireAtOrBefore,
  nextFire,
  parseSchedule,
  remainingFires,
  toScheduleSpec,
  type Schedule,
} from '../../../../src/chronos/schedule/schedule.js';
import { cronExpressionArbitrary, instantArbitrary } from './reference.js';

const utc = (text: string): number => Date.parse(text);
const HOUR = 3_600_000;

describe('parseSchedule', () => {
  it('accepts ISO8601 and cron in the same field', () => {
    const iso = parseSchedule('R/2024-01-01T00:00:00Z/PT2H', '');
    expect(iso.kind).toBe('iso8601');
    const cron = parseSchedule('0 0 * * *', 'Europe/London');
    expect(cron.kind).toBe('cron');
    expect(nextFire(cron, utc('2024-07-01T12:00:00Z'))).toBe(utc('2024-07-01T23:00:00Z'));
    expect(parseSchedule('@hourly', '').kind).toBe('cron');
  });

  it('reports bad input as ScheduleError / ZoneError', () => {
    expect(() => parseSchedule('', '')).toThrow(ScheduleError);
    expect(() => parseSchedule('FOO', '')).toThrow("Cannot parse schedule 'FOO'");
    expect(() => parseSchedule('0 0 * * *', 'Nowhere/Special')).toThrow(ZoneError);
    expect(() => parseSchedule('R/2024-01-01T00:00:00Z/P1D', 'Nowhere/Special')).toThrow(ZoneError);
  });

  it('answers the trigger engine’s questions', () => {
    const schedule = parseSchedule('R3/2024-01-01T00:00:00Z/PT1H', '');
    expect(firesBetween(schedule, 0, utc('2030-01-01T00:00:00Z'), 10)).toEqual([
      utc('2024-01-01T00:00:00Z'),
      utc('2024-01-01T01:00:00Z'),
      utc('2024-01-01T02:00:00Z'),
    ]);
    expect(firesBetween(schedule, 0, utc('2030-01-01T00:00:00Z'), 2)).toHaveLength(2);
    expect(nextFire(schedule, utc('2024-01-01T02:00:00Z'))).toBeNull();
    expect([...iterateFires(schedule, utc('2024-01-01T00:00:00Z'))]).toEqual([utc('2024-01-01T01:00:00Z'), utc('2024-01-01T02:00:00Z')]);
    expect(remainingFires(schedule, utc('2024-01-01T00:30:00Z'))).toBe(2);
    expect(describeSchedule(schedule, utc('2024-01-01T00:30:00Z'))).toBe('R2/2024-01-01T01:00:00.000Z/PT1H');
    const cron = parseSchedule('*/5 * * * *', 'UTC');
    expect(latestFireAtOrBefore(cron, utc('2024-01-01T10:07:00Z'))).toBe(utc('2024-01-01T10:05:00Z'));
    expect(latestFireAtOrBefore(parseSchedule('0 12 29 2 *', 'UTC'), utc('2027-01-01T00:00:00Z'))).toBe(utc('2024-02-29T12:00:00Z'));
    expect(remainingFires(cron, 0)).toBe(-1);
    expect(describeSchedule(cron, 0)).toBe('*/5 * * * *');
  });
});

const scheduleArbitrary: fc.Arbitrary<Schedule> = fc.oneof(
  fc
    .tuple(cronExpressionArbitrary, fc.constantFrom('UTC', 'America/New_York', 'Australia/Sydney', 'Pacific/Chatham'))
    .map(([expression, zone]) => parseSchedule(expression, zone)),
  fc
    .tuple(
      fc.integer({ min: 0, max: 12 }),
      instantArbitrary,
      fc.constantFrom('PT7M', 'PT1H', 'P1D', 'P1M', 'P1W', 'PT36H'),
      fc.constantFrom('', 'Europe/London', 'Asia/Kolkata', 'America/New_York'),
    )
    .map(([count, start, period, zone]) =>
      parseSchedule(`R${count === 0 ? '' : count}/${new Date(start).toISOString()}/${period}`, zone),
    ),
);

describe('properties', () => {
  test.prop([scheduleArbitrary, instantArbitrary], { numRuns: 200 })('firesBetween is iterated nextFire', (schedule, after) => {
    const until = after + 30 * 24 * HOUR;
    const fires = firesBetween(schedule, after, until, 25);
    let cursor = after;
    for (const fire of fires) {
      expect(fire).toBe(nextFire(schedule, cursor));
      expect(fire).toBeLessThanOrEqual(until);
      cursor = fire;
    }
    if (fires.length < 25) {
      const following = nextFire(schedule, cursor);
      expect(following === null || following > until).toBe(true);
    }
  });

  test.prop([scheduleArbitrary, instantArbitrary], { numRuns: 200 })('latestFireAtOrBefore is the last fire not after t', (schedule, at) => {
    const latest = latestFireAtOrBefore(schedule, at);
    if (latest === null) {
      const first = nextFire(schedule, at - 400 * 366 * 24 * HOUR);
      expect(first === null || first > at).toBe(true);
      return;
    }
    expect(latest).toBeLessThanOrEqual(at);
    const following = nextFire(schedule, latest);
    expect(following === null || following > at).toBe(true);
  });

  test.prop([scheduleArbitrary, instantArbitrary], { numRuns: 200 })('the stored spec rebuilds an identical schedule', (schedule, after) => {
    const spec = JSON.parse(JSON.stringify(toScheduleSpec(schedule))) as ReturnType<typeof toScheduleSpec>;
    const rebuilt = fromScheduleSpec(spec);
    expect(firesBetween(rebuilt, after, after + 400 * 24 * HOUR, 5)).toEqual(firesBetween(schedule, after, after + 400 * 24 * HOUR, 5));
  });
});
