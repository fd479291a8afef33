/**
 * The reducer's only way to move a lifecycle machine: `step(machine, snapshot, event)`.
 *
 * It restores the stored snapshot with xstate's `resolveState`, runs xstate's pure
 * `transition()` (which computes the next snapshot and the action objects but executes none of
 * them), and converts each action into a Kairos `Effect` record. The reducer keeps the returned
 * snapshot in replicated state and hands the effects to the leader. Nothing here reads a clock
 * or performs I/O; the same inputs give the same outputs on every replica.
 */
import {
  createActor,
  type ActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type ContextFrom,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';
import { assert } from '../lib/assert.js';
import { EFFECT_TYPES, type Effect } from './effects.js';
import { compileFlatMachine, type FlatMachine, type FlatStep } from './flat-machine.js';
import type { MachineContextBase, StoredSnapshot } from './types.js';

/** The outcome of one step. */
export interface StepResult<TContext extends MachineContextBase> {
  /** The snapshot to store (unchanged when the event was not handled). */
  readonly snapshot: StoredSnapshot<TContext>;
  /** Effects for the leader to perform, in order. */
  readonly effects: readonly Effect[];
  /** False when no transition took the event: a stale timeout or an illegal update. */
  readonly handled: boolean;
}

type ContextOf<M extends AnyStateMachine> = ContextFrom<M> & MachineContextBase;

type Action = { readonly type: string; readonly params?: unknown };
type InertScope = ActorScope<AnyMachineSnapshot, any, any> & { actionExecutor: (action: Action) => void };

/**
 * One inert actor scope per machine, reused by every step. xstate's own `transition()` and
 * `initialTransition()` build a fresh scope per call, and building one creates an actor that
 * computes the machine's initial snapshot: that was most of the cost of a step (the registry
 * applies thousands per second). Our lifecycle machines are flat, spawn no children and their
 * actions are plain effect records, so nothing of a call stays in the scope but the executor,
 * which each call replaces.
 */
const scopes = new WeakMap<AnyStateMachine, InertScope>();

function scopeOf(machine: AnyStateMachine): InertScope {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: () => {},
    } as unknown as InertScope;
    scopes.set(machine, scope);
  }
  return scope;
}

/** Runs `run` with the machine's scope collecting the actions it would execute. */
function collecting<T>(machine: AnyStateMachine, run: (scope: InertScope) => T): [T, Action[]] {
  const scope = scopeOf(machine);
  const actions: Action[] = [];
  scope.actionExecutor = (action) => void actions.push(action);
  try {
    return [run(scope), actions];
  } finally {
    scope.actionExecutor = () => {};
  }
}

/**
 * Each machine compiled once (flat-machine.ts), or null when it uses more of xstate than the flat
 * subset: those steps go through xstate's own `transition()`. Same results either way; the
 * compiled path is about 10× cheaper, and the registry steps a machine for every agent and task
 * it records.
 */
const compiled = new WeakMap<AnyStateMachine, FlatMachine | null>();

function compiledOf(machine: AnyStateMachine): FlatMachine | null {
  let flat = compiled.get(machine);
  if (flat === undefined) {
    flat = compileFlatMachine(machine);
    compiled.set(machine, flat);
  }
  return flat;
}

function fromFlat<TContext extends MachineContextBase>(next: FlatStep): StepResult<TContext> {
  return { snapshot: { value: next.value, context: next.context as TContext }, effects: next.actions.map(toEffect), handled: true };
}

/** The first snapshot of a machine, with the effects of entering its initial state. */
export function initial<M extends AnyStateMachine>(machine: M, input: InputFrom<M>): StepResult<ContextOf<M>> {
  const flat = compiledOf(machine);
  return flat ? fromFlat(flat.initial(input)) : xstateInitial(machine, input);
}

