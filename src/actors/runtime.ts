/**
 * Leader-side timer planning from replicated state alone.
 *
 * Replicated machines keep their pending deadline in context instead of running timers. The
 * leader asks `dueDeadlines` which timers to arm; when one fires it proposes
 * `timeoutEventOf(timer, nowMs)` through Raft, and the machine's guard rejects it if the machine
 * has moved on. After a leader change the new leader calls `dueDeadlines` over every snapshot and
 * arms them all: nothing is lost, and nothing fires twice, because a fired timeout that was
 * already applied leaves a machine no longer waiting for it.
 *
 * Pure: the shell owns the real timers (src/lib/clock.ts) and passes `nowMs` in.
 */
import { deadlineKey } from './effects.js';
import type { Deadline, EntityRef, MachineContextBase, StoredSnapshot, TimedEvent } from './types.js';

/** One machine instance the leader tracks: which entity, and its stored snapshot. */
export interface TrackedSnapshot {
  readonly entity: EntityRef;
  readonly snapshot: StoredSnapshot<MachineContextBase>;
}

/** A timer the shell should have armed. */
export interface PlannedTimer {
  /** Same key as the `scheduleDeadline` effect that announced it, so arming is idempotent. */
  readonly key: string;
  readonly entity: EntityRef;
  readonly deadline: Deadline;
  /** How long from `nowMs` until it fires; 0 when already overdue (fire at once). */
  readonly delayMs: number;
}

/** Every pending deadline as a timer to arm, earliest first (ties broken by key). */
export function dueDeadlines(snapshots: Iterable<TrackedSnapshot>, nowMs: number): PlannedTimer[] {
  const timers: PlannedTimer[] = [];
  for (const { entity, snapshot } of snapshots) {
    const deadline = snapshot.context.deadline;
    if (deadline === null) continue;
    timers.push({ key: deadlineKey(entity, deadline), entity, deadline, delayMs: Math.max(0, deadline.atMs - nowMs) });
  }
  return timers.sort(compareTimers);
}

/** Timers whose deadline has passed at `nowMs`: propose their timeout events now. */
export function overdueTimers(timers: readonly PlannedTimer[], nowMs: number): PlannedTimer[] {
  return timers.filter((timer) => timer.deadline.atMs <= nowMs);
}

/** The event the leader proposes for `entity` when a timer fires at `nowMs`. */
export function timeoutEventOf(timer: PlannedTimer, nowMs: number): TimedEvent {
  return { type: timer.deadline.event, nowMs };
}

/** What to change so the armed set matches the plan: arm the new keys, cancel the stale ones. */
export function reconcileTimers(
  armedKeys: Iterable<string>,
  planned: readonly PlannedTimer[],
): { readonly toArm: PlannedTimer[]; readonly toCancel: string[] } {
  const armed = new Set(armedKeys);
  const plannedKeys = new Set(planned.map((timer) => timer.key));
  return {
    toArm: planned.filter((timer) => !armed.has(timer.key)),
    toCancel: [...armed].filter((key) => !plannedKeys.has(key)).sort(),
  };
}

function compareTimers(left: PlannedTimer, right: PlannedTimer): number {
  if (left.deadline.atMs !== right.deadline.atMs) return left.deadline.atMs - right.deadline.atMs;
  return left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
}
