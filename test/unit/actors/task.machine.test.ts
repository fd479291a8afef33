/**
 * The Mesos task machine. Goal: the task state rules of mesos-api.md §4.4 hold — legal moves
 * only, terminal states absorb everything, a partition (UNREACHABLE) can end with the task back
 * where it was but never earlier, and every accepted change tells the framework exactly once.
 * Method: a table of (state, event) → (state, effects) through step(); fast-check properties over
 * random update/kill histories (absorption, monotone progress, keys, codec, purity); and a
 * cross-check of the machine against the `canTransitionTask` table for every state pair.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../src/lib/codec.js';
import { initial, step } from '../../../src/actors/step.js';
import { taskMachine, type TaskContext, type TaskEvent } from '../../../src/actors/task.machine.js';
import {
  TASK_STATE_NAMES,
  canTransitionTask,
  isTerminalTaskState,
  progressRankOf,
  toMachineState,
  toTaskStateName,
  type TaskMachineState,
  type TaskStateName,
} from '../../../src/actors/task-state.js';
import type { StoredSnapshot } from '../../../src/actors/types.js';
import { taskEventArbitrary } from './arbitraries.js';
import { checkCodecRoundTrip, checkGenericProperties, checkPurity, runHistory, summarize, timedEventsArbitrary } from './harness.js';

const T0 = 1_700_000_000_000;
const INPUT = { taskId: 't1', frameworkId: 'f1', agentId: 'a1', nowMs: T0 };

function taskIn(state: TaskStateName, overrides: Partial<TaskContext> = {}): StoredSnapshot<TaskContext> {
  const start = initial(taskMachine, INPUT).snapshot;
  const located = progressRankOf(state) === null ? 'TASK_RUNNING' : state;
  return { value: toMachineState(state), context: { ...start.context, lastLocatedState: located, ...overrides } };
}

function update(state: TaskStateName, source: 'agent' | 'master' = 'agent', nowMs = T0 + 1_000): TaskEvent {
  return { type: 'task.statusUpdate', nowMs, state, reason: null, source, uuid: source === 'agent' ? `u-${state}` : null };
}

const kill: TaskEvent = { type: 'task.killRequested', nowMs: T0 + 2_000, reason: 'framework' };

describe('task machine: table', () => {
  it('starts STAGING and asks the agent to launch', () => {
    const start = initial(taskMachine, INPUT);
    expect(start.snapshot.value).toBe('staging');
    expect(start.effects).toEqual([{ type: 'launchTask', key: 'task:t1:launch', taskId: 't1', frameworkId: 'f1', agentId: 'a1' }]);
  });

  const cases: Array<[string, StoredSnapshot<TaskContext>, TaskEvent, string, string[]]> = [
    ['staging → running', taskIn('TASK_STAGING'), update('TASK_RUNNING'), 'running', ['sendStatusUpdate task:t1:status:1']],
    ['staging → starting', taskIn('TASK_STAGING'), update('TASK_STARTING'), 'starting', ['sendStatusUpdate task:t1:status:1']],
    ['staging skips to lost', taskIn('TASK_STAGING'), update('TASK_LOST', 'master'), 'lost', ['sendStatusUpdate task:t1:status:1']],
    ['running → killing', taskIn('TASK_RUNNING', { updateCount: 4 }), update('TASK_KILLING'), 'killing', ['sendStatusUpdate task:t1:status:5']],
    ['running → finished', taskIn('TASK_RUNNING'), update('TASK_FINISHED'), 'finished', ['sendStatusUpdate task:t1:status:1']],
    ['running → unreachable', taskIn('TASK_RUNNING'), update('TASK_UNREACHABLE', 'master'), 'unreachable', ['sendStatusUpdate task:t1:status:1']],
    ['running → unknown', taskIn('TASK_RUNNING'), update('TASK_UNKNOWN', 'master'), 'unknown', ['sendStatusUpdate task:t1:status:1']],
    ['unreachable comes back running', taskIn('TASK_UNREACHABLE'), update('TASK_RUNNING'), 'running', ['sendStatusUpdate task:t1:status:1']],
    ['unreachable → gone by operator', taskIn('TASK_UNREACHABLE'), update('TASK_GONE_BY_OPERATOR', 'master'), 'goneByOperator', ['sendStatusUpdate task:t1:status:1']],
    ['running ignores a late STARTING', taskIn('TASK_RUNNING'), update('TASK_STARTING'), 'running', []],
    ['running ignores a duplicate RUNNING', taskIn('TASK_RUNNING'), update('TASK_RUNNING'), 'running', []],
    ['killing never goes back to running', taskIn('TASK_KILLING'), update('TASK_RUNNING'), 'killing', []],
    ['a killing task back from a partition stays past running', taskIn('TASK_UNREACHABLE', { lastLocatedState: 'TASK_KILLING' }), update('TASK_RUNNING'), 'unreachable', []],
    ['a killing task back from a partition may be killed', taskIn('TASK_UNREACHABLE', { lastLocatedState: 'TASK_KILLING' }), update('TASK_KILLED'), 'killed', ['sendStatusUpdate task:t1:status:1']],
    ['finished absorbs RUNNING', taskIn('TASK_FINISHED'), update('TASK_RUNNING'), 'finished', []],
    ['lost is never resurrected', taskIn('TASK_LOST'), update('TASK_RUNNING'), 'lost', []],
    ['killed absorbs a kill', taskIn('TASK_KILLED'), kill, 'killed', []],
    ['running + kill request → kill sent, state kept', taskIn('TASK_RUNNING'), kill, 'running', ['killTask task:t1:kill:1']],
    ['a repeated kill gets a fresh key', taskIn('TASK_STAGING', { killRequestCount: 1 }), kill, 'staging', ['killTask task:t1:kill:2']],
  ];

  it.each(cases)('%s', (_name, before, event, expectedState, expectedEffects) => {
    const result = step(taskMachine, before, event);
    expect(result.snapshot.value).toBe(expectedState);
    expect(summarize(result.effects)).toEqual(expectedEffects);
    expect(result.handled).toBe(expectedEffects.length > 0);
  });

  it('forwards the agent update with its uuid, reason and timestamp', () => {
    const event: TaskEvent = { type: 'task.statusUpdate', nowMs: T0 + 5, state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', source: 'executor', uuid: 'abc' };
    const result = step(taskMachine, taskIn('TASK_RUNNING'), event);
    expect(result.effects).toEqual([
      {
        type: 'sendStatusUpdate',
        key: 'task:t1:status:1',
        taskId: 't1',
        frameworkId: 'f1',
        agentId: 'a1',
        state: 'TASK_FAILED',
        reason: 'REASON_COMMAND_EXECUTOR_FAILED',
        source: 'executor',
        uuid: 'abc',
        timestampMs: T0 + 5,
      },
    ]);
    expect(result.snapshot.context).toMatchObject({ reason: 'REASON_COMMAND_EXECUTOR_FAILED', updatedAtMs: T0 + 5, lastLocatedState: 'TASK_FAILED' });
  });

  it('remembers the last located state across a partition', () => {
    const result = step(taskMachine, taskIn('TASK_KILLING'), update('TASK_UNREACHABLE', 'master'));
    expect(result.snapshot.context.lastLocatedState).toBe('TASK_KILLING');
  });
});

describe('task machine: agrees with the transition table', () => {
  const located = TASK_STATE_NAMES.filter((state) => progressRankOf(state) !== null && !isTerminalTaskState(state));
  const pairs = TASK_STATE_NAMES.flatMap((from) => TASK_STATE_NAMES.flatMap((to) => located.map((last) => [from, to, last] as const)));

  it(`handles an update exactly when canTransitionTask allows it (${pairs.length} triples)`, () => {
    for (const [from, to, last] of pairs) {
      const before = taskIn(from, { lastLocatedState: progressRankOf(from) === null ? last : from });
      const result = step(taskMachine, before, update(to));
      const allowed = canTransitionTask(from, to, before.context.lastLocatedState);
      expect({ from, to, last, handled: result.handled }).toEqual({ from, to, last, handled: allowed });
      expect(result.snapshot.value).toBe(allowed ? toMachineState(to) : toMachineState(from));
    }
  });
});

const historyArbitrary = timedEventsArbitrary(taskEventArbitrary, T0 + 1);

describe('task machine: properties', () => {
  it('final states absorb every event; keys name one effect each; snapshots survive the codec', () => {
    fc.assert(fc.property(historyArbitrary, (events) => checkGenericProperties(taskMachine, INPUT, events)), { numRuns: 200 });
  });

  it('stepping is pure and deterministic', () => {
    fc.assert(fc.property(historyArbitrary, (events) => checkPurity(taskMachine, INPUT, events)), { numRuns: 100 });
  });

  it('task states are monotone: located progress never decreases and terminal is never left', () => {
    fc.assert(
      fc.property(historyArbitrary, (events) => {
        const history = runHistory(taskMachine, INPUT, events);
        let rank = 0;
        let terminal = false;
        for (const entry of history.steps) {
          const state = toTaskStateName(entry.result.snapshot.value as TaskMachineState);
          if (terminal) expect(isTerminalTaskState(state)).toBe(true);
          terminal = isTerminalTaskState(state);
          const located = progressRankOf(state);
          if (located !== null) {
            expect(located).toBeGreaterThanOrEqual(rank);
            rank = located;
          }
          expect(progressRankOf(entry.result.snapshot.context['lastLocatedState' as never] as TaskStateName)).toBe(rank);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every accepted update tells the framework its new state, once', () => {
    fc.assert(
      fc.property(historyArbitrary, (events) => {
        for (const entry of runHistory(taskMachine, INPUT, events).steps) {
          if (entry.event.type !== 'task.statusUpdate' || !entry.result.handled) continue;
          const updates = entry.result.effects.filter((effect) => effect.type === 'sendStatusUpdate');
          expect(updates).toHaveLength(1);
          expect(updates[0]).toMatchObject({ state: toTaskStateName(entry.result.snapshot.value as TaskMachineState) });
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('task machine: snapshot round-trip', () => {
  it.each(TASK_STATE_NAMES.map((state) => [state]))('%s round-trips through the codec and steps the same', (state) => {
    const snapshot = taskIn(state, { reason: 'REASON_X', updateCount: 3 });
    expect(encode(snapshot).length).toBeLessThan(400);
    checkCodecRoundTrip(taskMachine, snapshot, update('TASK_FINISHED'));
    checkCodecRoundTrip(taskMachine, snapshot, kill);
  });
});
