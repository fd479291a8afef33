/**
 * Which scheduled instants are due at `nowMs`, and what to record for each — the heart of the
 * exactly-once promise. Pure: the caller passes the time and the replicated state.
 *
 * Missed-run policy (Kairos, spec §3.3/§3.16). For a job fired through `w`, every instant t of
 * its schedule with w < t ≤ now is handled exactly once, in ascending order:
 *   - now − t ≤ epsilon → a run record (on time, or late within epsilon: each instant once,
 *     however many were missed while no leader existed);
 *   - now − t > epsilon → recorded as skipped, reason 'missed' (one record covers a whole
 *     stretch of consecutive missed instants, with their count), never silently dropped;
 *   - `concurrent:false` and a run of the job is active (or one is recorded earlier in this
 *     batch) → recorded as skipped, reason 'concurrent' (Chronos drops such runs, §3.9).
 * Disabled jobs produce nothing and their mark stays put: on re-enabling, the stretch missed
 * meanwhile is one 'missed' record and instants within epsilon run, as after an outage.
 * Finite `Rn` is honoured by the schedule itself (no occurrence after the n-th), and both runs
 * and skips consume occurrences (schedule README, repetition rule).
 *
 * Each command carries the mark it extends (`afterMs`), so the reducer applies a job's
 * commands only as an unbroken chain: a lost or stale proposal can never leave a gap.
 */
import { firesBetween, latestFireAtOrBefore, nextFire } from '../schedule/index.js';
import { scheduledRunKey } from './run-key.js';
import type { JobTriggerState, RunScheduledCommand, RunSkippedCommand, TriggerCommand, TriggerJob, TriggerState } from './types.js';

/** Tuning for one call. */
export interface DueRunsOptions {
  /** Run records per job per call; the rest wait for the next call (bounds a catch-up burst). */
  readonly maxRunsPerJob?: number;
  /** Instants counted per skip record; beyond it the count is a lower bound. */
  readonly maxSkipCount?: number;
}

export const DEFAULT_MAX_RUNS_PER_JOB = 1_000;
export const DEFAULT_MAX_SKIP_COUNT = 100_000;

/** Everything due now, as commands to propose in order, plus the same split by kind. */
export interface DueRuns {
  readonly commands: TriggerCommand[];
  readonly runs: RunScheduledCommand[];
  readonly skipped: RunSkippedCommand[];
}

/** Due runs and skips of every job at nowMs. Jobs not tracked in `state` are ignored. */
export function dueRuns(jobs: Iterable<TriggerJob>, state: TriggerState, nowMs: number, options: DueRunsOptions = {}): DueRuns {
  const result: DueRuns = { commands: [], runs: [], skipped: [] };
  for (const job of jobs) {
    const jobState = state.jobs.get(job.name);
    if (jobState !== undefined) appendDueForJob(result, job, jobState, nowMs, options);
  }
  return result;
}

/** Due commands of one job, appended to `into` (the engine calls this per heap entry). */
export function appendDueForJob(into: DueRuns, job: TriggerJob, jobState: JobTriggerState, nowMs: number, options: DueRunsOptions = {}): void {
  const schedule = job.schedule;
  if (schedule === null || job.disabled) return;
  let mark = jobState.firedThroughMs;
  const first = nextFire(schedule, mark);
  if (first === null || first > nowMs) return;
  const oldestRunnableMs = nowMs - job.epsilonMs;
  let firstRunnable: number | null = first;
  if (first < oldestRunnableMs) {
    mark = appendMissed(into, job, mark, oldestRunnableMs - 1, nowMs, options);
    firstRunnable = nextFire(schedule, mark);
  }
  let active = jobState.activeRuns.size > 0;
  const limit = options.maxRunsPerJob ?? DEFAULT_MAX_RUNS_PER_JOB;
  for (let count = 0, t = firstRunnable; t !== null && t <= nowMs && count < limit; t = nextFire(schedule, t), count++) {
    if (!job.concurrent && active) {
      push(into, skipCommand(job.name, mark, t, 1, false, 'concurrent', nowMs));
    } else {
      push(into, runCommand(job, mark, t, nowMs));
      active = true;
    }
    mark = t;
  }
}

/** One 'missed' record for every instant in (mark, latestMissedMs]; returns the new mark. */
function appendMissed(into: DueRuns, job: TriggerJob, mark: number, latestMissedMs: number, nowMs: number, options: DueRunsOptions): number {
  const schedule = job.schedule;
  if (schedule === null) return mark;
  const through = latestFireAtOrBefore(schedule, latestMissedMs);
  if (through === null || through <= mark) return mark;
  const cap = options.maxSkipCount ?? DEFAULT_MAX_SKIP_COUNT;
  const count = firesBetween(schedule, mark, through, cap).length;
  push(into, skipCommand(job.name, mark, through, count, count === cap, 'missed', nowMs));
  return through;
}

function runCommand(job: TriggerJob, afterMs: number, scheduledAtMs: number, nowMs: number): RunScheduledCommand {
  return {
    t: 'run.scheduled',
    key: scheduledRunKey(job.name, scheduledAtMs),
    job: job.name,
    trigger: { kind: 'schedule', scheduledAtMs, afterMs },
    concurrent: job.concurrent,
    proposedAtMs: nowMs,
  };
}

function skipCommand(
  job: string,
  afterMs: number,
  throughMs: number,
  count: number,
  countIsLowerBound: boolean,
  reason: RunSkippedCommand['reason'],
  nowMs: number,
): RunSkippedCommand {
  return { t: 'run.skipped', job, afterMs, throughMs, count, countIsLowerBound, reason, proposedAtMs: nowMs };
}

function push(into: DueRuns, command: RunScheduledCommand | RunSkippedCommand): void {
  into.commands.push(command);
  if (command.t === 'run.scheduled') into.runs.push(command);
  else into.skipped.push(command);
}

/** The next instant this job will need attention (null: nothing scheduled, exhausted or disabled). */
export function nextDueMs(job: TriggerJob, jobState: JobTriggerState): number | null {
  if (job.schedule === null || job.disabled) return null;
  return nextFire(job.schedule, jobState.firedThroughMs);
}

/**
 * The mark a newly tracked job starts from: instants at or after `registeredAtMs − epsilon`
 * count, so an ISO start equal to the registration time (`R//PT1H`) fires, and a start in the
 * past within epsilon runs late once, as Chronos does on registration (§3.3, §3.4).
 */
export function initialFiredThroughMs(job: Pick<TriggerJob, 'epsilonMs'>, registeredAtMs: number): number {
  return registeredAtMs - job.epsilonMs - 1;
}
