/**
 * The compiled flat-machine stepper. Goal: for every machine it compiles, `step`/`initial`
 * return exactly what xstate's own `transition()`/`getInitialSnapshot()` return (state, context,
 * effects, handled, and throwing where xstate throws), and machines it cannot replay fall back.
 * Method: fast-check histories of random timed events for the agent, task and framework
 * machines, each step taken both ways from the reference snapshot; a small machine that uses
 * every supported form (inline and named guards and actions, static and computed params, object
 * assignments, self-targets with and without `reenter`, root entry actions, a final state); and
 * machines with unsupported features, which must not compile.
 */
import fc from 'fast-check';
import { assign, enqueueActions, setup, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { agentMachine, DEFAULT_AGENT_TIMEOUTS } from '../../../src/actors/agent.machine.js';
import { effectActions } from '../../../src/actors/effects.js';
import { frameworkMachine } from '../../../src/actors/framework.machine.js';
import { compileFlatMachine } from '../../../src/actors/flat-machine.js';
import { jobRunMachine } from '../../../src/actors/job-run.machine.js';
import { initial, isFinalSnapshot, restoreSnapshot, step, xstateInitial, xstateStep, type StepResult } from '../../../src/actors/step.js';
import { taskMachine } from '../../../src/actors/task.machine.js';
import type { MachineContextBase, StoredSnapshot } from '../../../src/actors/types.js';
import { agentEventArbitrary, frameworkEventArbitrary, taskEventArbitrary } from './arbitraries.js';
import { timedEventsArbitrary } from './harness.js';

const T0 = 1_700_000_000_000;

type Outcome = { ok: true; result: StepResult<MachineContextBase> } | { ok: false };

function attempt(run: () => StepResult<MachineContextBase>): Outcome {
  try {
    return { ok: true, result: run() };
  } catch {
    return { ok: false };
  }
}

/** Steps `events` through xstate and checks the compiled path agrees at every step. */
function checkAgrees(machine: AnyStateMachine, input: unknown, events: ReadonlyArray<{ type: string }>): void {
  const reference = xstateInitial(machine, input as never) as StepResult<MachineContextBase>;
  expect(initial(machine, input as never)).toEqual(reference);
  let snapshot: StoredSnapshot = reference.snapshot;
  for (const event of events) {
    const expected = attempt(() => xstateStep(machine, snapshot as never, event as never) as StepResult<MachineContextBase>);
    const actual = attempt(() => step(machine, snapshot as never, event as never) as StepResult<MachineContextBase>);
    expect(actual).toEqual(expected);
    if (expected.ok) snapshot = expected.result.snapshot;
    expect(isFinalSnapshot(machine, snapshot as never)).toBe(restoreSnapshot(machine, snapshot as never).status === 'done');
  }
}

describe('flat machines: which compile', () => {
  it('compiles the registry machines (agent, task, framework); the job-run machine uses enqueueActions and stays on xstate', () => {
    expect(compileFlatMachine(agentMachine)).not.toBeNull();
    expect(compileFlatMachine(taskMachine)).not.toBeNull();
    expect(compileFlatMachine(frameworkMachine)).not.toBeNull();
    expect(compileFlatMachine(jobRunMachine)).toBeNull();
  });

  const base = setup({ types: {} as { context: MachineContextBase; events: { type: 'go' } } });
  const context = () => ({ id: 'x', deadline: null });
  const unsupported: Array<[string, AnyStateMachine]> = [
    ['nested states', base.createMachine({ context, initial: 'a', states: { a: { initial: 'b', states: { b: {} } } } })],
    ['an eventless transition', base.createMachine({ context, initial: 'a', states: { a: { always: { target: 'b' } }, b: {} } })],
    ['a delayed transition', base.createMachine({ context, initial: 'a', states: { a: { after: { 10: 'b' } }, b: {} } })],
    ['an exit action', base.createMachine({ context, initial: 'a', states: { a: { exit: () => undefined, on: { go: 'b' } }, b: {} } })],
    ['a root transition', base.createMachine({ context, initial: 'a', on: { go: '.b' }, states: { a: {}, b: {} } })],
    ['a wildcard event', base.createMachine({ context, initial: 'a', states: { a: { on: { '*': 'b' } }, b: {} } })],
    ['enqueueActions', base.createMachine({ context, initial: 'a', states: { a: { on: { go: { actions: enqueueActions(() => undefined) } } } } })],
    ['a static context', base.createMachine({ context: { id: 'x', deadline: null }, initial: 'a', states: { a: {} } })],
  ];
  it.each(unsupported)('does not compile a machine with %s (xstate steps it)', (_what, machine) => {
    expect(compileFlatMachine(machine)).toBeNull();
  });
});

describe('flat machines: the same results as xstate', () => {
  it('agent machine over random timed histories', () => {
    fc.assert(
      fc.property(timedEventsArbitrary(agentEventArbitrary, T0, 60), fc.integer({ min: 1, max: 5 }), (events, maxMissedHeartbeats) => {
        checkAgrees(agentMachine, { agentId: 'a1', nowMs: T0, timeouts: { ...DEFAULT_AGENT_TIMEOUTS, maxMissedHeartbeats } }, events);
      }),
      { numRuns: 400 },
    );
  });

  it('task machine over random timed histories', () => {
    fc.assert(
      fc.property(timedEventsArbitrary(taskEventArbitrary, T0, 30), (events) => {
        checkAgrees(taskMachine, { taskId: 't1', frameworkId: 'f1', agentId: 'a1', nowMs: T0 }, events);
      }),
      { numRuns: 400 },
    );
  });

  it('framework machine over random timed histories', () => {
    fc.assert(
      fc.property(timedEventsArbitrary(frameworkEventArbitrary, T0, 40), fc.integer({ min: 0, max: 300_000 }), (events, failoverTimeoutMs) => {
        checkAgrees(frameworkMachine, { frameworkId: 'f1', nowMs: T0, failoverTimeoutMs }, events);
      }),
      { numRuns: 400 },
    );
  });

  it('a machine using every supported form', () => {
    type Ctx = MachineContextBase & { n: number; log: string };
    const note = (key: string) => ({ key, topic: 'agentActivated' as const, subject: { kind: 'agent' as const, id: 'm1' }, message: null });
    type Ev = { type: 'bump'; by: number } | { type: 'self' } | { type: 'again' } | { type: 'move' } | { type: 'end' };
    const machine = setup({
      types: {} as { context: Ctx; events: Ev; input: { id: string } },
      actions: {
        ...effectActions,
        add: assign(({ context, event }, params: { times: number }) => ({ n: context.n + (event.type === 'bump' ? event.by : 1) * params.times })),
        mark: assign({ log: ({ context }) => `${context.log}m`, deadline: null }),
      },
      guards: {
        small: ({ context }) => context.n < 5,
        over: ({ context }, params: { limit: number }) => context.n > params.limit,
      },
    }).createMachine({
      context: ({ input }) => ({ id: input.id, deadline: null, n: 0, log: '' }),
      initial: 'a',
      entry: { type: 'notify', params: ({ context }: { context: Ctx }) => note(`root:${context.id}`) },
      states: {
        a: {
          entry: [{ type: 'notify', params: ({ context }: { context: Ctx }) => note(`a:${context.n}`) }, 'mark'],
          on: {
            bump: [
              { guard: { type: 'over', params: { limit: 7 } }, target: 'b', actions: { type: 'add', params: { times: 2 } } },
              { guard: 'small', actions: [{ type: 'add', params: { times: 1 } }, { type: 'notify', params: ({ context }: { context: Ctx }) => note(`n:${context.n}`) }] },
              { guard: ({ event }) => event.type === 'bump' && event.by > 2, actions: { type: 'add', params: { times: 3 } } },
            ],
            self: { target: 'a', actions: 'mark' },
            again: { target: 'a', reenter: true, actions: 'mark' },
            move: { target: 'b' },
            end: { target: 'done' },
          },
        },
        b: {
          entry: { type: 'notify', params: note('static-b') },
          on: { move: 'a', bump: { guard: 'small', target: 'b', reenter: true }, end: 'done' },
        },
        done: { type: 'final', entry: 'mark' },
      },
    });
    expect(compileFlatMachine(machine)).not.toBeNull();
    const event = fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((by): Ev => ({ type: 'bump', by })),
      fc.constantFrom<Ev>({ type: 'self' }, { type: 'again' }, { type: 'move' }, { type: 'end' }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 30 }), (events) => checkAgrees(machine, { id: 'm1' }, events)), { numRuns: 400 });
  });

  it('a snapshot naming an unknown state throws, as xstate does', () => {
    const bogus = { value: 'nowhere', context: initial(agentMachine, { agentId: 'a1', nowMs: T0, timeouts: DEFAULT_AGENT_TIMEOUTS }).snapshot.context };
    expect(() => step(agentMachine, bogus as never, { type: 'agent.registered', nowMs: T0 })).toThrow();
  });
});
