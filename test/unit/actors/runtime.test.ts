/**
 * Leader timer planning. Goal: a leader can rebuild every timer from replicated snapshots alone
 * (STYLE §3.4): each deadline a machine stores was announced by a timer effect with the same key
 * the runtime derives; a due timer's event is always accepted; once accepted it is never planned
 * again, and firing it a second time is rejected — so a new leader loses nothing and repeats
 * nothing. Method: example cases for dueDeadlines / overdueTimers / reconcileTimers, then
 * fast-check histories of the three deadline-bearing machines, checked after every step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { agentMachine, DEFAULT_AGENT_TIMEOUTS } from '../../../src/actors/agent.machine.js';
import { deadlineKey } from '../../../src/actors/effects.js';
import { frameworkMachine } from '../../../src/actors/framework.machine.js';
import { jobRunMachine, type JobRunInput } from '../../../src/actors/job-run.machine.js';
import { dueDeadlines, overdueTimers, reconcileTimers, timeoutEventOf, type TrackedSnapshot } from '../../../src/actors/runtime.js';
import { step } from '../../../src/actors/step.js';
import type { EntityKind, EntityRef, MachineContextBase, StoredSnapshot } from '../../../src/actors/types.js';
import { agentEventArbitrary, frameworkEventArbitrary, jobRunEventArbitrary } from './arbitraries.js';
import { runHistory, timedEventsArbitrary } from './harness.js';

const T0 = 1_700_000_000_000;

function tracked(kind: EntityKind, id: string, deadline: { event: string; atMs: number } | null): TrackedSnapshot {
  return { entity: { kind, id }, snapshot: { value: 'x', context: { id, deadline } } };
}

describe('dueDeadlines', () => {
  const snapshots = [
    tracked('agent', 'a2', { event: 'agent.reregisterTimeout', atMs: T0 + 5_000 }),
    tracked('framework', 'f1', null),
    tracked('run', 'r1', { event: 'run.retryDue', atMs: T0 - 10 }),
    tracked('agent', 'a1', { event: 'agent.reregisterTimeout', atMs: T0 + 5_000 }),
  ];

  it('plans one timer per pending deadline, earliest first, ties by key, overdue ones at once', () => {
    const timers = dueDeadlines(snapshots, T0);
    expect(timers.map((timer) => [timer.key, timer.delayMs])).toEqual([
      [`run:r1:run.retryDue@${T0 - 10}`, 0],
      [`agent:a1:agent.reregisterTimeout@${T0 + 5_000}`, 5_000],
      [`agent:a2:agent.reregisterTimeout@${T0 + 5_000}`, 5_000],
    ]);
    expect(overdueTimers(timers, T0).map((timer) => timer.entity.id)).toEqual(['r1']);
    expect(overdueTimers(timers, T0 + 5_000)).toHaveLength(3);
  });

  it('gives the timeout event to propose, stamped with the firing time', () => {
    const [first] = dueDeadlines(snapshots, T0);
    expect(first && timeoutEventOf(first, T0 + 1)).toEqual({ type: 'run.retryDue', nowMs: T0 + 1 });
  });

  it('reconciles the armed set with the plan', () => {
    const plan = dueDeadlines(snapshots, T0);
    const stale = 'framework:f1:framework.failoverTimeout@1';
    const { toArm, toCancel } = reconcileTimers([stale, `agent:a1:agent.reregisterTimeout@${T0 + 5_000}`], plan);
    expect(toArm.map((timer) => timer.entity.id)).toEqual(['r1', 'a2']);
    expect(toCancel).toEqual([stale]);
  });
});

interface MachineCase {
  readonly kind: EntityKind;
  readonly machine: AnyStateMachine;
  readonly input: unknown;
  readonly events: fc.Arbitrary<Array<{ type: string; nowMs: number }>>;
}

const JOB_INPUT: JobRunInput = {
  runKey: 'j@1', jobName: 'j', scheduledAtMs: T0, manual: false, nowMs: T0, retries: 3,
  retryBackoffBaseMs: 1_000, retryBackoffMaxMs: 60_000, maxCompletionTimeMs: 600_000, epsilonMs: 30_000, concurrent: false,
};

const cases: MachineCase[] = [
  { kind: 'agent', machine: agentMachine, input: { agentId: 'a1', nowMs: T0, timeouts: DEFAULT_AGENT_TIMEOUTS }, events: timedEventsArbitrary(agentEventArbitrary, T0 + 1) },
  { kind: 'framework', machine: frameworkMachine, input: { frameworkId: 'f1', nowMs: T0, failoverTimeoutMs: 60_000 }, events: timedEventsArbitrary(frameworkEventArbitrary, T0 + 1) },
  { kind: 'run', machine: jobRunMachine, input: JOB_INPUT, events: timedEventsArbitrary(jobRunEventArbitrary, T0 + 1) },
];

const TIMER_EFFECTS = new Set(['scheduleDeadline', 'proposeRetry']);

describe.each(cases)('$kind machine under the runtime', ({ kind, machine, input, events }) => {
  const history = (list: Array<{ type: string; nowMs: number }>) => runHistory(machine, input as never, list as never);

  it('every stored deadline was announced by a timer effect with the runtime key', () => {
    fc.assert(
      fc.property(events, (list) => {
        const run = history(list);
        const all = [{ before: null as StoredSnapshot | null, result: run.start }, ...run.steps];
        for (const { before, result } of all) {
          const deadline = result.snapshot.context.deadline;
          const entity: EntityRef = { kind, id: result.snapshot.context.id };
          const timerKeys = result.effects.filter((effect) => TIMER_EFFECTS.has(effect.type)).map((effect) => effect.key);
          const isNew = deadline !== null && JSON.stringify(deadline) !== JSON.stringify(before?.context.deadline ?? null);
          expect(timerKeys).toEqual(isNew ? [deadlineKey(entity, deadline)] : []);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a due timer is accepted once; the new leader never plans it again and a second firing is rejected', () => {
    fc.assert(
      fc.property(events, (list) => {
        for (const { result } of history(list).steps) {
          const snapshot = result.snapshot as StoredSnapshot<MachineContextBase>;
          const [timer] = dueDeadlines([{ entity: { kind, id: snapshot.context.id }, snapshot }], T0);
          if (timer === undefined) continue;
          const fireAtMs = timer.deadline.atMs;
          const fired = step(machine, snapshot as never, timeoutEventOf(timer, fireAtMs) as never);
          expect(fired.handled).toBe(true);
          const replanned = dueDeadlines([{ entity: timer.entity, snapshot: fired.snapshot as StoredSnapshot<MachineContextBase> }], fireAtMs);
          expect(replanned.map((next) => next.key)).not.toContain(timer.key);
          const again = step(machine, fired.snapshot as never, timeoutEventOf(timer, fireAtMs) as never);
          expect(again.handled).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('an early firing is always rejected', () => {
    fc.assert(
      fc.property(events, (list) => {
        for (const { result } of history(list).steps) {
          const snapshot = result.snapshot as StoredSnapshot<MachineContextBase>;
          const [timer] = dueDeadlines([{ entity: { kind, id: snapshot.context.id }, snapshot }], T0);
          if (timer === undefined) continue;
          expect(step(machine, snapshot as never, timeoutEventOf(timer, timer.deadline.atMs - 1) as never).handled).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});
