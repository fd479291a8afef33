/**
 * Goal: whatever the calling pattern — irregular timer fires, outages, several leaders with
 * stale views whose proposals are lost, duplicated and reordered — each scheduled instant is
 * recorded exactly once (run within epsilon, or skipped), never outside the schedule, with no
 * gaps below the fired-through mark.
 * Method: fast-check properties over schedules (cron and ISO8601, with DST zones), epsilons and
 * call sequences; the reducer applies what "commits", and the coverage checker from
 * fixtures.ts compares the records with the schedule's own instants. Also: the fire heap pops
 * in sorted order.
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { FireHeap } from '../../../../src/chronos/engine/index.js';
import {
  applyTriggerCommand,
  dueRuns,
  fromTriggerSnapshot,
  toTriggerSnapshot,
  type TriggerCommand,
  type TriggerJob,
  type TriggerState,
} from '../../../../src/chronos/trigger/index.js';
import { coverageOf, coverageProblems, HOUR, MINUTE, SECOND, stateTracking, triggerJob, utc } from './fixtures.js';

const START = utc('2024-03-09T20:00:00Z');
const SCHEDULES: Array<[string, string]> = [
  ['* * * * *', ''],
  ['*/7 * * * *', 'UTC'],
  ['0 * * * *', 'Europe/Berlin'],
  ['30 2 * * *', 'America/New_York'],
  ['*/20 1-3 * * *', 'America/New_York'],
  ['R5/2024-03-09T21:00:00Z/PT37M', ''],
  ['R/2024-03-09T02:30:00/P1D', 'America/New_York'],
  ['R40/2024-03-09T20:00:00Z/PT13M', ''],
];

const jobArbitrary = fc.record({
  schedule: fc.constantFrom(...SCHEDULES),
  epsilonMs: fc.constantFrom(0, 30 * SECOND, 5 * MINUTE, HOUR, 6 * HOUR),
  concurrent: fc.boolean(),
});
/** Gaps between calls: mostly short, sometimes an outage. */
const gapArbitrary = fc.oneof(fc.integer({ min: 1, max: 2 * MINUTE }), fc.integer({ min: 1, max: 12 * HOUR }));

function buildJob(spec: { schedule: [string, string]; epsilonMs: number; concurrent: boolean }): TriggerJob {
  return triggerJob('job', spec.schedule[0], { zone: spec.schedule[1], epsilonMs: spec.epsilonMs, concurrent: spec.concurrent });
}

/** Finish the oldest active run when asked (so concurrent:false jobs keep running). */
function maybeFinish(state: TriggerState, finish: boolean, applied: TriggerCommand[]): void {
  const active = state.jobs.get('job')?.activeRuns;
  const key = active?.values().next().value;
  if (!finish || key === undefined) return;
  const command: TriggerCommand = { t: 'run.finished', job: 'job', key };
  applyTriggerCommand(state, command);
  applied.push(command);
}

function applyLogged(state: TriggerState, command: TriggerCommand, applied: TriggerCommand[]): void {
  if (applyTriggerCommand(state, command).outcome === 'applied') applied.push(command);
}

const copy = (state: TriggerState): TriggerState => fromTriggerSnapshot(toTriggerSnapshot(state));

describe('one honest leader, irregular calls', () => {
  test.prop([jobArbitrary, fc.array(fc.tuple(gapArbitrary, fc.boolean()), { minLength: 1, maxLength: 40 })], { numRuns: 150 })(
    'every instant is recorded exactly once by the policy',
    (spec, calls) => {
      const job = buildJob(spec);
      const state = stateTracking([job], START);
      const applied: TriggerCommand[] = [];
      let now = START;
      for (const [gap, finish] of calls) {
        now += gap;
        for (const command of dueRuns([job], state, now).commands) applyLogged(state, command, applied);
        maybeFinish(state, finish, applied);
      }
      expect(coverageProblems(job, coverageOf(applied, 'job'), START, now)).toEqual([]);
    },
  );
});

describe('several leaders with stale views; proposals lost, duplicated, reordered', () => {
  const stepArbitrary = fc.record({
    gap: gapArbitrary,
    /** How many steps old the proposer's view is (0 = current). */
    staleness: fc.integer({ min: 0, max: 3 }),
    /** Which of the batch's commands commit, in which order, and how often. */
    fate: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 8 }),
    finish: fc.boolean(),
  });
  test.prop([jobArbitrary, fc.array(stepArbitrary, { minLength: 1, maxLength: 30 })], { numRuns: 200 })(
    'no instant twice, none outside the schedule, none missing once an honest leader catches up',
    (spec, steps) => {
      const job = buildJob(spec);
      const state = stateTracking([job], START);
      const views: TriggerState[] = [copy(state)];
      const applied: TriggerCommand[] = [];
      let now = START;
      for (const step of steps) {
        now += step.gap;
        const view = views[Math.max(0, views.length - 1 - step.staleness)] ?? state;
        const batch = dueRuns([job], view, now).commands;
        for (const index of step.fate) {
          const command = batch[index];
          if (command !== undefined) applyLogged(state, command, applied);
        }
        maybeFinish(state, step.finish, applied);
        views.push(copy(state));
      }
      // The honest leader: current view, repeated until nothing is due (bursts are capped).
      for (let round = 0; round < 5_000; round++) {
        const batch = dueRuns([job], state, now).commands;
        if (batch.length === 0) break;
        for (const command of batch) applyLogged(state, command, applied);
        maybeFinish(state, true, applied);
      }
      expect(coverageProblems(job, coverageOf(applied, 'job'), START, now)).toEqual([]);
    },
  );
});

describe('FireHeap', () => {
  test.prop([fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 300 })])('pops in ascending order', (times) => {
    const heap = new FireHeap();
    times.forEach((t, i) => heap.push(t, `j${i}`));
    const popped: number[] = [];
    while (heap.size > 0) {
      popped.push(heap.peekTime() as number);
      heap.pop();
    }
    expect(popped).toEqual([...times].sort((a, b) => a - b));
    expect(heap.peekTime()).toBeNull();
  });
});
