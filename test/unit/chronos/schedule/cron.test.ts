/**
 * Goal: compiled cron finds the same next fire as cron-parser away from DST transitions, and
 * follows the documented DST policy at transitions.
 * Method: (1) example tables for parsing, macros, the Vixie day rule, leap days, and DST
 * gaps/overlaps in New York, London, Sydney, Chatham, Kolkata and UTC; (2) fast-check
 * properties against cron-parser on random expressions, instants and zones (skipping cases
 * with a transition nearby); (3) near every transition, a brute-force oracle that scans each
 * UTC minute, reads the wall clock from Intl and applies the policy literally — the fires we
 * compute must be exactly the oracle's; (4) strictly-after, monotone and no-skip properties.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { compileCron, nextCronFire } from '../../../../src/chronos/schedule/cron.js';
import { ScheduleError } from '../../../../src/chronos/schedule/errors.js';
import { resolveTimeZone } from '../../../../src/chronos/schedule/zone.js';
import {
  ZONES,
  cronExpressionArbitrary,
  cronParserNext,
  instantArbitrary,
  referenceFields,
  referenceMatcher,
  referenceOffset,
} from './reference.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const utc = (text: string): number => Date.parse(text);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The next `count` fires after `after`, as ISO strings. */
function fires(expression: string, zoneId: string, after: string, count: number): string[] {
  const compiled = compileCron(expression);
  const zone = resolveTimeZone(zoneId);
  const out: string[] = [];
  let cursor = utc(after);
  for (let i = 0; i < count; i++) {
    cursor = nextCronFire(compiled, zone, cursor);
    out.push(Number.isNaN(cursor) ? 'never' : iso(cursor));
  }
  return out;
}

describe('compileCron', () => {
  it('compiles fields to masks', () => {
    expect(compileCron('*/15 9-17 * JAN,jul MON-FRI')).toEqual({
      minutesLow: (1 << 0) | (1 << 15),
      minutesHigh: (1 << 0) | (1 << 15),
      hours: 0b111111111 << 9,
      daysOfMonth: 0x7fffffff,
      months: 1 | (1 << 6),
      daysOfWeek: 0b0111110,
      flags: 1,
    });
    expect(compileCron('0 0 * * 7').daysOfWeek).toBe(1);
    expect(compileCron('5/20 * * * *').minutesLow).toBe((1 << 5) | (1 << 25));
    expect(compileCron('@daily')).toEqual(compileCron('0 0 * * *'));
    expect(compileCron('@midnight')).toEqual(compileCron('0 0 * * *'));
    expect(compileCron('@hourly')).toEqual(compileCron('0 * * * *'));
    expect(compileCron('@weekly')).toEqual(compileCron('0 0 * * 0'));
    expect(compileCron('@monthly')).toEqual(compileCron('0 0 1 * *'));
    expect(compileCron('@annually')).toEqual(compileCron('@yearly'));
    expect(compileCron('0 0 ? * MON')).toEqual(compileCron('0 0 * * MON'));
  });

  it.each([
    ['', /5 fields/],
    ['* * * *', /5 fields/],
    ['0 * * * * *', /5 fields/],
    ['60 * * * *', /minute value 60 is outside 0-59/],
    ['* 24 * * *', /hour value 24/],
    ['* * 0 * *', /day-of-month value 0/],
    ['* * * 13 *', /month value 13/],
    ['* * * * 8', /day-of-week value 8/],
    ['5-1 * * * *', /runs backwards/],
    ['*/0 * * * *', /positive integer/],
    ['* * L * *', /not supported/],
    ['* * * * 5#2', /not supported/],
    ['? * * * *', /not a valid minute value/],
    ['0 0 30 2 *', /never occurs/],
    ['0 0 31 4,6,9,11 *', /never occurs/],
    ['@reboot', /unknown cron macro/],
    ['* * * FOO *', /not a valid month value/],
  ])('rejects %j', (expression, reason) => {
    expect(() => compileCron(expression)).toThrow(ScheduleError);
    expect(() => compileCron(expression)).toThrow(reason);
    expect(() => compileCron(expression)).toThrow(`Cannot parse schedule '${expression}'`);
  });
});

