/**
 * The trigger's part of the replicated registry: a deterministic reducer over trigger
 * commands, applied on every replica in log order. It validates each command and either
 * applies it whole or changes nothing (DESIGN rule 2).
 *
 * Idempotency is what makes failover safe: a new leader, or an old one whose proposal commits
 * late, may propose a record that already exists. Scheduled records extend a job's fired-through
 * mark as a chain — each names the mark it extends (`afterMs`) — so:
 *   - an instant at or before the mark is a duplicate (already run or skipped): ignored;
 *   - a command whose `afterMs` is not the current mark is stale (something before it was lost
 *     or it was computed from an old view): rejected, and the leader recomputes;
 * and therefore each instant is recorded exactly once, with no gaps. Event, dependency and
 * manual runs are deduplicated by key.
 *
 * The state is mutated in place (like the registry's other parts); the function is still pure
 * in the sense that matters: same state + same command → same result, no I/O, no clock.
 */
import { runKeyFor } from './run-key.js';
import type {
  JobTriggerState,
  RunFinishedCommand,
  RunScheduledCommand,
  RunSkippedCommand,
  TrackCommand,
  TriggerApplyResult,
  TriggerCommand,
  TriggerState,
} from './types.js';

const APPLIED: TriggerApplyResult = { outcome: 'applied' };
const DUPLICATE: TriggerApplyResult = { outcome: 'duplicate' };
const reject = (reason: string): TriggerApplyResult => ({ outcome: 'rejected', reason });

export function createTriggerState(): TriggerState {
  return { jobs: new Map() };
}

/** Apply one command; see the module comment for what each outcome means. */
export function applyTriggerCommand(state: TriggerState, command: TriggerCommand): TriggerApplyResult {
  switch (command.t) {
    case 'trigger.track':
      return applyTrack(state, command);
    case 'trigger.untrack':
      return state.jobs.delete(command.job) ? APPLIED : DUPLICATE;
    case 'run.scheduled':
      return applyRunScheduled(state, command);
    case 'run.skipped':
      return applySkipped(state, command);
    case 'run.finished':
      return applyFinished(state, command);
    default:
      return reject(`unknown trigger command ${JSON.stringify((command as { t?: unknown }).t)}`);
  }
}

/** Create the job's state, or move its mark forward; never backwards (that would re-fire). */
function applyTrack(state: TriggerState, command: TrackCommand): TriggerApplyResult {
  if (!Number.isFinite(command.firedThroughMs)) return reject('firedThroughMs must be a finite number');
  const existing = state.jobs.get(command.job);
  if (existing === undefined) {
    state.jobs.set(command.job, { firedThroughMs: command.firedThroughMs, activeRuns: new Set(), onDemandKeys: new Set(), skippedCount: 0 });
    return APPLIED;
  }
  if (command.firedThroughMs <= existing.firedThroughMs) return DUPLICATE;
  existing.firedThroughMs = command.firedThroughMs;
  return APPLIED;
}

function applyRunScheduled(state: TriggerState, command: RunScheduledCommand): TriggerApplyResult {
  const jobState = state.jobs.get(command.job);
  if (jobState === undefined) return reject(`job '${command.job}' is not tracked`);
  if (command.key !== runKeyFor(command.job, command.trigger)) return reject(`run key '${command.key}' does not match its trigger`);
  const trigger = command.trigger;
  if (trigger.kind === 'schedule') {
    if (trigger.scheduledAtMs <= jobState.firedThroughMs) return DUPLICATE;
    if (trigger.afterMs !== jobState.firedThroughMs) return reject('stale: the fired-through mark moved');
  } else if (jobState.onDemandKeys.has(command.key)) {
    return DUPLICATE;
  }
  if (!command.concurrent && jobState.activeRuns.size > 0) return reject('a run of this non-concurrent job is active');
  jobState.activeRuns.add(command.key);
  if (trigger.kind === 'schedule') jobState.firedThroughMs = trigger.scheduledAtMs;
  else jobState.onDemandKeys.add(command.key);
  return APPLIED;
}

function applySkipped(state: TriggerState, command: RunSkippedCommand): TriggerApplyResult {
  const jobState = state.jobs.get(command.job);
  if (jobState === undefined) return reject(`job '${command.job}' is not tracked`);
  if (!(command.throughMs > command.afterMs) || !(command.count >= 1)) return reject('a skip must cover at least one instant');
  if (command.throughMs <= jobState.firedThroughMs) return DUPLICATE;
  if (command.afterMs !== jobState.firedThroughMs) return reject('stale: the fired-through mark moved');
  // Checked at apply time, so a 'concurrent' skip is justified by the replicated state itself.
  if (command.reason === 'concurrent' && jobState.activeRuns.size === 0) return reject('no run of this job is active any more');
  jobState.firedThroughMs = command.throughMs;
  jobState.skippedCount += command.count;
  return APPLIED;
}

function applyFinished(state: TriggerState, command: RunFinishedCommand): TriggerApplyResult {
  const jobState: JobTriggerState | undefined = state.jobs.get(command.job);
  if (jobState === undefined) return DUPLICATE;
  return jobState.activeRuns.delete(command.key) ? APPLIED : DUPLICATE;
}
