/**
 * Public surface of the pure Chronos trigger: which scheduled instants are due and what to
 * record for them (due-runs.ts), the replicated trigger state and its reducer (reducer.ts),
 * run keys, on-demand runs and snapshots. See README.md for the missed-run policy.
 */
export type {
  JobTriggerState,
  RunFinishedCommand,
  RunKey,
  RunScheduledCommand,
  RunSkippedCommand,
  RunTrigger,
  SkipReason,
  TrackCommand,
  TriggerApplyResult,
  TriggerCommand,
  TriggerJob,
  TriggerState,
  UntrackCommand,
} from './types.js';
export {
  appendDueForJob,
  dueRuns,
  initialFiredThroughMs,
  nextDueMs,
  DEFAULT_MAX_RUNS_PER_JOB,
  DEFAULT_MAX_SKIP_COUNT,
  type DueRuns,
  type DueRunsOptions,
} from './due-runs.js';
export { applyTriggerCommand, createTriggerState } from './reducer.js';
export { dependencyRunKey, eventRunKey, jobOfRunKey, manualRunKey, runKeyFor, scheduledRunKey } from './run-key.js';
export { dependencyTrigger, eventTrigger, manualTrigger, onDemandRun, type OnDemandDecision, type OnDemandTrigger } from './on-demand.js';
export { fromTriggerSnapshot, toTriggerSnapshot, type JobTriggerSnapshot } from './snapshot.js';
export { triggerJobOf } from './job-view.js';