describe('next fire: examples', () => {
  it('runs every midnight with "0 0 * * *"', () => {
    expect(fires('0 0 * * *', 'UTC', '2024-01-01T12:00:00Z', 2)).toEqual(['2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z']);
    expect(fires('0 0 * * *', 'Asia/Kolkata', '2024-01-01T12:00:00Z', 2)).toEqual(['2024-01-01T18:30:00Z', '2024-01-02T18:30:00Z']);
    expect(fires('0 0 * * *', 'Pacific/Chatham', '2024-07-01T00:00:00Z', 1)).toEqual(['2024-07-01T11:15:00Z']);
  });

  it('is strictly after: a fire instant yields the following one', () => {
    expect(fires('30 * * * *', 'UTC', '2024-01-01T10:30:00Z', 1)).toEqual(['2024-01-01T11:30:00Z']);
  });

  it('applies the Vixie day rule: OR when both day fields are restricted, AND when one starts with *', () => {
    // 2024-03: Fri 1st; Mondays 4, 11, 18, 25.
    expect(fires('0 0 1 * MON', 'UTC', '2024-02-29T12:00:00Z', 3)).toEqual(['2024-03-01T00:00:00Z', '2024-03-04T00:00:00Z', '2024-03-11T00:00:00Z']);
    expect(fires('0 0 */2 * MON', 'UTC', '2024-02-29T12:00:00Z', 2)).toEqual(['2024-03-11T00:00:00Z', '2024-03-25T00:00:00Z']);
    expect(fires('0 0 13 * 5', 'UTC', '2024-09-01T00:00:00Z', 2)).toEqual(['2024-09-06T00:00:00Z', '2024-09-13T00:00:00Z']);
  });

  it('finds leap days and rare combinations', () => {
    expect(fires('0 12 29 2 *', 'UTC', '2024-03-01T00:00:00Z', 2)).toEqual(['2028-02-29T12:00:00Z', '2032-02-29T12:00:00Z']);
    expect(fires('0 0 29 2 *', 'UTC', '2096-03-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00Z']);
    // Feb 29 that is also a Sunday ("*" prefix on the weekday field means AND): 2032, 2060.
    expect(fires('0 0 29 2 */7', 'UTC', '2024-01-01T00:00:00Z', 2)).toEqual(['2032-02-29T00:00:00Z', '2060-02-29T00:00:00Z']);
    expect(fires('59 23 31 12 *', 'UTC', '2024-12-31T23:59:00Z', 1)).toEqual(['2025-12-31T23:59:00Z']);
  });
});

