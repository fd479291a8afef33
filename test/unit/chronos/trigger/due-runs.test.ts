/**
 * Goal: `dueRuns` applies the documented missed-run policy exactly: on-time and late-within-
 * epsilon instants become run records, older ones one 'missed' skip record with their count,
 * R-counts end the schedule, disabled jobs never fire, `concurrent:false` skips while a run is
 * active, and the records chain so the reducer can apply them.
 * Method: example tables over fixed UTC instants; each case computes due commands, applies them
 * with the reducer, and checks both the commands and the resulting fired-through mark.
 */
import { describe, expect, it } from 'vitest';
import {
  applyTriggerCommand,
  dueRuns,
  initialFiredThroughMs,
  nextDueMs,
  scheduledRunKey,
  type RunScheduledCommand,
} from '../../../../src/chronos/trigger/index.js';
import { applyAll, HOUR, MINUTE, SECOND, stateTracking, triggerJob, utc } from './fixtures.js';

const NOON = utc('2024-06-03T12:00:00Z');
const scheduledAt = (run: RunScheduledCommand): number => (run.trigger.kind === 'schedule' ? run.trigger.scheduledAtMs : Number.NaN);

describe('dueRuns: the missed-run policy', () => {
  const cases = [
    { name: 'on time', nowMs: NOON, runs: [NOON], skipped: 0 },
    { name: 'late within epsilon', nowMs: NOON + 45 * SECOND, runs: [NOON], skipped: 0 },
    { name: 'exactly epsilon late still runs', nowMs: NOON + MINUTE - 1, runs: [NOON], skipped: 0 },
    { name: 'not yet due', nowMs: NOON - 1, runs: [], skipped: 0 },
  ];
  for (const c of cases) {
    it(`hourly job, epsilon 60 s: ${c.name}`, () => {
      const job = triggerJob('hourly', '0 * * * *', { epsilonMs: MINUTE });
      const state = stateTracking([job], NOON - HOUR);
      const due = dueRuns([job], state, c.nowMs);
      expect(due.runs.map(scheduledAt)).toEqual(c.runs);
      expect(due.skipped.length).toBe(c.skipped);
      expect(due.runs.every((run) => run.proposedAtMs === c.nowMs)).toBe(true);
    });
  }

  it('an instant later than epsilon is recorded as skipped, with its count; the rest run', () => {
    const job = triggerJob('minutely', '* * * * *', { epsilonMs: 90 * SECOND });
    const state = stateTracking([job], NOON - HOUR);
    const nowMs = NOON + 30 * SECOND;
    const due = dueRuns([job], state, nowMs);
    // 11:00 + 1 min … 11:58 are older than 90 s; 11:59 and 12:00 are within it.
    expect(due.skipped).toEqual([
      {
        t: 'run.skipped', job: 'minutely', afterMs: NOON - HOUR, throughMs: NOON - 2 * MINUTE,
        count: 58, countIsLowerBound: false, reason: 'missed', proposedAtMs: nowMs,
      },
    ]);
    expect(due.runs.map(scheduledAt)).toEqual([NOON - MINUTE, NOON]);
    expect(due.runs.map((run) => run.trigger.kind === 'schedule' && run.trigger.afterMs)).toEqual([NOON - 2 * MINUTE, NOON - MINUTE]);
    expect(applyAll(state, due.commands).every((r) => r.outcome === 'applied')).toBe(true);
    expect(state.jobs.get('minutely')?.firedThroughMs).toBe(NOON);
    expect(state.jobs.get('minutely')?.skippedCount).toBe(58);
  });

  it('after an outage longer than epsilon, one skip record and the current instant runs', () => {
    const job = triggerJob('daily', '0 12 * * *', { epsilonMs: 15 * MINUTE });
    const state = stateTracking([job], NOON - 10 * 24 * HOUR);
    const due = dueRuns([job], state, NOON + 5 * MINUTE);
    expect(due.skipped.map((s) => [s.count, s.throughMs])).toEqual([[9, NOON - 24 * HOUR]]);
    expect(due.runs.map(scheduledAt)).toEqual([NOON]);
  });

  it('R3 fires three occurrences and then never again', () => {
    const job = triggerJob('three', 'R3/2024-06-03T09:00:00Z/PT1H', { epsilonMs: 24 * HOUR });
    const state = stateTracking([job], NOON - 4 * HOUR);
    const due = dueRuns([job], state, NOON + 5 * HOUR);
    expect(due.runs.map(scheduledAt)).toEqual([NOON - 3 * HOUR, NOON - 2 * HOUR, NOON - HOUR]);
    applyAll(state, due.commands);
    expect(dueRuns([job], state, NOON + 100 * HOUR).commands).toEqual([]);
    expect(nextDueMs(job, state.jobs.get('three')!)).toBeNull();
  });

  it('R3 missed entirely is one skip of 3 (occurrences are consumed either way)', () => {
    const job = triggerJob('three', 'R3/2024-06-03T09:00:00Z/PT1H', { epsilonMs: MINUTE });
    const state = stateTracking([job], NOON - 4 * HOUR);
    const due = dueRuns([job], state, NOON + 5 * HOUR);
    expect(due.runs).toEqual([]);
    expect(due.skipped.map((s) => s.count)).toEqual([3]);
    applyAll(state, due.commands);
    expect(nextDueMs(job, state.jobs.get('three')!)).toBeNull();
  });

  it('R0 never fires', () => {
    const job = triggerJob('never', 'R0/2024-06-03T09:00:00Z/PT1H', { epsilonMs: 24 * HOUR });
    const state = stateTracking([job], NOON - 4 * HOUR);
    expect(dueRuns([job], state, NOON).commands).toEqual([]);
  });

  it('a disabled job never fires and keeps its mark; re-enabled, the policy applies as after an outage', () => {
    const disabled = triggerJob('paused', '*/10 * * * *', { epsilonMs: 5 * MINUTE, disabled: true });
    const state = stateTracking([disabled], NOON - HOUR);
    expect(dueRuns([disabled], state, NOON + 2 * MINUTE).commands).toEqual([]);
    expect(nextDueMs(disabled, state.jobs.get('paused')!)).toBeNull();
    const enabled = { ...disabled, disabled: false };
    const due = dueRuns([enabled], state, NOON + 2 * MINUTE);
    expect(due.skipped.map((s) => s.count)).toEqual([5]);
    expect(due.runs.map(scheduledAt)).toEqual([NOON]);
  });

  it('jobs without a schedule or not tracked produce nothing', () => {
    const dependent = triggerJob('child', null);
    const untracked = triggerJob('ghost', '* * * * *');
    const state = stateTracking([dependent], NOON - HOUR);
    expect(dueRuns([dependent, untracked], state, NOON).commands).toEqual([]);
  });
});

