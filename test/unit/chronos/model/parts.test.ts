/**
 * The small parts of the job model. Goal: epsilon durations, lastSuccess/lastError instants, the
 * schedule-parser adapter (stubbed, and with the real parseSchedule on the spec's examples) and
 * the child rewrites after a parent is deleted behave as documented. Method: example tables; the
 * adapter is also fed a parser that throws each kind of error a parser may.
 */
import { describe, expect, it } from 'vitest';
import {
  epsilonMsOf,
  formatInstant,
  orphanChild,
  parseInstantMs,
  reparentChild,
  scheduleCheckAt,
  scheduleCheckFromParser,
  validateJob,
  type ChronosJob,
} from '../../../../src/chronos/model/index.js';
import { ScheduleError, ZoneError } from '../../../../src/chronos/schedule/errors.js';

describe('epsilon', () => {
  function epsilonOf(epsilon: string): number {
    const result = validateJob({ name: 'j', schedule: 'R//PT1H', epsilon }, 'scheduled', { checkSchedule: () => null });
    if (!result.ok) throw new Error(result.message);
    return epsilonMsOf(result.job);
  }

  it.each([
    ['PT60S', 60_000],
    ['pt15m', 900_000],
    ['P1DT2H', 93_600_000],
    ['P2W', 1_209_600_000],
    ['PT0.5S', 500],
    ['PT1,25S', 1_250],
    ['PT0S', 0],
  ])('%s = %d ms', (text, ms) => {
    expect(epsilonOf(text)).toBe(ms);
  });

  it.each(['', 'PT', 'P1DT', '60', 'PT-1S', 'PT1.5M', 'P1Y', 'P1M', 'T1H', 'PT1S1M'])('%j is refused', (text) => {
    expect(() => epsilonOf(text)).toThrow(/^epsilon: /);
  });
});

describe('instants', () => {
  it.each([
    ['', null],
    ['2014-03-08T16:57:17.507Z', Date.UTC(2014, 2, 8, 16, 57, 17, 507)],
    ['2014-03-08T16:57Z', Date.UTC(2014, 2, 8, 16, 57)],
    ['2014-03-08T17:57:17+01', Date.UTC(2014, 2, 8, 16, 57, 17)],
    ['2014-03-08T11:57:17-0500', Date.UTC(2014, 2, 8, 16, 57, 17)],
    ['2016-02-29T00:00:00Z', Date.UTC(2016, 1, 29)],
  ])('%j → %s', (text, ms) => {
    expect(parseInstantMs(text)).toEqual({ ok: true, ms });
  });

  it.each(['2014-03-08', '2015-02-29T00:00:00Z', '2014-03-08T24:00:00Z', '2014-13-01T00:00:00Z', '2014-03-08T16:57:17', 'now'])(
    '%j is refused',
    (text) => {
      expect(parseInstantMs(text).ok).toBe(false);
    },
  );

  it('formats as UTC with milliseconds, and null as ""', () => {
    expect([formatInstant(null), formatInstant(0), formatInstant(1_394_297_837_507)]).toEqual([
      '',
      '1970-01-01T00:00:00.000Z',
      '2014-03-08T16:57:17.507Z',
    ]);
  });
});

describe('scheduleCheckFromParser', () => {
  const check = scheduleCheckFromParser((text, zone) => {
    if (text === 'typed') throw new ScheduleError(text, 'no period');
    if (text === 'zone') throw new ZoneError(zone);
    if (text === 'bug') throw new Error('parser bug');
    return { text };
  });

  it('passes what parses and turns validation errors into Chronos-style messages', () => {
    expect(check('R//PT1H', 'UTC')).toBeNull();
    expect(check('typed', '')).toBe("Cannot parse schedule 'typed': no period");
    expect(check('zone', 'Nowhere')).toBe("Cannot parse schedule 'zone': Unknown time zone 'Nowhere' (use an IANA name such as 'America/New_York')");
  });

  it('lets anything else through: a parser bug is not a 400', () => {
    expect(() => check('bug', '')).toThrow('parser bug');
  });
});

describe('scheduleCheckAt: the real parser (Appendix B.3, B.4)', () => {
  const NOW = Date.UTC(2024, 5, 1);
  const context = { checkSchedule: scheduleCheckAt(NOW) };

  it.each(['R/2014-03-08T20:00:00.000Z/PT2H', 'R0/2030-01-01T00:00:00Z/P1D', 'R1//PT24H', 'R//PT1H', 'R5/2008-03-01T13:00:00-04:00/P1D', '0 9 * * 1-5'])(
    '%s is accepted',
    (schedule) => {
      expect(validateJob({ name: 'j', schedule, scheduleTimeZone: 'PST' }, 'scheduled', context).ok).toBe(true);
    },
  );

  it.each(['FOO', 'R/2008-03-01T13:00:00Z', 'R/1969-12-31T23:00:00Z/PT1H', 'R/2008-03-01T13:00:00Z/2009-01-01T00:00:00Z', '61 * * * *'])(
    '%s is refused with "Cannot parse schedule"',
    (schedule) => {
      const result = validateJob({ name: 'j', schedule }, 'scheduled', context);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message.startsWith(`Cannot parse schedule '${schedule}'`)).toBe(true);
    },
  );
});

describe('children of a deleted job (spec §3.11)', () => {
  function jobOf(body: Record<string, unknown>): ChronosJob {
    const result = validateJob(body, 'scheduled', { checkSchedule: () => null });
    if (!result.ok) throw new Error(result.message);
    return result.job;
  }
  const child = jobOf({ name: 'c', parents: ['p', 'q'], container: { image: 'busybox' }, environmentVariables: [{ name: 'A', value: '1' }], events: ['e1'] });

  it('re-parenting changes only the parents', () => {
    expect(reparentChild(child, ['gp', 'q'])).toEqual({ ...child, parents: ['gp', 'q'] });
  });

  it("an orphan takes the removed scheduled job's schedule and zone and keeps everything else", () => {
    const removed = jobOf({ name: 'p', schedule: 'R/2030-01-01T00:00:00Z/P1D', scheduleTimeZone: 'PST', events: ['e2', 'e1'] });
    expect(orphanChild(child, removed)).toEqual({
      ...child,
      parents: [],
      schedule: 'R/2030-01-01T00:00:00Z/P1D',
      scheduleTimeZone: 'PST',
      events: ['e1', 'e2'],
    });
  });

  it('an orphan of an event-triggered job takes its events and stays unscheduled', () => {
    const removed = jobOf({ name: 'p', events: ['go'] });
    const orphan = orphanChild(child, removed);
    expect([orphan.schedule, orphan.scheduleTimeZone, orphan.events, orphan.parents]).toEqual([null, '', ['e1', 'go'], []]);
  });
});