describe('next fire: DST policy', () => {
  it('spring-forward gap: a missing reading fires once at the end of the gap', () => {
    expect(fires('30 2 * * *', 'America/New_York', '2024-03-09T12:00:00Z', 2)).toEqual(['2024-03-10T07:00:00Z', '2024-03-11T06:30:00Z']);
    expect(fires('0,15,30,45 2 * * *', 'America/New_York', '2024-03-10T06:00:00Z', 2)).toEqual(['2024-03-10T07:00:00Z', '2024-03-11T06:00:00Z']);
    expect(fires('*/30 * * * *', 'America/New_York', '2024-03-10T06:10:00Z', 3)).toEqual(['2024-03-10T06:30:00Z', '2024-03-10T07:00:00Z', '2024-03-10T07:30:00Z']);
    expect(fires('30 1 * * *', 'Europe/London', '2024-03-30T12:00:00Z', 2)).toEqual(['2024-03-31T01:00:00Z', '2024-04-01T00:30:00Z']);
    expect(fires('30 2 * * *', 'Australia/Sydney', '2024-10-05T12:00:00Z', 2)).toEqual(['2024-10-05T16:00:00Z', '2024-10-06T15:30:00Z']);
    expect(fires('0 3 * * *', 'Pacific/Chatham', '2024-09-28T00:00:00Z', 2)).toEqual(['2024-09-28T14:00:00Z', '2024-09-29T13:15:00Z']);
  });

  it('fall-back overlap: a repeated reading fires once, at its first occurrence', () => {
    expect(fires('30 1 * * *', 'America/New_York', '2024-11-02T12:00:00Z', 2)).toEqual(['2024-11-03T05:30:00Z', '2024-11-04T06:30:00Z']);
    expect(fires('15 1 * * *', 'America/New_York', '2024-11-03T06:05:00Z', 1)).toEqual(['2024-11-04T06:15:00Z']);
    expect(fires('* 1 * * *', 'America/New_York', '2024-11-03T05:58:00Z', 2)).toEqual(['2024-11-03T05:59:00Z', '2024-11-04T06:00:00Z']);
    expect(fires('30 1 * * *', 'Europe/London', '2024-10-26T12:00:00Z', 2)).toEqual(['2024-10-27T00:30:00Z', '2024-10-28T01:30:00Z']);
    expect(fires('30 2 * * *', 'Australia/Sydney', '2024-04-06T00:00:00Z', 2)).toEqual(['2024-04-06T15:30:00Z', '2024-04-07T16:30:00Z']);
    expect(fires('0 3 * * *', 'Pacific/Chatham', '2024-04-06T00:00:00Z', 2)).toEqual(['2024-04-06T13:15:00Z', '2024-04-07T14:15:00Z']);
  });

  it('fall-back overlap: an hour-wildcard job keeps its elapsed rhythm through both passes', () => {
    expect(fires('*/30 * * * *', 'America/New_York', '2024-11-03T05:10:00Z', 4)).toEqual([
      '2024-11-03T05:30:00Z',
      '2024-11-03T06:00:00Z',
      '2024-11-03T06:30:00Z',
      '2024-11-03T07:00:00Z',
    ]);
    expect(fires('0 * * * *', 'Europe/London', '2024-10-27T00:30:00Z', 2)).toEqual(['2024-10-27T01:00:00Z', '2024-10-27T02:00:00Z']);
  });

  it('zones without DST need no policy', () => {
    expect(fires('30 2 * * *', 'Asia/Kolkata', '2024-03-09T12:00:00Z', 2)).toEqual(['2024-03-09T21:00:00Z', '2024-03-10T21:00:00Z']);
    expect(fires('30 2 * * *', 'UTC', '2024-03-09T12:00:00Z', 1)).toEqual(['2024-03-10T02:30:00Z']);
  });
});

/** True when the zone changes offset within a day of [fromMs, toMs]. */
function transitionNear(zoneId: string, fromMs: number, toMs: number): boolean {
  const zone = resolveTimeZone(zoneId);
  return !Number.isNaN(zone.transitionBetween(fromMs - 2 * DAY, toMs + 2 * DAY));
}

describe('next fire: properties', () => {
  test.prop([cronExpressionArbitrary, fc.constantFrom(...ZONES), instantArbitrary], { numRuns: 300 })(
    'equals cron-parser away from DST transitions',
    (expression, zoneId, after) => {
      let reference: number;
      try {
        reference = cronParserNext(expression, zoneId, after);
      } catch {
        fc.pre(false);
        return;
      }
      const ours = nextCronFire(compileCron(expression), resolveTimeZone(zoneId), after);
      fc.pre(!transitionNear(zoneId, after, Math.max(ours, reference)));
      expect(iso(ours)).toBe(iso(reference));
    },
  );

  test.prop([cronExpressionArbitrary, fc.constantFrom(...ZONES), instantArbitrary, fc.double({ min: 0, max: 1, noNaN: true })], {
    numRuns: 300,
  })('is strictly after, and no fire is skipped: any instant before it leads to it', (expression, zoneId, after, fraction) => {
    const compiled = compileCron(expression);
    const zone = resolveTimeZone(zoneId);
    const next = nextCronFire(compiled, zone, after);
    expect(next).toBeGreaterThan(after);
    const between = after + Math.floor((next - after) * fraction);
    if (between < next) expect(nextCronFire(compiled, zone, between)).toBe(next);
  });

  test.prop([cronExpressionArbitrary, fc.constantFrom(...ZONES), instantArbitrary, fc.integer({ min: 0, max: 40 * DAY })], {
    numRuns: 200,
  })('is monotone in `after`', (expression, zoneId, after, delta) => {
    const compiled = compileCron(expression);
    const zone = resolveTimeZone(zoneId);
    expect(nextCronFire(compiled, zone, after + delta)).toBeGreaterThanOrEqual(nextCronFire(compiled, zone, after));
  });
});

