/**
 * The job-run machine. Goal: one Chronos occurrence runs, retries with exponential back-off
 * counted against `retries` (chronos-api.md §3.6, resolved as §3.16 says), is killed when
 * asked or past maxCompletionTime, is skipped when not started within epsilon or when the
 * engine drops it, and every timer it needs is a deadline in replicated context.
 * Method: a table of (state, event) → (state, effects) through step(); fast-check properties over
 * random timed histories (absorption, keys, codec, purity, attempts never exceed `retries`,
 * back-off deadlines match the formula); a codec round-trip per state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobRunMachine, retryDelayMs, type JobRunContext, type JobRunEvent, type JobRunInput } from '../../../src/actors/job-run.machine.js';
import { initial, step } from '../../../src/actors/step.js';
import type { StoredSnapshot } from '../../../src/actors/types.js';
import { jobRunEventArbitrary, jobRunEventAt } from './arbitraries.js';
import { checkCodecRoundTrip, checkGenericProperties, checkPurity, runHistory, summarize, timedEventsArbitrary } from './harness.js';

const T0 = 1_700_000_000_000;
const INPUT: JobRunInput = {
  runKey: 'backup@1700000000000',
  jobName: 'backup',
  scheduledAtMs: T0,
  manual: false,
  nowMs: T0,
  retries: 2,
  retryBackoffBaseMs: 60_000,
  retryBackoffMaxMs: 600_000,
  maxCompletionTimeMs: 3_600_000,
  epsilonMs: 60_000,
  concurrent: false,
};
const KEY = 'run:backup@1700000000000';

function runIn(value: string, overrides: Partial<JobRunContext> = {}): StoredSnapshot<JobRunContext> {
  return { value, context: { ...initial(jobRunMachine, INPUT).snapshot.context, ...overrides } };
}

const launched = { taskId: 'ct:backup:0', agentId: 'a1', launchedAtMs: T0 + 10, deadline: { event: 'run.completionTimeout', atMs: T0 + 10 + 3_600_000 } };

function at(type: JobRunEvent['type'], nowMs = T0 + 1_000): JobRunEvent {
  return jobRunEventAt(type, nowMs);
}

describe('job-run machine: table', () => {
  it('starts queued with the epsilon start deadline armed', () => {
    const start = initial(jobRunMachine, INPUT);
    expect(start.snapshot.value).toBe('queued');
    expect(summarize(start.effects)).toEqual([`notify ${KEY}:0:jobQueued`, `scheduleDeadline run:backup@1700000000000:run.startTimeout@${T0 + 60_000}`]);
  });

  it('without epsilon there is no start deadline', () => {
    const start = initial(jobRunMachine, { ...INPUT, epsilonMs: null });
    expect(start.snapshot.context.deadline).toBeNull();
    expect(summarize(start.effects)).toEqual([`notify ${KEY}:0:jobQueued`]);
  });

  const retryAt = T0 + 1_000 + 60_000;
  const cases: Array<[string, StoredSnapshot<JobRunContext>, JobRunEvent, string, string[]]> = [
    ['queued → launching arms maxCompletionTime', runIn('queued'), at('run.launched'), 'launching',
      [`notify ${KEY}:0:jobStarted`, `scheduleDeadline run:backup@1700000000000:run.completionTimeout@${T0 + 1_000 + 3_600_000}`]],
    ['launching → running', runIn('launching', launched), at('run.started'), 'running', []],
    ['running → succeeded', runIn('running', launched), at('run.succeeded'), 'succeeded', [`notify ${KEY}:0:jobFinished`]],
    ['first failure → retrying after base back-off', runIn('running', launched), at('run.failed'), 'retrying',
      [`notify ${KEY}:0:jobFailed`, `proposeRetry ${KEY}:run.retryDue@${retryAt}`]],
    ['launching failure counts too', runIn('launching', launched), at('run.failed'), 'retrying', [`notify ${KEY}:0:jobFailed`, `proposeRetry ${KEY}:run.retryDue@${retryAt}`]],
    ['the last allowed failure ends it', runIn('running', { ...launched, attempt: 2 }), at('run.failed'), 'failed',
      [`notify ${KEY}:2:jobFailed`, `notify ${KEY}:2:jobRetriesExhausted`]],
    ['retry due → queued as the next attempt', runIn('retrying', { deadline: { event: 'run.retryDue', atMs: retryAt } }), at('run.retryDue', retryAt), 'queued',
      [`notify ${KEY}:1:jobQueued`, `scheduleDeadline run:backup@1700000000000:run.startTimeout@${retryAt + 60_000}`]],
    ['an early retry is rejected', runIn('retrying', { deadline: { event: 'run.retryDue', atMs: retryAt } }), at('run.retryDue', retryAt - 1), 'retrying', []],
    ['a kill while waiting to retry cancels the retry', runIn('retrying', { deadline: { event: 'run.retryDue', atMs: retryAt } }), at('run.killRequested'), 'killed', [`notify ${KEY}:0:jobKilled`]],
    ['TASK_KILLED → killed, no retry', runIn('running', launched), at('run.killed'), 'killed', [`notify ${KEY}:0:jobKilled`]],
    ['a user kill of a running run', runIn('running', launched), at('run.killRequested'), 'killing', [`killTask ${KEY}:0:kill`]],
    ['maxCompletionTime reached → kill', runIn('running', launched), at('run.completionTimeout', launched.deadline.atMs), 'killing', [`killTask ${KEY}:0:kill`]],
    ['maxCompletionTime not yet reached', runIn('running', launched), at('run.completionTimeout', launched.deadline.atMs - 1), 'running', []],
    ['a failure after the kill is a kill, not a retry', runIn('killing', launched), at('run.failed'), 'killed', [`notify ${KEY}:0:jobKilled`]],
    ['finishing before the kill landed is a success', runIn('killing', launched), at('run.succeeded'), 'succeeded', [`notify ${KEY}:0:jobFinished`]],
    ['not launched within epsilon → skipped', runIn('queued'), at('run.startTimeout', T0 + 60_000), 'skipped', [`notify ${KEY}:0:jobSkipped`]],
    ['the engine drops it for concurrency', runIn('queued'), at('run.skipped'), 'skipped', [`notify ${KEY}:0:jobSkipped`]],
    ['a queued run killed before launch', runIn('queued'), at('run.killRequested'), 'killed', [`notify ${KEY}:0:jobKilled`]],
    ['a succeeded run absorbs a failure', runIn('succeeded'), at('run.failed'), 'succeeded', []],
    ['a queued run cannot start without a launch', runIn('queued'), at('run.started'), 'queued', []],
  ];

  it.each(cases)('%s', (_name, before, event, expectedState, expectedEffects) => {
    const result = step(jobRunMachine, before, event);
    expect(result.snapshot.value).toBe(expectedState);
    expect(summarize(result.effects)).toEqual(expectedEffects);
  });

  it('retry effect and deadline carry the back-off instant and the next attempt', () => {
    const result = step(jobRunMachine, runIn('running', { ...launched, attempt: 1 }), at('run.failed'));
    const atMs = T0 + 1_000 + 120_000;
    expect(result.snapshot.context).toMatchObject({ deadline: { event: 'run.retryDue', atMs }, lastError: 'exit 1' });
    expect(result.effects[1]).toEqual({ type: 'proposeRetry', key: `${KEY}:run.retryDue@${atMs}`, runKey: INPUT.runKey, jobName: 'backup', attempt: 2, atMs });
  });

  it('a kill carries the task, agent and reason', () => {
    const result = step(jobRunMachine, runIn('running', launched), at('run.completionTimeout', launched.deadline.atMs));
    expect(result.effects).toEqual([{ type: 'killTask', key: `${KEY}:0:kill`, taskId: 'ct:backup:0', agentId: 'a1', reason: 'maxCompletionTime' }]);
  });

  it('requeue forgets the old task', () => {
    const requeued = step(jobRunMachine, runIn('retrying', { ...launched, deadline: { event: 'run.retryDue', atMs: retryAt } }), at('run.retryDue', retryAt)).snapshot.context;
    expect(requeued).toMatchObject({ attempt: 1, taskId: null, agentId: null, launchedAtMs: null, dueAtMs: retryAt });
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 60_000],
    [1, 120_000],
    [3, 480_000],
    [4, 600_000],
    [10_000, 600_000],
  ])('attempt %i waits %i ms', (attempt, expected) => {
    expect(retryDelayMs(attempt, 60_000, 600_000)).toBe(expected);
  });

  it('is monotone in the attempt and never above the cap', () => {
    fc.assert(
      fc.property(fc.nat(200), fc.nat(10_000_000), fc.nat(100_000_000), (attempt, baseMs, maxMs) => {
        const delay = retryDelayMs(attempt, baseMs, maxMs);
        expect(delay).toBeLessThanOrEqual(maxMs);
        expect(retryDelayMs(attempt + 1, baseMs, maxMs)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });
});

const inputArbitrary = fc.record({
  retries: fc.nat(4),
  epsilonMs: fc.option(fc.integer({ min: 1_000, max: 3_600_000 }), { nil: null }),
  maxCompletionTimeMs: fc.option(fc.integer({ min: 1_000, max: 86_400_000 }), { nil: null }),
}).map((fields): JobRunInput => ({ ...INPUT, ...fields }));
const caseArbitrary = fc.tuple(inputArbitrary, timedEventsArbitrary(jobRunEventArbitrary, T0 + 1, 60));

describe('job-run machine: properties', () => {
  it('final states absorb every event; keys name one effect each; snapshots survive the codec', () => {
    fc.assert(fc.property(caseArbitrary, ([input, events]) => checkGenericProperties(jobRunMachine, input, events)), { numRuns: 200 });
  });

  it('stepping is pure and deterministic', () => {
    fc.assert(fc.property(caseArbitrary, ([input, events]) => checkPurity(jobRunMachine, input, events)), { numRuns: 100 });
  });

  it('attempts never exceed retries, and each retry waits exactly the back-off', () => {
    fc.assert(
      fc.property(caseArbitrary, ([input, events]) => {
        for (const entry of runHistory(jobRunMachine, input, events).steps) {
          const context = entry.result.snapshot.context as JobRunContext;
          expect(context.attempt).toBeLessThanOrEqual(input.retries);
          if (entry.result.snapshot.value === 'retrying' && entry.before.value !== 'retrying') {
            const before = entry.before.context as JobRunContext;
            const delayMs = retryDelayMs(before.attempt, input.retryBackoffBaseMs, input.retryBackoffMaxMs);
            expect(context.deadline).toEqual({ event: 'run.retryDue', atMs: entry.event.nowMs + delayMs });
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a run with no retries left never retries', () => {
    fc.assert(
      fc.property(timedEventsArbitrary(jobRunEventArbitrary, T0 + 1), (events) => {
        const values = runHistory(jobRunMachine, { ...INPUT, retries: 0 }, events).steps.map((entry) => entry.result.snapshot.value);
        expect(values).not.toContain('retrying');
      }),
      { numRuns: 100 },
    );
  });
});

describe('job-run machine: snapshot round-trip', () => {
  it.each(['queued', 'launching', 'running', 'killing', 'retrying', 'succeeded', 'failed', 'killed', 'skipped'].map((value) => [value]))('%s', (value) => {
    const snapshot = runIn(value, value === 'queued' || value === 'retrying' ? {} : launched);
    checkCodecRoundTrip(jobRunMachine, snapshot, at('run.failed'));
    checkCodecRoundTrip(jobRunMachine, snapshot, at('run.killed'));
  });
});