describe('dueRuns: concurrent:false', () => {
  it('skips an instant while a run of the job is active', () => {
    const job = triggerJob('solo', '* * * * *', { concurrent: false });
    const state = stateTracking([job], NOON - MINUTE);
    applyAll(state, dueRuns([job], state, NOON - MINUTE + 1).commands);
    state.jobs.get('solo')!.activeRuns.add('other@manual:1');
    const due = dueRuns([job], state, NOON);
    expect(due.runs).toEqual([]);
    expect(due.skipped.map((s) => [s.reason, s.throughMs])).toEqual([['concurrent', NOON]]);
    expect(applyAll(state, due.commands)).toEqual([{ outcome: 'applied' }]);
  });

  it('of two instants due together, the first runs and the second is skipped', () => {
    const job = triggerJob('solo', '* * * * *', { concurrent: false, epsilonMs: 5 * MINUTE });
    const state = stateTracking([job], NOON - 3 * MINUTE);
    const due = dueRuns([job], state, NOON - 30 * SECOND);
    expect(due.commands.map((c) => c.t)).toEqual(['run.scheduled', 'run.skipped']);
    expect(applyAll(state, due.commands).map((r) => r.outcome)).toEqual(['applied', 'applied']);
  });

  it('with concurrent:true both run', () => {
    const job = triggerJob('many', '* * * * *', { concurrent: true, epsilonMs: 5 * MINUTE });
    const state = stateTracking([job], NOON - 3 * MINUTE);
    expect(dueRuns([job], state, NOON - 30 * SECOND).runs.length).toBe(2);
  });

  it('runs again once the active run finished', () => {
    const job = triggerJob('solo', '* * * * *', { concurrent: false });
    const state = stateTracking([job], NOON - MINUTE - 1);
    applyAll(state, dueRuns([job], state, NOON - MINUTE).commands);
    applyTriggerCommand(state, { t: 'run.finished', job: 'solo', key: scheduledRunKey('solo', NOON - MINUTE) });
    expect(dueRuns([job], state, NOON).runs.map(scheduledAt)).toEqual([NOON]);
  });
});

describe('registration', () => {
  it('an ISO start pinned to the registration time fires at once', () => {
    const job = triggerJob('fresh', 'R//PT1H', { pinnedStartMs: NOON, epsilonMs: MINUTE });
    const state = stateTracking([job], initialFiredThroughMs(job, NOON));
    expect(dueRuns([job], state, NOON + 3).runs.map(scheduledAt)).toEqual([NOON]);
  });

  it('a start in the past beyond epsilon is not recorded at all (it predates the job)', () => {
    const job = triggerJob('old', 'R/2024-06-01T12:00:00Z/P1D', { epsilonMs: MINUTE });
    const state = stateTracking([job], initialFiredThroughMs(job, NOON + 5 * MINUTE));
    expect(dueRuns([job], state, NOON + 5 * MINUTE).commands).toEqual([]);
    expect(nextDueMs(job, state.jobs.get('old')!)).toBe(NOON + 24 * HOUR);
  });
});

describe('caps', () => {
  it('a catch-up burst is spread over calls; the skip count is capped and flagged', () => {
    const job = triggerJob('busy', '* * * * *', { epsilonMs: 24 * HOUR });
    const state = stateTracking([job], NOON - 10 * HOUR);
    const first = dueRuns([job], state, NOON, { maxRunsPerJob: 100 });
    expect(first.runs.length).toBe(100);
    applyAll(state, first.commands);
    expect(state.jobs.get('busy')!.firedThroughMs).toBe(NOON - 10 * HOUR + 100 * MINUTE);
    const capped = dueRuns([{ ...job, epsilonMs: 0 }], state, NOON, { maxSkipCount: 10 });
    expect(capped.skipped[0]).toMatchObject({ count: 10, countIsLowerBound: true, throughMs: NOON - MINUTE });
  });
});