/** `initial` through xstate's own `getInitialSnapshot()`. */
export function xstateInitial<M extends AnyStateMachine>(machine: M, input: InputFrom<M>): StepResult<ContextOf<M>> {
  const [next, actions] = collecting(machine, (scope) => machine.getInitialSnapshot(scope as never, input) as AnyMachineSnapshot);
  return { snapshot: toStoredSnapshot<ContextOf<M>>(next), effects: actions.map(toEffect), handled: true };
}

/** Apply one event to a stored snapshot. The input snapshot is never mutated. */
export function step<M extends AnyStateMachine>(
  machine: M,
  snapshot: StoredSnapshot<ContextOf<M>>,
  event: EventFromLogic<M>,
): StepResult<ContextOf<M>> {
  const flat = compiledOf(machine);
  if (flat?.has(snapshot.value)) {
    const next = flat.step(snapshot, event);
    // As below: a transition that changed nothing and did nothing did not handle the event.
    if (next === null || (next.value === snapshot.value && next.context === snapshot.context && next.actions.length === 0)) {
      return { snapshot, effects: [], handled: false };
    }
    return fromFlat(next);
  }
  return xstateStep(machine, snapshot, event);
}

/** `step` through xstate's own `transition()` (machines that do not compile, and the tests' reference). */
export function xstateStep<M extends AnyStateMachine>(
  machine: M,
  snapshot: StoredSnapshot<ContextOf<M>>,
  event: EventFromLogic<M>,
): StepResult<ContextOf<M>> {
  const current = restoreSnapshot(machine, snapshot) as AnyMachineSnapshot;
  const [next, actions] = collecting(machine, (scope) => machine.transition(current as never, event, scope as never) as AnyMachineSnapshot);
  if (next === current && actions.length === 0) return { snapshot, effects: [], handled: false };
  return { snapshot: toStoredSnapshot<ContextOf<M>>(next), effects: actions.map(toEffect), handled: true };
}

/** True when the snapshot is in a final state: it absorbs every further event. */
export function isFinalSnapshot<M extends AnyStateMachine>(machine: M, snapshot: StoredSnapshot<ContextOf<M>>): boolean {
  const flat = compiledOf(machine);
  if (flat?.has(snapshot.value)) return flat.isFinal(snapshot.value);
  const restored: AnyMachineSnapshot = restoreSnapshot(machine, snapshot);
  return restored.status === 'done';
}

/**
 * Rebuild a live xstate snapshot from its stored form (throws on an unknown state name). Not
 * cached: keeping each entity's live snapshot beside its stored one (a WeakMap) was tried and
 * made steps slower at scale — 200,000 tasks: 25–36 µs a step against 13–24 µs without, the
 * retained snapshots and the weak table costing the garbage collector more than `resolveState`.
 */
export function restoreSnapshot<M extends AnyStateMachine>(machine: M, snapshot: StoredSnapshot<ContextOf<M>>): SnapshotFrom<M> {
  return machine.resolveState({ value: snapshot.value, context: snapshot.context }) as SnapshotFrom<M>;
}

/** The stored form of an xstate snapshot: state name and context, nothing else. */
export function toStoredSnapshot<TContext extends MachineContextBase>(snapshot: {
  readonly value: unknown;
  readonly context: unknown;
  readonly status: string;
}): StoredSnapshot<TContext> {
  assert(typeof snapshot.value === 'string', `lifecycle machines are flat; got ${JSON.stringify(snapshot.value)}`);
  assert(snapshot.status !== 'error', 'a lifecycle machine reached its error status');
  return { value: snapshot.value, context: snapshot.context as TContext };
}

/** Convert one xstate action object into a Kairos effect; anything else is a bug. */
export function toEffect(action: { readonly type: string; readonly params?: unknown }): Effect {
  assert(EFFECT_TYPES.has(action.type), `machine action '${action.type}' is not an effect`);
  const params = action.params;
  assert(typeof params === 'object' && params !== null, `effect '${action.type}' has no params`);
  const key = (params as { key?: unknown }).key;
  assert(typeof key === 'string' && key.length > 0, `effect '${action.type}' has no idempotency key`);
  return { type: action.type, ...(params as object) } as Effect;
}
