/**
 * Plain data shared by every lifecycle machine: the stored snapshot form, deadlines, and the
 * event envelope. Everything here must survive a msgpackr round-trip unchanged, because it lives
 * in the replicated registry state: numbers (epoch ms), strings, nulls, arrays and plain objects
 * only — no Date, Map, class instance, `undefined` or actor reference.
 */

/** Which kind of registry entity a machine instance belongs to. */
export type EntityKind = 'agent' | 'framework' | 'task' | 'run';

/** Names one machine instance in the registry (its kind plus its id). */
export interface EntityRef {
  readonly kind: EntityKind;
  readonly id: string;
}

/**
 * A point in time at which the leader must propose `event` unless the machine has moved on.
 * Replicated machines never use xstate `after` delays: the deadline sits in context, computed
 * from the command timestamp, and any leader can re-arm it from replicated state (STYLE §3.4).
 */
export interface Deadline {
  /** The event type the leader proposes when the deadline passes (e.g. `agent.reregisterTimeout`). */
  readonly event: string;
  /** Epoch milliseconds, taken from the timestamp of the command that set it. */
  readonly atMs: number;
}

/** Every machine event carries the timestamp the leader read when it proposed the command. */
export interface TimedEvent {
  readonly type: string;
  readonly nowMs: number;
}

/** The part of context every machine shares: its id and at most one pending deadline. */
export interface MachineContextBase {
  readonly id: string;
  readonly deadline: Deadline | null;
}

/**
 * The stored (replicated) form of a machine snapshot. Our machines are flat, so the state value
 * is a single state name. `step.ts` restores it with xstate's `resolveState`.
 */
export interface StoredSnapshot<TContext extends MachineContextBase = MachineContextBase> {
  readonly value: string;
  readonly context: TContext;
}

/** True when a timeout event matches the pending deadline and is not early. */
export function isDeadlineReached(deadline: Deadline | null, event: TimedEvent): boolean {
  return deadline !== null && deadline.event === event.type && event.nowMs >= deadline.atMs;
}
