/**
 * A fast stepper for flat lifecycle machines, compiled from the xstate machine itself.
 *
 * xstate's pure `transition()` is general (nested and parallel states, history, eventless
 * transitions, raised events, spawned children) and costs 10–20 µs a step even for our flat
 * machines; the registry steps every agent twice in a takeover and every task twice in a launch,
 * on every replica. This module reads the machine's own state nodes — states, transitions,
 * guards, actions and `setup()` implementations — once, and replays xstate's semantics for the
 * subset our machines use:
 *
 * - one level of atomic or final states under the root; no `always`, `after`, `invoke`, exit
 *   actions, wildcard events, root transitions, multi-target transitions or root output (the
 *   root's entry actions run with the initial state's);
 * - guards are functions (by name, inline or `{ type, params }`), not xstate's built-in
 *   combinators;
 * - actions are `assign` or plain action functions (our effect records), by name, inline or
 *   `{ type, params }`; no other built-in action (`enqueueActions`, `raise`, `sendTo`, …).
 *
 * As in xstate: the first candidate whose guard passes is taken; a transition that changes state
 * (or re-enters) runs its own actions, then the target's entry actions; `assign` takes effect at
 * once, so later actions' params see the updated context. A machine using anything else is not
 * compiled (`compileFlatMachine` returns null) and step.ts keeps using xstate for it. The
 * equivalence property tests (test/unit/actors/flat-machine.test.ts) run both on random event
 * sequences for every machine that compiles.
 */
import type { AnyStateMachine } from 'xstate';
import type { MachineContextBase, StoredSnapshot } from './types.js';

/** One action xstate would hand to the actor's executor, as step.ts collects them. */
export interface CollectedAction {
  readonly type: string;
  readonly params?: unknown;
}

/** The state, context and collected actions after a step (or after the initial one). */
export interface FlatStep {
  readonly value: string;
  readonly context: MachineContextBase;
  readonly actions: CollectedAction[];
}

/** A compiled flat machine: xstate's semantics for the subset above, without building snapshots. */
export interface FlatMachine {
  /** The state names it knows; a stored snapshot naming another one is not ours to step. */
  has(value: string): boolean;
  isFinal(value: string): boolean;
  /** The next state and context with the actions to collect; null when the event is not handled. */
  step(snapshot: StoredSnapshot, event: { readonly type: string }): FlatStep | null;
  /** The initial state and context for `input`, with the root's and the initial state's entry actions. */
  initial(input: unknown): FlatStep;
}

// The parts of xstate v5's StateNode and TransitionDefinition this module reads.
type ActionRef = string | ((...args: never[]) => unknown) | { type: string; params?: unknown };
type GuardRef = string | ((...args: never[]) => unknown) | { type: string; params?: unknown };
interface TransitionView {
  readonly target?: readonly NodeView[];
  readonly source: NodeView;
  readonly actions: readonly ActionRef[];
  readonly guard?: GuardRef;
  readonly reenter: boolean;
}
interface NodeView {
  readonly key: string;
  readonly type: string;
  readonly states: Record<string, NodeView>;
  readonly transitions: Map<string, TransitionView[]>;
  readonly entry: readonly ActionRef[];
  readonly exit: readonly ActionRef[];
  readonly always?: readonly unknown[];
  readonly after: readonly unknown[];
  readonly invoke: readonly unknown[];
  readonly output?: unknown;
  readonly initial?: { readonly actions: readonly unknown[] };
}

type Args = { context: MachineContextBase; event: { readonly type: string } };
type Params = (args: Args) => unknown;
type Assignment = ((args: object, params: unknown) => object) | Record<string, unknown>;

/** One action ready to run: an assignment, or a named action whose params are resolved when it runs. */
type Op =
  | { readonly kind: 'assign'; readonly assignment: Assignment; readonly params: unknown; readonly paramsFn: Params | null }
  | { readonly kind: 'emit'; readonly type: string; readonly params: unknown; readonly paramsFn: Params | null };

interface Transition {
  readonly guard: ((args: Args) => boolean) | null;
  readonly target: string | null;
  readonly ops: readonly Op[];
  /** Moving to another state, or re-entering this one: the target's entry actions run. */
  readonly enters: boolean;
}

interface State {
  readonly final: boolean;
  readonly entry: readonly Op[];
  readonly on: Map<string, readonly Transition[]>;
}

/** Thrown while compiling: the machine uses something this module does not replay. */
class Unsupported extends Error {}

function unsupported(what: string): never {
  throw new Unsupported(what);
}

/**
 * Compiles `machine`, or returns null when it uses a feature outside the flat subset (the caller
 * then steps it with xstate).
 */