/**
 * The DST policy, applied literally minute by minute with Intl wall clocks: a UTC minute fires
 * if its reading matches and (the hour field is `*` or the reading was not seen before in the
 * window); a transition instant fires if a matching reading was skipped by the jump.
 */
function oracleFires(expression: string, zoneId: string, fromMs: number, toMs: number): number[] {
  const matches = referenceMatcher(expression);
  const hourStar = expression.trim().split(/\s+/)[1] === '*';
  const seen = new Set<number>();
  const fired: number[] = [];
  let previousReading = Number.NaN;
  for (let minute = fromMs; minute <= toMs; minute += MINUTE) {
    const reading = minute + referenceOffset(zoneId, minute);
    const fields = referenceFields(zoneId, minute);
    const skippedMatch = readingsSkipped(previousReading, reading).some((skipped) => matches(readingFieldsOf(skipped)));
    const repeat = seen.has(reading);
    seen.add(reading);
    previousReading = reading;
    if (skippedMatch || (matches(fields) && (hourStar || !repeat))) fired.push(minute);
  }
  return fired;
}

function readingsSkipped(previousReading: number, reading: number): number[] {
  const skipped: number[] = [];
  for (let skippedReading = previousReading + MINUTE; skippedReading < reading; skippedReading += MINUTE) skipped.push(skippedReading);
  return skipped;
}

function readingFieldsOf(readingMs: number): ReturnType<typeof referenceFields> {
  return referenceFields('UTC', readingMs);
}

const TRANSITIONS_2024: Array<[string, string]> = [
  ['America/New_York', '2024-03-10T07:00:00Z'],
  ['America/New_York', '2024-11-03T06:00:00Z'],
  ['Europe/London', '2024-03-31T01:00:00Z'],
  ['Europe/London', '2024-10-27T01:00:00Z'],
  ['Australia/Sydney', '2024-04-06T16:00:00Z'],
  ['Australia/Sydney', '2024-10-05T16:00:00Z'],
  ['Pacific/Chatham', '2024-04-06T14:00:00Z'],
  ['Pacific/Chatham', '2024-09-28T14:00:00Z'],
  ['Australia/Lord_Howe', '2024-04-06T15:00:00Z'],
  ['Australia/Lord_Howe', '2024-10-05T15:30:00Z'],
];

/** Expressions that touch the hours around transitions often, plus random ones. */
const nearTransitionExpression = fc.oneof(
  fc.constantFrom('30 2 * * *', '*/15 * * * *', '0 * * * *', '* 1 * * *', '*/7 1-3 * * *', '45 0-4 * * *', '0,30 2,3 * * SUN', '15 3 * * *'),
  cronExpressionArbitrary,
);

test.prop([fc.constantFrom(...TRANSITIONS_2024), nearTransitionExpression], { numRuns: 40 })(
  'near DST transitions the fires are exactly those of the literal policy',
  ([zoneId, transition], expression) => {
    const fromMs = utc(transition) - 6 * 3_600_000;
    const toMs = utc(transition) + 6 * 3_600_000;
    const compiled = compileCron(expression);
    const zone = resolveTimeZone(zoneId);
    const ours: number[] = [];
    for (let fire = nextCronFire(compiled, zone, fromMs - 1); fire <= toMs; fire = nextCronFire(compiled, zone, fire)) ours.push(fire);
    // The oracle cannot know about readings skipped before its window starts.
    expect(ours.map(iso)).toEqual(oracleFires(expression, zoneId, fromMs, toMs).map(iso));
  },
);
