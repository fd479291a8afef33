/**
 * step(): the reducer's bridge to xstate. Goal: stepping computes the next snapshot and the
 * effects without executing any action (the property xstate's own transition tests assert),
 * converts only recognised, keyed actions into effects, and refuses what would make replicated
 * state unsafe (unknown states, non-effect actions, keyless effects, nested machines).
 * Method: drive the real machines with action implementations that throw if ever called, and
 * small throwaway machines built to break each rule.
 */
import { createActor, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/lib/assert.js';
import { initial, isFinalSnapshot, restoreSnapshot, step, toEffect } from '../../../src/actors/step.js';
import { taskMachine } from '../../../src/actors/task.machine.js';
import { frameworkMachine } from '../../../src/actors/framework.machine.js';
import { jobRunMachine } from '../../../src/actors/job-run.machine.js';

const T0 = 1_700_000_000_000;
const TASK_INPUT = { taskId: 't1', frameworkId: 'f1', agentId: 'a1', nowMs: T0 };

function explode(): never {
  throw new Error('an action implementation was executed');
}

describe('step', () => {
  it('never executes action implementations', () => {
    const armed = taskMachine.provide({ actions: { launchTask: explode, sendStatusUpdate: explode, killTask: explode } });
    const start = initial(armed, TASK_INPUT);
    const running = step(armed, start.snapshot, { type: 'task.statusUpdate', nowMs: T0 + 1, state: 'TASK_RUNNING', reason: null, source: 'agent', uuid: 'u' });
    const killed = step(armed, running.snapshot, { type: 'task.killRequested', nowMs: T0 + 2, reason: 'r' });
    expect([start, running, killed].map((result) => result.effects.map((effect) => effect.type))).toEqual([['launchTask'], ['sendStatusUpdate'], ['killTask']]);
  });

  it('the throwing implementations above would throw if an actor ran them', () => {
    const armed = taskMachine.provide({ actions: { launchTask: explode } });
    const actor = createActor(armed, { input: TASK_INPUT });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    expect(errors).toHaveLength(1);
  });

  it('returns the very same snapshot, unhandled, when no transition takes the event', () => {
    const start = initial(taskMachine, TASK_INPUT);
    const result = step(taskMachine, start.snapshot, { type: 'task.statusUpdate', nowMs: T0, state: 'TASK_STAGING', reason: null, source: 'agent', uuid: null });
    expect(result).toEqual({ snapshot: start.snapshot, effects: [], handled: false });
    expect(result.snapshot).toBe(start.snapshot);
  });

  it('reports handled for a transition that only records effects', () => {
    const start = initial(taskMachine, TASK_INPUT);
    expect(step(taskMachine, start.snapshot, { type: 'task.killRequested', nowMs: T0, reason: 'r' }).handled).toBe(true);
  });

  it('stores only the state name and the context', () => {
    const start = initial(frameworkMachine, { frameworkId: 'f1', nowMs: T0, failoverTimeoutMs: 1 });
    expect(Object.keys(start.snapshot).sort()).toEqual(['context', 'value']);
  });

  it('refuses to restore an unknown state name', () => {
    const start = initial(taskMachine, TASK_INPUT);
    expect(() => restoreSnapshot(taskMachine, { ...start.snapshot, value: 'TASK_RUNNING' })).toThrow();
  });

  it('knows final snapshots', () => {
    const start = initial(jobRunMachine, {
      runKey: 'j@1', jobName: 'j', scheduledAtMs: T0, manual: true, nowMs: T0, retries: 0,
      retryBackoffBaseMs: 1, retryBackoffMaxMs: 1, maxCompletionTimeMs: null, epsilonMs: null, concurrent: false,
    });
    expect(isFinalSnapshot(jobRunMachine, start.snapshot)).toBe(false);
    const skipped = step(jobRunMachine, start.snapshot, { type: 'run.skipped', nowMs: T0, reason: 'disabled' });
    expect(isFinalSnapshot(jobRunMachine, skipped.snapshot)).toBe(true);
  });
});

describe('toEffect', () => {
  it('turns a named effect action into a record with the type first', () => {
    expect(toEffect({ type: 'rescindOffers', params: { key: 'k', scope: { kind: 'agent', id: 'a' } } })).toEqual({
      type: 'rescindOffers',
      key: 'k',
      scope: { kind: 'agent', id: 'a' },
    });
  });

  it.each([
    ['a non-effect action', { type: 'doSomething', params: { key: 'k' } }],
    ['an effect without params', { type: 'notify' }],
    ['an effect without a key', { type: 'notify', params: { topic: 'jobQueued' } }],
    ['an effect with an empty key', { type: 'notify', params: { key: '' } }],
  ])('rejects %s', (_name, action) => {
    expect(() => toEffect(action)).toThrow(AssertionError);
  });

  it('rejects a machine whose action is not an effect', () => {
    const rogue = setup({ types: {} as { context: { id: string; deadline: null } }, actions: { sideEffect: () => undefined } }).createMachine({
      initial: 'idle',
      context: { id: 'x', deadline: null },
      states: { idle: { entry: 'sideEffect' } },
    });
    expect(() => initial(rogue, undefined)).toThrow(AssertionError);
  });

  it('rejects a nested machine (stored snapshots hold one state name)', () => {
    const nested = setup({ types: {} as { context: { id: string; deadline: null } } }).createMachine({
      initial: 'outer',
      context: { id: 'x', deadline: null },
      states: { outer: { initial: 'inner', states: { inner: {} } } },
    });
    expect(() => initial(nested, undefined)).toThrow(AssertionError);
  });
});
