/**
 * Runs that no schedule predicts: event-triggered (a Kairos extension), dependency firings
 * (dag-firing.ts decides; this records) and manual runs (`PUT /scheduler/job/{name}`).
 * Each becomes a `run.scheduled` command keyed by its cause, so a retried API call or a
 * re-proposal after failover names the same run and the reducer ignores the copy.
 *
 * Chronos drops such a run (still answering 204) when the job is disabled, or when it is not
 * concurrent and a run is active (§3.8–3.10); `onDemandRun` says so instead of a command.
 * Pure module.
 */
import { runKeyFor } from './run-key.js';
import type { JobTriggerState, RunKey, RunScheduledCommand, RunTrigger, TriggerJob } from './types.js';

export type OnDemandTrigger = Exclude<RunTrigger, { kind: 'schedule' }>;

export type OnDemandDecision =
  | { readonly ok: true; readonly command: RunScheduledCommand }
  | { readonly ok: false; readonly reason: 'disabled' | 'running' | 'untracked' };

/** The run record for an event/dependency/manual trigger, or why Chronos would drop it. */
export function onDemandRun(job: TriggerJob, jobState: JobTriggerState | undefined, trigger: OnDemandTrigger, nowMs: number): OnDemandDecision {
  if (jobState === undefined) return { ok: false, reason: 'untracked' };
  if (job.disabled) return { ok: false, reason: 'disabled' };
  if (!job.concurrent && jobState.activeRuns.size > 0) return { ok: false, reason: 'running' };
  const command: RunScheduledCommand = {
    t: 'run.scheduled',
    key: runKeyFor(job.name, trigger),
    job: job.name,
    trigger,
    concurrent: job.concurrent,
    proposedAtMs: nowMs,
  };
  return { ok: true, command };
}

export const eventTrigger = (event: string, eventId: string): OnDemandTrigger => ({ kind: 'event', event, eventId });
export const dependencyTrigger = (parentRunKeys: readonly RunKey[]): OnDemandTrigger => ({ kind: 'dependency', parentRunKeys: [...parentRunKeys] });
export const manualTrigger = (requestId: string): OnDemandTrigger => ({ kind: 'manual', requestId });
