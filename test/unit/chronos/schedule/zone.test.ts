/**
 * Goal: calendar maths, zone offsets and the wall-clock → instant policy are right.
 * Method: properties against independent references (Date.UTC for the calendar, Intl
 * formatToParts for offsets, evaluated per call with no cache), plus example tables of known
 * 2024 transitions in New York, London, Sydney, Chatham and fixed zones (Kolkata, UTC), and the
 * gap/overlap classification the DST policy relies on.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  addYearsMonthsLocal,
  civilFromDays,
  daysFromCivil,
  formatLocalMs,
  formatOffset,
  localMsOf,
  weekdayOfDays,
} from '../../../../src/chronos/schedule/calendar.js';
import { ZoneError } from '../../../../src/chronos/schedule/errors.js';
import { instantOfLocal, repeatedInstantOfLocal, resolveLocal } from '../../../../src/chronos/schedule/local-time.js';
import { isValidTimeZone, resolveTimeZone } from '../../../../src/chronos/schedule/zone.js';
import { ZONES, instantArbitrary, referenceOffset } from './reference.js';

const HOUR = 3_600_000;
const utc = (text: string): number => Date.parse(text);

describe('calendar', () => {
  test.prop([fc.integer({ min: -200_000, max: 200_000 })])('civilFromDays inverts daysFromCivil and agrees with Date', (days) => {
    const date = civilFromDays(days);
    expect(daysFromCivil(date.year, date.month, date.day)).toBe(days);
    const reference = new Date(days * 86_400_000);
    expect([date.year, date.month, date.day]).toEqual([reference.getUTCFullYear(), reference.getUTCMonth() + 1, reference.getUTCDate()]);
    expect(weekdayOfDays(days)).toBe(reference.getUTCDay());
  });

  it('clamps month arithmetic to the month end and adds years before months', () => {
    const jan31 = localMsOf(2024, 1, 31, 10);
    expect(formatLocalMs(addYearsMonthsLocal(jan31, 0, 1))).toBe('2024-02-29T10:00:00.000');
    expect(formatLocalMs(addYearsMonthsLocal(jan31, 0, 2))).toBe('2024-03-31T10:00:00.000');
    expect(formatLocalMs(addYearsMonthsLocal(jan31, 1, 1))).toBe('2025-02-28T10:00:00.000');
    expect(formatLocalMs(addYearsMonthsLocal(localMsOf(2024, 2, 29), 1, 0))).toBe('2025-02-28T00:00:00.000');
    expect(formatLocalMs(addYearsMonthsLocal(localMsOf(2024, 2, 29), 4, 0))).toBe('2028-02-29T00:00:00.000');
    expect(formatLocalMs(addYearsMonthsLocal(localMsOf(2024, 11, 30), 0, 3))).toBe('2025-02-28T00:00:00.000');
  });

  it('formats offsets as Chronos prints them', () => {
    expect([0, 5.5 * HOUR, -4 * HOUR, 12.75 * HOUR, -(4 * HOUR + 56 * 60_000 + 2_000)].map(formatOffset)).toEqual([
      'Z',
      '+05:30',
      '-04:00',
      '+12:45',
      '-04:56:02',
    ]);
  });
});

describe('resolveTimeZone', () => {
  it('accepts IANA names, legacy aliases, UTC spellings and fixed offsets', () => {
    expect(resolveTimeZone('America/New_York').id).toBe('America/New_York');
    expect(resolveTimeZone('PST').id).toBe('America/Los_Angeles');
    expect(resolveTimeZone('BST').id).toBe('Asia/Dhaka');
    expect(resolveTimeZone('EST').id).toBe('America/New_York');
    expect(resolveTimeZone('').id).toBe('UTC');
    expect(resolveTimeZone('GMT').id).toBe('UTC');
    expect(resolveTimeZone('+05:30').offsetAt(0)).toBe(5.5 * HOUR);
    expect(resolveTimeZone('-0400').id).toBe('-04:00');
    expect(resolveTimeZone('America/New_York')).toBe(resolveTimeZone('America/New_York'));
  });

  it('rejects unknown zones with a ZoneError naming the zone', () => {
    expect(() => resolveTimeZone('Mars/Olympus_Mons')).toThrow(ZoneError);
    expect(() => resolveTimeZone('Mars/Olympus_Mons')).toThrow(/Unknown time zone 'Mars\/Olympus_Mons'/);
    expect(() => resolveTimeZone('+25:00')).toThrow(ZoneError);
    expect(isValidTimeZone('Europe/Nowhere')).toBe(false);
    expect(isValidTimeZone('Pacific/Chatham')).toBe(true);
  });
});

describe('offsets', () => {
  test.prop([fc.constantFrom(...ZONES), instantArbitrary], { numRuns: 400 })('offsetAt equals Intl at any instant', (zoneId, instant) => {
    expect(resolveTimeZone(zoneId).offsetAt(instant)).toBe(referenceOffset(zoneId, instant));
  });

  it('finds the 2024 transitions to the second', () => {
    const table: Array<[string, string, number, number]> = [
      ['America/New_York', '2024-03-10T07:00:00Z', -5, -4],
      ['America/New_York', '2024-11-03T06:00:00Z', -4, -5],
      ['Europe/London', '2024-03-31T01:00:00Z', 0, 1],
      ['Europe/London', '2024-10-27T01:00:00Z', 1, 0],
      ['Australia/Sydney', '2024-04-06T16:00:00Z', 11, 10],
      ['Australia/Sydney', '2024-10-05T16:00:00Z', 10, 11],
      ['Pacific/Chatham', '2024-04-06T14:00:00Z', 13.75, 12.75],
      ['Pacific/Chatham', '2024-09-28T14:00:00Z', 12.75, 13.75],
    ];
    for (const [zoneId, at, before, after] of table) {
      const zone = resolveTimeZone(zoneId);
      expect(zone.offsetAt(utc(at) - 1), `${zoneId} before ${at}`).toBe(before * HOUR);
      expect(zone.offsetAt(utc(at)), `${zoneId} at ${at}`).toBe(after * HOUR);
      expect(zone.transitionBetween(utc(at) - 40 * 86_400_000, utc(at) + 1000)).toBe(utc(at));
    }
    expect(resolveTimeZone('Asia/Kolkata').transitionBetween(utc('2024-01-01T00:00:00Z'), utc('2025-01-01T00:00:00Z'))).toBeNaN();
    expect(resolveTimeZone('UTC').transitionBetween(0, utc('2025-01-01T00:00:00Z'))).toBeNaN();
  });

  it('extends its table backwards and forwards from a late first lookup', () => {
    const zone = resolveTimeZone('Europe/Berlin');
    expect(zone.offsetAt(utc('2031-07-01T00:00:00Z'))).toBe(2 * HOUR);
    expect(zone.offsetAt(utc('1996-01-01T00:00:00Z'))).toBe(1 * HOUR);
    expect(zone.offsetAt(utc('2035-01-01T00:00:00Z'))).toBe(1 * HOUR);
    expect(zone.offsetAt(utc('2400-07-01T00:00:00Z'))).toBe(referenceOffset('Europe/Berlin', utc('2400-07-01T00:00:00Z')));
  });
});

describe('wall clock → instant (DST policy)', () => {
  it('classifies gaps, overlaps and ordinary readings', () => {
    const newYork = resolveTimeZone('America/New_York');
    const gap = resolveLocal(newYork, localMsOf(2024, 3, 10, 2, 30));
    expect(gap).toEqual({ kind: 'gap', instants: [], chosenMs: utc('2024-03-10T07:00:00Z') });
    const overlap = resolveLocal(newYork, localMsOf(2024, 11, 3, 1, 30));
    expect(overlap.kind).toBe('overlap');
    expect(overlap.instants).toEqual([utc('2024-11-03T05:30:00Z'), utc('2024-11-03T06:30:00Z')]);
    expect(instantOfLocal(newYork, localMsOf(2024, 11, 3, 1, 30))).toBe(utc('2024-11-03T05:30:00Z'));
    expect(repeatedInstantOfLocal(newYork, localMsOf(2024, 11, 3, 1, 30))).toBe(utc('2024-11-03T06:30:00Z'));
    expect(repeatedInstantOfLocal(newYork, localMsOf(2024, 11, 3, 2, 30))).toBeNaN();
    expect(instantOfLocal(newYork, localMsOf(2024, 3, 10, 3, 0))).toBe(utc('2024-03-10T07:00:00Z'));
    const chatham = resolveTimeZone('Pacific/Chatham');
    expect(resolveLocal(chatham, localMsOf(2024, 9, 29, 3, 0)).chosenMs).toBe(utc('2024-09-28T14:00:00Z'));
    expect(instantOfLocal(resolveTimeZone('Asia/Kolkata'), localMsOf(2024, 3, 10, 2, 30))).toBe(utc('2024-03-09T21:00:00Z'));
  });

  test.prop([fc.constantFrom(...ZONES), instantArbitrary], { numRuns: 400 })(
    'an instant maps back to itself unless it is the second pass of an overlap',
    (zoneId, instant) => {
      const zone = resolveTimeZone(zoneId);
      const reading = instant + referenceOffset(zoneId, instant);
      const resolution = resolveLocal(zone, reading);
      expect(resolution.instants).toContain(instant);
      expect(instantOfLocal(zone, reading)).toBe(resolution.instants[0]);
      if (resolution.kind === 'overlap') expect(resolution.instants[0]).toBeLessThan(instant + 1);
      else expect(instantOfLocal(zone, reading)).toBe(instant);
    },
  );
});
