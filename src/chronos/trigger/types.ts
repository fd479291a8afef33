/**
 * The vocabulary of the trigger: the view of a job it needs, the replicated per-job trigger
 * state, and the commands that move it. Plain data only, so commands travel in Raft entries
 * and the state goes into snapshots (see snapshot.ts for its plain-object form).
 *
 * Pure module: types only.
 */
import type { Schedule } from '../schedule/index.js';

/** A run's idempotency key (DESIGN rule 3); built only by run-key.ts. */
export type RunKey = string;

/** What the trigger needs to know about one job (the registry maps a ChronosJob onto this). */
export interface TriggerJob {
  readonly name: string;
  /** Parsed schedule; null for jobs triggered only by parents, events or hand. */
  readonly schedule: Schedule | null;
  /** Missed-run window and starting deadline (spec §3.16), in ms. */
  readonly epsilonMs: number;
  readonly disabled: boolean;
  /** False: at most one active run; a due instant meeting an active run is skipped (§3.9). */
  readonly concurrent: boolean;
}

/** Replicated trigger state of one job. */
export interface JobTriggerState {
  /**
   * Every scheduled instant at or before this has been turned into a run record or recorded as
   * skipped ("fired through"). Instants are handled in ascending order, so one number suffices.
   */
  firedThroughMs: number;
  /** Runs of this job not yet finished (any trigger): what `concurrent:false` looks at. */
  readonly activeRuns: Set<RunKey>;
  /** Keys of event, dependency and manual runs already recorded (their duplicates are ignored). */
  readonly onDemandKeys: Set<RunKey>;
  /** Scheduled instants recorded as skipped so far (a statistic for the API and tests). */
  skippedCount: number;
}

/** The whole replicated trigger state: one entry per tracked job. */
export interface TriggerState {
  readonly jobs: Map<string, JobTriggerState>;
}

/** Why a run record exists. */
export type RunTrigger =
  | { readonly kind: 'schedule'; readonly scheduledAtMs: number; readonly afterMs: number }
  | { readonly kind: 'event'; readonly event: string; readonly eventId: string }
  | { readonly kind: 'dependency'; readonly parentRunKeys: readonly RunKey[] }
  | { readonly kind: 'manual'; readonly requestId: string };

/** Why scheduled instants were skipped instead of run. */
export type SkipReason =
  /** Later than epsilon when a leader got to them (the missed-run policy). */
  | 'missed'
  /** `concurrent:false` and a run of the job was active. */
  | 'concurrent';

/** Start tracking a job (create/update): its fired-through mark never moves backwards. */
export interface TrackCommand {
  readonly t: 'trigger.track';
  readonly job: string;
  readonly firedThroughMs: number;
}

/** Stop tracking a deleted job (its state, active runs included, is dropped). */
export interface UntrackCommand {
  readonly t: 'trigger.untrack';
  readonly job: string;
}

/** A run record: proposed before anything launches. */
export interface RunScheduledCommand {
  readonly t: 'run.scheduled';
  readonly key: RunKey;
  readonly job: string;
  readonly trigger: RunTrigger;
  /** The job's `concurrent` flag as the proposer saw it. */
  readonly concurrent: boolean;
  /** The proposer's clock when it decided (the run is due from then; lateness = this − instant). */
  readonly proposedAtMs: number;
}

/** Scheduled instants in (afterMs, throughMs] recorded as skipped, not silently dropped. */
export interface RunSkippedCommand {
  readonly t: 'run.skipped';
  readonly job: string;
  readonly afterMs: number;
  readonly throughMs: number;
  /** Instants skipped (exact unless countIsLowerBound: counting is capped). */
  readonly count: number;
  readonly countIsLowerBound: boolean;
  readonly reason: SkipReason;
  readonly proposedAtMs: number;
}

/** A run reached a final state (succeeded, failed, killed, skipped by the run machine). */
export interface RunFinishedCommand {
  readonly t: 'run.finished';
  readonly job: string;
  readonly key: RunKey;
}

export type TriggerCommand = TrackCommand | UntrackCommand | RunScheduledCommand | RunSkippedCommand | RunFinishedCommand;

/** What applying a command did. Only 'applied' changed the state. */
export type TriggerApplyResult =
  | { readonly outcome: 'applied' }
  /** Already recorded (a proposal repeated after failover): nothing changes. */
  | { readonly outcome: 'duplicate' }
  /** Invalid or stale: nothing changes; the leader recomputes from replicated state. */
  | { readonly outcome: 'rejected'; readonly reason: string };
