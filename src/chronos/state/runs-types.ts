/**
 * The vocabulary of the `run` state part: run records, per-job statistics, the job fields the
 * reducer reads, and the commands it owns. Plain data only (msgpackr round-trips it unchanged).
 *
 * Pure module: types only.
 */
import type { JobRunContext, JobRunEvent } from '../../actors/job-run.machine.js';
import type { StoredSnapshot } from '../../actors/types.js';
import type { Firing, ParentCompletion } from '../dag.js';
import type { ChronosJob } from '../model/index.js';
import type { RunScheduledCommand, RunSkippedCommand, TriggerCommand } from '../trigger/index.js';

/** Why a run exists (ChronosRunner's RunRecord.cause). */
export type RunCause = 'schedule' | 'dependency' | 'event' | 'manual';

/** One run: a scheduled instant (or an event / dependency / manual trigger) and its retries. */
export interface RunEntry {
  readonly key: string;
  readonly job: string;
  readonly cause: RunCause;
  /** The scheduled instant (schedule) or the moment the trigger was accepted (others). */
  readonly scheduledAtMs: number;
  /**
   * The `<due>` of the run's Chronos task ids: `scheduledAtMs`, moved forward by whole ms when
   * another run of the job already uses it (two runs fired in the same millisecond), so task
   * ids never collide.
   */
  readonly taskDueMs: number;
  /** Manual `arguments` replacing the job's for this run; null = the job's own. */
  readonly args: readonly string[] | null;
  /** Extra environment (an event's payload). */
  readonly env: Readonly<Record<string, string>>;
  readonly highPriority: boolean;
  /** The job-run machine (src/actors/job-run.machine.ts), as stored. */
  machine: StoredSnapshot<JobRunContext>;
  /** Every task id launched for this run, oldest first (one per attempt). */
  readonly taskIds: string[];
  exitStatus: number | null;
  message: string | null;
}

/** Per-job outcome counters (Chronos' successCount etc.), folded by the reducer. */
export interface JobRunStats {
  successCount: number;
  errorCount: number;
  errorsSinceLastSuccess: number;
  lastSuccessMs: number | null;
  lastErrorMs: number | null;
  /** Elapsed seconds of the latest successful runs, oldest first (bounded). */
  readonly elapsedSeconds: number[];
}

/**
 * What the reducer needs from the job store (the `job` part), used only during apply so every
 * replica reads and moves the same state at the same log position: job definitions, and the
 * dependency graph's durable firing counts (src/chronos/dag.ts).
 */
export interface RunJobSource {
  job(name: string): ChronosJob | undefined;
  /** A parent's final outcome: counts it on each child edge; the children that fire. */
  recordCompletion(completion: ParentCompletion): Firing[];
  /** A run of `name` started: its incoming counts restart. */
  recordStarted(name: string): void;
  /** PUT /job/success/{name}: as if it ran and succeeded; the children that fire. */
  recordMarkedSuccess(name: string, runKey: string): Firing[];
}

/** Reducer tuning; the same on every replica (set at construction, before Raft starts). */
export interface RunsOptions {
  /** Finished runs kept per job (oldest evicted first). Default 100. */
  readonly historyLimit?: number;
  /** Successful run durations kept per job for percentiles. Default 100. */
  readonly elapsedSamples?: number;
  /** Retry back-off: base · 2^attempt, capped. Defaults 10 s and 10 min. */
  readonly retryBackoffBaseMs?: number;
  readonly retryBackoffMaxMs?: number;
}

/** Engine output as one Raft entry (the engine proposes batches). */
export interface RunBatchCommand {
  readonly t: 'run.batch';
  readonly commands: readonly TriggerCommand[];
}

/** An on-demand or scheduled run record, optionally with manual args and event env. */
export type RunCreateCommand = RunScheduledCommand & {
  readonly args?: readonly string[] | null;
  readonly env?: Readonly<Record<string, string>>;
};

/** Moves one run's machine; `taskId`, when given, must be the run's current task. */
export interface RunEventCommand {
  readonly t: 'run.event';
  readonly key: string;
  readonly event: JobRunEvent;
  readonly taskId?: string;
  readonly exitStatus?: number | null;
  readonly message?: string | null;
}

/** PUT /scheduler/job/success/{name}: a success without a run; children fire. */
export interface RunMarkSuccessCommand {
  readonly t: 'run.markSuccess';
  readonly job: string;
  readonly id: string;
  readonly nowMs: number;
}

/** The built-in framework's Mesos framework id (kept across failovers). */
export interface RunFrameworkCommand {
  readonly t: 'run.framework';
  readonly id: string;
}

/** Start (or refresh) tracking a job's schedule from `nowMs` (job created or updated). */
export interface RunTrackCommand {
  readonly t: 'run.track';
  readonly job: string;
  readonly nowMs: number;
}

export interface RunUntrackCommand {
  readonly t: 'run.untrack';
  readonly job: string;
}

export type RunsCommand =
  | RunBatchCommand
  | RunCreateCommand
  | RunSkippedCommand
  | RunEventCommand
  | RunMarkSuccessCommand
  | RunFrameworkCommand
  | RunTrackCommand
  | RunUntrackCommand;