export function compileFlatMachine(machine: AnyStateMachine): FlatMachine | null {
  try {
    return compile(machine);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

function compile(machine: AnyStateMachine): FlatMachine {
  const root = machine.root as unknown as NodeView;
  const implementations = machine.implementations as { actions: Record<string, unknown>; guards: Record<string, unknown> };
  const contextFactory = (machine.config as { context?: unknown }).context;
  if (typeof contextFactory !== 'function') unsupported('a context that is not a factory');
  // The root's entry actions run once, at the initial step (flat transitions never leave the root).
  if (root.transitions.size > 0 || root.exit.length > 0 || root.output !== undefined) unsupported('root behaviour');
  if ((root.initial?.actions.length ?? 0) > 0) unsupported('actions on the initial transition');
  if ((root.always?.length ?? 0) > 0 || root.after.length > 0 || root.invoke.length > 0) unsupported('root behaviour');
  const initialKey = (machine.config as { initial?: unknown }).initial;
  if (typeof initialKey !== 'string') unsupported('an initial state that is not a name');

  const toOp = (action: ActionRef): Op => {
    const isInline = typeof action === 'function';
    const name = typeof action === 'string' ? action : isInline ? null : action.type;
    const resolved = isInline ? action : implementations.actions[name!];
    const paramsSource = typeof action === 'object' && 'params' in action ? action.params : undefined;
    const paramsFn = typeof paramsSource === 'function' ? (paramsSource as Params) : null;
    if (typeof resolved !== 'function') unsupported(`action ${String(name)}`);
    const builtin = resolved as { type?: unknown; resolve?: unknown; assignment?: Assignment };
    if ('resolve' in builtin) {
      if (builtin.type !== 'xstate.assign' || builtin.assignment === undefined) unsupported(`built-in action ${String(builtin.type)}`);
      return { kind: 'assign', assignment: builtin.assignment, params: paramsSource, paramsFn };
    }
    const type = name ?? ((resolved as { name?: string }).name || '(anonymous)');
    return { kind: 'emit', type, params: paramsSource, paramsFn };
  };

  const toGuard = (guard: GuardRef | undefined): Transition['guard'] => {
    if (guard === undefined) return null;
    if (typeof guard === 'function') return (args) => Boolean((guard as (a: Args, p: unknown) => unknown)(args, undefined));
    const name = typeof guard === 'string' ? guard : guard.type;
    const resolved = implementations.guards[name];
    if (typeof resolved !== 'function' || 'check' in resolved) unsupported(`guard ${name}`);
    const check = resolved as (args: Args, params: unknown) => unknown;
    if (typeof guard === 'string' || !('params' in guard)) return (args) => Boolean(check(args, undefined));
    const params = guard.params;
    if (typeof params === 'function') return (args) => Boolean(check(args, (params as Params)(args)));
    return (args) => Boolean(check(args, params));
  };

  const states = new Map<string, State>();
  for (const [key, node] of Object.entries(root.states)) {
    if (node.type !== 'atomic' && node.type !== 'final') unsupported(`${node.type} state ${key}`);
    if (node.exit.length > 0 || (node.always?.length ?? 0) > 0 || node.after.length > 0 || node.invoke.length > 0) unsupported(`state ${key}`);
    const on = new Map<string, readonly Transition[]>();
    for (const [eventType, candidates] of node.transitions) {
      if (eventType.includes('*')) unsupported(`wildcard ${eventType}`);
      on.set(
        eventType,
        candidates.map((candidate) => {
          if (candidate.source !== node) unsupported('a transition from another node');
          if ((candidate.target?.length ?? 0) > 1) unsupported('a multi-target transition');
          const target = candidate.target?.[0];
          if (target !== undefined && root.states[target.key] !== target) unsupported('a target outside the root');
          // xstate enters the target unless it is the source itself and `reenter` is off.
          return {
            guard: toGuard(candidate.guard),
            target: target?.key ?? null,
            ops: candidate.actions.map(toOp),
            enters: target !== undefined && (target !== node || candidate.reenter),
          } satisfies Transition;
        }),
      );
    }
    states.set(key, { final: node.type === 'final', entry: node.entry.map(toOp), on });
  }
  if (!states.has(initialKey)) unsupported('an unknown initial state');
  const initialEntry = [...root.entry.map(toOp), ...states.get(initialKey)!.entry];

  /** Runs `ops` in order as xstate does: each assign replaces the context the next op sees. */
  const run = (ops: readonly Op[], start: MachineContextBase, event: { readonly type: string }, out: CollectedAction[]): MachineContextBase => {
    let context = start;
    for (const op of ops) {
      const params = op.paramsFn ? op.paramsFn({ context, event }) : op.params;
      if (op.kind === 'emit') {
        out.push({ type: op.type, params });
        continue;
      }
      // xstate also passes its actor scope's helpers; our assignments read context and event only.
      const args = { context, event };
      let partial: object;
      if (typeof op.assignment === 'function') partial = op.assignment(args, params);
      else {
        const built: Record<string, unknown> = {};
        for (const key of Object.keys(op.assignment)) {
          const value = op.assignment[key];
          built[key] = typeof value === 'function' ? (value as (a: object, p: unknown) => unknown)(args, params) : value;
        }
        partial = built;
      }
      context = Object.assign({}, context, partial);
    }
    return context;
  };

  return {
    has: (value) => states.has(value),
    isFinal: (value) => states.get(value)?.final ?? false,
    step(snapshot, event) {
      const state = states.get(snapshot.value);
      if (!state) return null;
      const candidates = state.on.get(event.type);
      if (!candidates) return null;
      const args = { context: snapshot.context, event };
      for (const candidate of candidates) {
        if (candidate.guard !== null && !candidate.guard(args)) continue;
        const actions: CollectedAction[] = [];
        let context = run(candidate.ops, snapshot.context, event, actions);
        const value = candidate.target ?? snapshot.value;
        if (candidate.enters) context = run(states.get(value)!.entry, context, event, actions);
        return { value, context, actions };
      }
      return null;
    },
    initial(input) {
      const event = { type: 'xstate.init', input };
      const made = (contextFactory as (args: object) => MachineContextBase)({ input });
      const actions: CollectedAction[] = [];
      const context = run(initialEntry, Object.assign({}, made), event, actions);
      return { value: initialKey, context, actions };
    },
  };
}
