/**
 * Goal: ISO8601 repeating intervals parse as Chronos parses them and fire where Kairos'
 * documented rules say (anchor-based occurrences, calendar fields on the wall clock, DST
 * policy, repetition counts, Chronos' rewritten schedule string).
 * Method: example tables (grammar, errors, zones incl. legacy aliases, R counts, start in the
 * past, leap years, month ends, P1D vs PT24H across DST in New York / London / Sydney /
 * Chatham / Kolkata) and fast-check properties (strictly after, no skipped occurrence, P1D
 * keeps the anchor's wall-clock time except inside a gap, fixed periods are exact multiples).
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ScheduleError, ZoneError } from '../../../../src/chronos/schedule/errors.js';
import {
  latestIso8601FireAtOrBefore,
  nextIso8601Fire,
  parseIso8601,
  remainingIso8601Fires,
  toChronosScheduleString,
  type Iso8601Schedule,
} from '../../../../src/chronos/schedule/iso8601.js';
import { parseDurationMs, parsePeriod } from '../../../../src/chronos/schedule/period.js';
import { instantArbitrary, referenceFields, referenceOffset } from './reference.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const utc = (text: string): number => Date.parse(text);
const iso = (ms: number): string => (Number.isNaN(ms) ? 'never' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function fires(schedule: Iso8601Schedule, after: string, count: number): string[] {
  const out: string[] = [];
  let cursor = utc(after);
  for (let i = 0; i < count; i++) {
    cursor = nextIso8601Fire(schedule, cursor);
    out.push(iso(cursor));
    if (Number.isNaN(cursor)) break;
  }
  return out;
}

describe('parsing', () => {
  it('reads repetitions, start and period', () => {
    const schedule = parseIso8601('R5/2024-01-01T10:00:00.250Z/PT1H30M');
    expect(schedule.repetitions).toBe(5);
    expect(schedule.startMs).toBe(utc('2024-01-01T10:00:00.250Z'));
    expect(schedule.period.fixedMs).toBe(1.5 * HOUR);
    expect(parseIso8601('R/2024-01-01T10:00:00Z/P1D').repetitions).toBe(-1);
    expect(parseIso8601('R0/2024-01-01T10:00:00Z/P1D').repetitions).toBe(0);
  });

  it('accepts Joda-style start forms', () => {
    const starts: Array<[string, string]> = [
      ['2008-03-01', '2008-03-01T00:00:00Z'],
      ['2008-03', '2008-03-01T00:00:00Z'],
      ['2008-061', '2008-03-01T00:00:00Z'],
      ['2008-W09-6', '2008-03-01T00:00:00Z'],
      ['2008-03-01T13', '2008-03-01T13:00:00Z'],
      ['2008-03-01T13:00:00+0530', '2008-03-01T07:30:00Z'],
      ['2008-03-01T13:00:00-04', '2008-03-01T17:00:00Z'],
      ['2008-03-01T13:00:00,5Z', '2008-03-01T13:00:00.500Z'],
      ['T05:50Z', '1970-01-01T05:50:00Z'],
    ];
    for (const [start, expected] of starts) {
      expect(new Date(parseIso8601(`R/${start}/P1D`).startMs).toISOString(), start).toBe(new Date(expected).toISOString());
    }
  });

  it('pins an empty start to the supplied now', () => {
    const schedule = parseIso8601('R1//PT24H', { nowMs: utc('2024-05-05T05:05:05Z') });
    expect(schedule.startMs).toBe(utc('2024-05-05T05:05:05Z'));
    expect(nextIso8601Fire(schedule, utc('2024-05-05T05:05:04Z'))).toBe(utc('2024-05-05T05:05:05Z'));
    expect(() => parseIso8601('R//PT1H')).toThrow(/nowMs/);
  });

  it('keeps the start wall clock and replaces the offset when scheduleTimeZone is set', () => {
    // Chronos' own parser test: 13:00 −04:00 with PST becomes 13:00 in Los Angeles.
    const schedule = parseIso8601('R/2008-03-01T13:00:00-04:00/P1D', { zoneId: 'PST' });
    expect(iso(schedule.startMs)).toBe('2008-03-01T21:00:00Z');
    expect(schedule.zone.id).toBe('America/Los_Angeles');
    expect(iso(parseIso8601('R/2024-01-01T12:00:00/P1D', { zoneId: 'BST' }).startMs)).toBe('2024-01-01T06:00:00Z');
  });

  it.each([
    ['FOO', /expected R\[n\]\/\[start\]\/period/],
    ['R/2008-03-01T13:00:00Z', /expected R\[n\]/],
    ['R/2008-03-01T13:00:00Z/2009-03-01T13:00:00Z', /expected R\[n\]/],
    ['Rx/2008-03-01T13:00:00Z/P1D', /expected R\[n\]/],
    ['R/1969-12-31T00:00:00Z/P1D', /before 1970-01-01T00:00:01Z/],
    ['R/1970-01-01T00:00:00Z/P1D', /before 1970-01-01T00:00:01Z/],
    ['R/2008-02-30T00:00:00Z/P1D', /not an ISO8601 date-time/],
    ['R/2008-03-01T25:00:00Z/P1D', /invalid time of day/],
    ['R/2008-03-01T13:00:00Z/PT', /not an ISO8601 period/],
    ['R/2008-03-01T13:00:00Z/P1.5D', /not an ISO8601 period/],
    ['R/tomorrow/P1D', /not an ISO8601 date-time/],
  ])('rejects %j with Chronos’ message prefix', (text, reason) => {
    expect(() => parseIso8601(text)).toThrow(ScheduleError);
    expect(() => parseIso8601(text)).toThrow(reason);
    expect(() => parseIso8601(text)).toThrow(`Cannot parse schedule '${text}'`);
  });

  it('rejects an unknown scheduleTimeZone', () => {
    expect(() => parseIso8601('R/2024-01-01T00:00:00Z/P1D', { zoneId: 'Atlantis/Capital' })).toThrow(ZoneError);
  });

  it('parses periods and durations', () => {
    expect(parsePeriod('P1Y2M3W4DT5H6M7.5S')).toEqual({ text: 'P1Y2M3W4DT5H6M7.5S', years: 1, months: 2, weeks: 3, days: 4, fixedMs: 5 * HOUR + 6 * 60_000 + 7_500 });
    expect(parsePeriod('P')).toMatchObject({ fixedMs: 0, days: 0 });
    expect(parseDurationMs('PT60S')).toBe(60_000);
    expect(parseDurationMs('P1DT1H')).toBe(25 * HOUR);
    expect(parseDurationMs('P1M')).toMatch(/years or months/);
  });
});

describe('occurrences', () => {
  it('fires every period from a start in the past, skipping what was missed', () => {
    const schedule = parseIso8601('R/2020-01-01T00:00:00Z/PT1H');
    expect(fires(schedule, '2024-05-05T10:20:00Z', 2)).toEqual(['2024-05-05T11:00:00Z', '2024-05-05T12:00:00Z']);
    expect(iso(latestIso8601FireAtOrBefore(schedule, utc('2024-05-05T10:20:00Z')))).toBe('2024-05-05T10:00:00Z');
    expect(fires(parseIso8601('R/2024-01-01T00:00:00Z/PT1H30M'), '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-01T01:30:00Z', '2024-01-01T03:00:00Z']);
  });

  it('counts Rn as n scheduled occurrences, R0 as none, P as one', () => {
    const five = parseIso8601('R5/2024-01-01T00:00:00Z/P1D');
    expect(fires(five, '2023-12-31T00:00:00Z', 6)).toEqual([
      '2024-01-01T00:00:00Z',
      '2024-01-02T00:00:00Z',
      '2024-01-03T00:00:00Z',
      '2024-01-04T00:00:00Z',
      '2024-01-05T00:00:00Z',
      'never',
    ]);
    expect(remainingIso8601Fires(five, utc('2024-01-03T12:00:00Z'))).toBe(2);
    expect(remainingIso8601Fires(five, utc('2030-01-01T00:00:00Z'))).toBe(0);
    expect(iso(latestIso8601FireAtOrBefore(five, utc('2030-01-01T00:00:00Z')))).toBe('2024-01-05T00:00:00Z');
    expect(fires(parseIso8601('R0/2024-01-01T00:00:00Z/P1D'), '2023-01-01T00:00:00Z', 1)).toEqual(['never']);
    expect(fires(parseIso8601('R1//P', { nowMs: utc('2024-01-01T00:00:00Z') }), '2023-01-01T00:00:00Z', 2)).toEqual(['2024-01-01T00:00:00Z', 'never']);
    expect(remainingIso8601Fires(parseIso8601('R/2024-01-01T00:00:00Z/P1D'), 0)).toBe(-1);
  });

  it('anchors month arithmetic on the start: month ends do not drift', () => {
    const monthEnd = parseIso8601('R/2024-01-31T10:00:00Z/P1M');
    expect(fires(monthEnd, '2024-01-01T00:00:00Z', 5)).toEqual([
      '2024-01-31T10:00:00Z',
      '2024-02-29T10:00:00Z',
      '2024-03-31T10:00:00Z',
      '2024-04-30T10:00:00Z',
      '2024-05-31T10:00:00Z',
    ]);
    const leapDay = parseIso8601('R/2024-02-29T10:00:00+05:30/P1Y', { zoneId: 'Asia/Kolkata' });
    expect(fires(leapDay, '2024-03-01T00:00:00Z', 4)).toEqual([
      '2025-02-28T04:30:00Z',
      '2026-02-28T04:30:00Z',
      '2027-02-28T04:30:00Z',
      '2028-02-29T04:30:00Z',
    ]);
  });

  it('keeps wall-clock time for calendar periods and elapsed time for PT periods across DST', () => {
    expect(fires(parseIso8601('R/2024-03-08T09:00:00/P1D', { zoneId: 'America/New_York' }), '2024-03-08T15:00:00Z', 3)).toEqual([
      '2024-03-09T14:00:00Z',
      '2024-03-10T13:00:00Z',
      '2024-03-11T13:00:00Z',
    ]);
    expect(fires(parseIso8601('R/2024-03-08T09:00:00/PT24H', { zoneId: 'America/New_York' }), '2024-03-08T15:00:00Z', 3)).toEqual([
      '2024-03-09T14:00:00Z',
      '2024-03-10T14:00:00Z',
      '2024-03-11T14:00:00Z',
    ]);
    expect(fires(parseIso8601('R/2024-03-25T09:00:00/P1W', { zoneId: 'Europe/London' }), '2024-03-25T00:00:00Z', 2)).toEqual([
      '2024-03-25T09:00:00Z',
      '2024-04-01T08:00:00Z',
    ]);
    expect(fires(parseIso8601('R/2024-01-31T09:00:00/P1M', { zoneId: 'Australia/Sydney' }), '2024-01-01T00:00:00Z', 4)).toEqual([
      '2024-01-30T22:00:00Z',
      '2024-02-28T22:00:00Z',
      '2024-03-30T22:00:00Z',
      '2024-04-29T23:00:00Z',
    ]);
    // Without scheduleTimeZone the literal offset is fixed: the classic "an hour early after DST".
    expect(fires(parseIso8601('R/2024-03-08T09:00:00-05:00/P1D'), '2024-03-10T00:00:00Z', 1)).toEqual(['2024-03-10T14:00:00Z']);
  });

  it('applies the DST policy without moving the anchor', () => {
    const gap = parseIso8601('R/2024-03-09T02:30:00/P1D', { zoneId: 'America/New_York' });
    expect(fires(gap, '2024-03-09T00:00:00Z', 3)).toEqual(['2024-03-09T07:30:00Z', '2024-03-10T07:00:00Z', '2024-03-11T06:30:00Z']);
    const overlap = parseIso8601('R/2024-11-02T01:30:00/P1D', { zoneId: 'America/New_York' });
    expect(fires(overlap, '2024-11-02T00:00:00Z', 3)).toEqual(['2024-11-02T05:30:00Z', '2024-11-03T05:30:00Z', '2024-11-04T06:30:00Z']);
    const chatham = parseIso8601('R/2024-09-28T03:00:00/P1D', { zoneId: 'Pacific/Chatham' });
    expect(fires(chatham, '2024-09-27T00:00:00Z', 3)).toEqual(['2024-09-27T14:15:00Z', '2024-09-28T14:00:00Z', '2024-09-29T13:15:00Z']);
    const sydneyOverlap = parseIso8601('R/2024-04-06T02:30:00/P1D', { zoneId: 'Australia/Sydney' });
    expect(fires(sydneyOverlap, '2024-04-06T00:00:00Z', 2)).toEqual(['2024-04-06T15:30:00Z', '2024-04-07T16:30:00Z']);
  });

  it('renders the Chronos rewritten schedule (next due start, remaining count, original period)', () => {
    const five = parseIso8601('R5/2024-01-01T00:00:00Z/PT60M');
    expect(toChronosScheduleString(five, utc('2023-01-01T00:00:00Z'))).toBe('R5/2024-01-01T00:00:00.000Z/PT60M');
    expect(toChronosScheduleString(five, utc('2024-01-01T01:30:00Z'))).toBe('R3/2024-01-01T02:00:00.000Z/PT60M');
    expect(toChronosScheduleString(five, utc('2025-01-01T00:00:00Z'))).toBe('R0/2024-01-01T05:00:00.000Z/PT60M');
    const pacific = parseIso8601('R/2014-10-10T18:32:00/P1W', { zoneId: 'America/Los_Angeles' });
    expect(toChronosScheduleString(pacific, utc('2014-10-01T00:00:00Z'))).toBe('R/2014-10-10T18:32:00.000-07:00/P1W');
    expect(toChronosScheduleString(pacific, utc('2014-11-05T00:00:00Z'))).toBe('R/2014-11-07T18:32:00.000-08:00/P1W');
    expect(toChronosScheduleString(parseIso8601('R0/2024-01-01T00:00:00Z/P1D'), 0)).toBe('R0/2024-01-01T00:00:00.000Z/P1D');
  });
});

const periodArbitrary = fc.constantFrom('PT1M', 'PT15M', 'PT1H', 'PT1H30M', 'PT24H', 'P1D', 'P1W', 'P1M', 'P3M', 'P1Y', 'P1DT12H', 'P2D');
const zoneArbitrary = fc.constantFrom('UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham');

describe('properties', () => {
  test.prop([instantArbitrary, periodArbitrary, zoneArbitrary, instantArbitrary, fc.double({ min: 0, max: 1, noNaN: true })], { numRuns: 300 })(
    'next fire is strictly after and no occurrence is skipped',
    (start, period, zoneId, after, fraction) => {
      const schedule = parseIso8601(`R/${new Date(start).toISOString()}/${period}`, { zoneId });
      const next = nextIso8601Fire(schedule, after);
      expect(next).toBeGreaterThan(after);
      const between = after + Math.floor((next - after) * fraction);
      if (between < next) expect(nextIso8601Fire(schedule, between)).toBe(next);
      expect(latestIso8601FireAtOrBefore(schedule, next)).toBe(next);
    },
  );

  test.prop([instantArbitrary, fc.constantFrom('America/New_York', 'Europe/London', 'Australia/Sydney', 'Pacific/Chatham'), fc.integer({ min: 0, max: 2000 })], {
    numRuns: 200,
  })('P1D keeps the anchor wall-clock time, except inside a gap where it fires at the gap end', (start, zoneId, day) => {
    const schedule = parseIso8601(`R/${new Date(start).toISOString().slice(0, 19)}/P1D`, { zoneId });
    const fire = nextIso8601Fire(schedule, schedule.startMs + day * DAY - 1);
    const fields = referenceFields(zoneId, fire);
    const anchor = new Date(start);
    const sameClock = fields.hour === anchor.getUTCHours() && fields.minute === anchor.getUTCMinutes();
    const atGapEnd = referenceOffset(zoneId, fire) > referenceOffset(zoneId, fire - 1);
    expect(sameClock || atGapEnd).toBe(true);
  });
});
