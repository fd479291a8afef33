/**
 * The `run` state part: Chronos job runs as replicated state (DESIGN rules 2–4).
 *
 * It embeds the trigger's replicated state (fired-through marks, active runs: ../trigger) and
 * adds, per run, the job-run machine snapshot, its task ids and outcome; per job, a bounded
 * history and Chronos' statistics; and the built-in framework's id. Dependency firing counts
 * live in the job store's graph (../dag.ts); this part moves them only inside its own apply.
 *
 * Exactly-once: a scheduled run's key is `job@instant` and the trigger reducer accepts each
 * instant once (a duplicate proposal is a no-op); on-demand runs are keyed by their cause.
 * Dependency children are created inside the apply of their parent's final success, so a child
 * firing can never be lost between leaders. The job store is read (never written) during apply:
 * it is part of the same replicated state, so every replica reads the same jobs.
 *
 * Pure and deterministic: no clock (instants travel in commands), no I/O.
 */
import { jobRunMachine, type JobRunContext, type JobRunEvent } from '../../actors/job-run.machine.js';
import { initial, step } from '../../actors/step.js';
import type { ApplyResult, PartCommand, StatePart } from '../../master/state/part.js';
import type { Firing } from '../dag.js';
import { epsilonMsOf, type ChronosJob } from '../model/index.js';
import {
  applyTriggerCommand,
  createTriggerState,
  dependencyTrigger,
  fromTriggerSnapshot,
  initialFiredThroughMs,
  onDemandRun,
  toTriggerSnapshot,
  type JobTriggerSnapshot,
  type TriggerCommand,
  type TriggerState,
} from '../trigger/index.js';
import { emptyStats, recordFailure, recordSuccess } from './runs-stats.js';
import type {
  JobRunStats,
  RunCause,
  RunCreateCommand,
  RunEntry,
  RunEventCommand,
  RunJobSource,
  RunMarkSuccessCommand,
  RunsCommand,
  RunsOptions,
} from './runs-types.js';

export * from './runs-types.js';

/** A run waits at least this long for an offer before its start window closes. */
export const MIN_START_WINDOW_MS = 10_000;

/** Machine states that absorb every further event. */
export const FINAL_RUN_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'killed', 'skipped']);

/** Told about changes, on every replica, right after they are applied (leader services listen). */
export interface RunsObserver {
  /** A job started or stopped being tracked, or its trigger state moved. */
  jobChanged(name: string): void;
  /** A run was created or its machine moved (`before` is null for a new run). */
  runChanged(run: RunEntry, before: string | null): void;
}

interface RunsSnapshot {
  trigger: JobTriggerSnapshot[];
  runs: RunEntry[];
  jobRuns: Array<[string, string[]]>;
  stats: Array<[string, JobRunStats]>;
  frameworkId: string | null;
}

const ok = (value?: unknown): ApplyResult => (value === undefined ? { ok: true } : { ok: true, value });
const fail = (error: string): ApplyResult => ({ ok: false, error });

export class RunsPart implements StatePart {
  readonly prefix = 'run';
  onApplied: ((command: PartCommand, result: ApplyResult, index: number) => void) | null = null;
  observer: RunsObserver | null = null;
  frameworkId: string | null = null;

  private trigger: TriggerState = createTriggerState();
  private readonly runs = new Map<string, RunEntry>();
  private readonly byTask = new Map<string, string>();
  /** Run keys per job in creation order (the bounded history, active runs included). */
  private readonly jobRuns = new Map<string, string[]>();
  private readonly statsByJob = new Map<string, JobRunStats>();
  /** Runs not in a final state (what the leader's services walk). */
  private readonly activeKeys = new Set<string>();
  private readonly options: Required<RunsOptions>;

  constructor(
    private readonly jobs: () => RunJobSource | null,
    options: RunsOptions = {},
  ) {
    this.options = {
      historyLimit: options.historyLimit ?? 100,
      elapsedSamples: options.elapsedSamples ?? 100,
      retryBackoffBaseMs: options.retryBackoffBaseMs ?? 10_000,
      retryBackoffMaxMs: options.retryBackoffMaxMs ?? 600_000,
    };
  }

  // ---- reads -------------------------------------------------------------------------------

  triggerState(): TriggerState {
    return this.trigger;
  }
  run(key: string): RunEntry | undefined {
    return this.runs.get(key);
  }
  runOfTask(taskId: string): RunEntry | undefined {
    const key = this.byTask.get(taskId);
    return key === undefined ? undefined : this.runs.get(key);
  }
  /** Runs not yet final, in creation order. */
  activeRuns(): RunEntry[] {
    const out: RunEntry[] = [];
    for (const key of this.activeKeys) {
      const run = this.runs.get(key);
      if (run !== undefined) out.push(run);
    }
    return out;
  }
  /** The job's runs, newest first (bounded by the history limit plus active runs). */
  runsOf(job: string): RunEntry[] {
    const keys = this.jobRuns.get(job) ?? [];
    const out: RunEntry[] = [];
    for (let i = keys.length - 1; i >= 0; i--) {
      const run = this.runs.get(keys[i]!);
      if (run !== undefined) out.push(run);
    }
    return out;
  }
  stats(job: string): JobRunStats {
    return this.statsByJob.get(job) ?? emptyStats();
  }
  trackedJobs(): Iterable<string> {
    return this.trigger.jobs.keys();
  }

  // ---- job store hooks (called on every replica while the job store applies) --------------

  /**
   * A job was created or updated at `nowMs` (the proposer's clock, from the job command):
   * track it from `nowMs − epsilon` (the mark never moves back), or untrack a deleted one.
   */
  jobPut(name: string, nowMs: number): ApplyResult {
    const job = this.jobs()?.job(name);
    if (job === undefined) return fail(`job '${name}' does not exist`);
    const firedThroughMs = initialFiredThroughMs({ epsilonMs: epsilonMsOf(job) }, nowMs);
    applyTriggerCommand(this.trigger, { t: 'trigger.track', job: name, firedThroughMs });
    this.observer?.jobChanged(name);
    return ok();
  }

  jobDeleted(name: string): ApplyResult {
    applyTriggerCommand(this.trigger, { t: 'trigger.untrack', job: name });
    this.statsByJob.delete(name);
    const keys = this.jobRuns.get(name) ?? [];
    const kept = keys.filter((key) => this.activeKeys.has(key));
    for (const key of keys) if (!this.activeKeys.has(key)) this.forget(key);
    if (kept.length > 0) this.jobRuns.set(name, kept);
    else this.jobRuns.delete(name);
    this.observer?.jobChanged(name);
    return ok();
  }

  // ---- apply -------------------------------------------------------------------------------

  apply(command: PartCommand): ApplyResult {
    const c = command as unknown as RunsCommand;
    switch (c.t) {
      case 'run.batch': {
        if (!Array.isArray(c.commands)) return fail('run.batch needs commands');
        const outcomes = c.commands.map((inner) => this.applyTrigger(inner));
        return ok(outcomes);
      }
      case 'run.scheduled':
      case 'run.skipped': {
        const outcome = this.applyTrigger(c);
        return outcome.startsWith('rejected') ? fail(outcome) : ok(outcome);
      }
      case 'run.event':
        return this.applyEvent(c);
      case 'run.markSuccess':
        return this.applyMarkSuccess(c);
      case 'run.framework':
        if (typeof c.id !== 'string' || c.id === '') return fail('run.framework needs an id');
        this.frameworkId = c.id;
        return ok();
      case 'run.track':
        return this.jobPut(c.job, c.nowMs);
      case 'run.untrack':
        return this.jobDeleted(c.job);
      default:
        return fail(`unknown run command ${JSON.stringify((command as { t?: unknown }).t)}`);
    }
  }

  /** 'applied' | 'duplicate' | 'rejected: why'. Only run.scheduled / run.skipped are allowed. */
  private applyTrigger(command: TriggerCommand | RunCreateCommand): string {
    if (command.t === 'run.skipped') {
      const result = applyTriggerCommand(this.trigger, command);
      if (result.outcome === 'applied') this.observer?.jobChanged(command.job);
      return result.outcome === 'rejected' ? `rejected: ${result.reason}` : result.outcome;
    }
    if (command.t !== 'run.scheduled') return `rejected: ${command.t} is not a run command`;
    const job = this.jobs()?.job(command.job);
    if (job === undefined) return `rejected: job '${command.job}' does not exist`;
    // The job's concurrency at this log position decides, not the proposer's possibly stale view.
    const result = applyTriggerCommand(this.trigger, { ...command, concurrent: job.concurrent });
    if (result.outcome !== 'applied') return result.outcome === 'rejected' ? `rejected: ${result.reason}` : result.outcome;
    this.createRun(command as RunCreateCommand, job);
    this.observer?.jobChanged(command.job);
    return 'applied';
  }

  private createRun(command: RunCreateCommand, job: ChronosJob): void {
    const trigger = command.trigger;
    const cause: RunCause = trigger.kind;
    const scheduledAtMs = trigger.kind === 'schedule' ? trigger.scheduledAtMs : command.proposedAtMs;
    const start = initial(jobRunMachine, {
      runKey: command.key,
      jobName: job.name,
      scheduledAtMs,
      manual: cause === 'manual',
      nowMs: command.proposedAtMs,
      retries: job.retries,
      retryBackoffBaseMs: this.options.retryBackoffBaseMs,
      retryBackoffMaxMs: this.options.retryBackoffMaxMs,
      maxCompletionTimeMs: job.maxCompletionTime > 0 ? job.maxCompletionTime * 1000 : null,
      // Starting deadline: epsilon, but never shorter than an offer round plus a failover.
      epsilonMs: Math.max(epsilonMsOf(job), MIN_START_WINDOW_MS),
      concurrent: job.concurrent,
    });
    const run: RunEntry = {
      key: command.key,
      job: job.name,
      cause,
      scheduledAtMs,
      taskDueMs: this.freeTaskDue(job.name, scheduledAtMs),
      args: command.args ?? null,
      env: command.env ?? {},
      highPriority: job.highPriority,
      machine: start.snapshot as RunEntry['machine'],
      taskIds: [],
      exitStatus: null,
      message: null,
    };
    this.runs.set(run.key, run);
    this.activeKeys.add(run.key);
    const keys = this.jobRuns.get(job.name) ?? [];
    keys.push(run.key);
    this.jobRuns.set(job.name, keys);
    this.evict(job.name);
    this.observer?.runChanged(run, null);
  }

  private applyEvent(command: RunEventCommand): ApplyResult {
    const run = this.runs.get(command.key);
    if (run === undefined) return fail(`no run '${command.key}'`);
    const before = run.machine.value;
    const current = run.machine.context.taskId;
    if (command.taskId !== undefined && command.event.type !== 'run.launched' && current !== command.taskId) {
      return fail(`task '${command.taskId}' is not the current task of run '${run.key}'`);
    }
    const result = step(jobRunMachine, run.machine, command.event as JobRunEvent);
    if (!result.handled) return fail(`run '${run.key}' in state '${before}' does not take ${command.event.type}`);
    run.machine = result.snapshot as RunEntry['machine'];
    if (command.event.type === 'run.launched') {
      run.taskIds.push(command.event.taskId);
      this.byTask.set(command.event.taskId, run.key);
      // Chronos' rule: a child's incoming counts restart when it starts (spec §3.5).
      this.jobs()?.recordStarted(run.job);
    }
    if (command.exitStatus !== undefined && command.exitStatus !== null) run.exitStatus = command.exitStatus;
    if (command.message !== undefined && command.message !== null) run.message = command.message;
    if (!FINAL_RUN_STATES.has(before) && FINAL_RUN_STATES.has(run.machine.value)) this.finish(run, command.event.nowMs);
    this.observer?.runChanged(run, before);
    return ok(run.machine.value);
  }

  /** A run reached a final state: free its slot, count it, fire dependents. */
  private finish(run: RunEntry, nowMs: number): void {
    this.activeKeys.delete(run.key);
    applyTriggerCommand(this.trigger, { t: 'run.finished', job: run.job, key: run.key });
    const context: JobRunContext = run.machine.context;
    const source = this.jobs();
    if (source?.job(run.job) !== undefined) {
      const stats = this.statsFor(run.job);
      if (run.machine.value === 'succeeded') {
        const startedAt = context.startedAtMs ?? context.launchedAtMs;
        recordSuccess(stats, nowMs, startedAt === null ? null : nowMs - startedAt, this.options.elapsedSamples);
        this.fire(source.recordCompletion({ job: run.job, outcome: 'success', runKey: run.key }), nowMs);
      } else if (run.machine.value === 'failed') {
        recordFailure(stats, nowMs);
        // The graph counts a failure only for a softError parent (spec §3.5).
        this.fire(source.recordCompletion({ job: run.job, outcome: 'failure', runKey: run.key }), nowMs);
      }
    }
    this.evict(run.job);
    this.observer?.jobChanged(run.job);
  }

  private applyMarkSuccess(command: RunMarkSuccessCommand): ApplyResult {
    const jobState = this.trigger.jobs.get(command.job);
    const source = this.jobs();
    if (source === null || source.job(command.job) === undefined || jobState === undefined) return fail(`job '${command.job}' does not exist`);
    const key = `${command.job}@success:${command.id}`;
    if (jobState.onDemandKeys.has(key)) return ok('duplicate');
    jobState.onDemandKeys.add(key);
    recordSuccess(this.statsFor(command.job), command.nowMs, null, this.options.elapsedSamples);
    this.fire(source.recordMarkedSuccess(command.job, key), command.nowMs);
    this.observer?.jobChanged(command.job);
    return ok('applied');
  }

  /** Creates the run of every firing child (disabled children only had their counts moved). */
  private fire(firings: readonly Firing[], nowMs: number): void {
    const source = this.jobs();
    if (source === null) return;
    for (const firing of firings) {
      const child = source.job(firing.child);
      if (!firing.enqueue || child === undefined) continue;
      const view = { name: child.name, schedule: null, epsilonMs: epsilonMsOf(child), disabled: child.disabled, concurrent: child.concurrent };
      const trigger = dependencyTrigger(firing.satisfiedBy.map((s) => s.runKey));
      const decision = onDemandRun(view, this.trigger.jobs.get(child.name), trigger, nowMs);
      if (decision.ok) this.applyTrigger(decision.command);
    }
  }

  /** The first ms at or after `fromMs` that no recorded run of the job uses for its task ids. */
  private freeTaskDue(job: string, fromMs: number): number {
    const used = new Set<number>();
    for (const key of this.jobRuns.get(job) ?? []) {
      const run = this.runs.get(key);
      if (run !== undefined) used.add(run.taskDueMs);
    }
    let due = fromMs;
    while (used.has(due)) due += 1;
    return due;
  }

  private statsFor(job: string): JobRunStats {
    let stats = this.statsByJob.get(job);
    if (stats === undefined) {
      stats = emptyStats();
      this.statsByJob.set(job, stats);
    }
    return stats;
  }

  /** Drops the oldest finished runs beyond the history limit (active runs are never dropped). */
  private evict(job: string): void {
    const keys = this.jobRuns.get(job);
    if (keys === undefined) return;
    let excess = keys.length - this.options.historyLimit;
    if (excess <= 0) return;
    const kept: string[] = [];
    for (const key of keys) {
      if (excess > 0 && !this.activeKeys.has(key)) {
        this.forget(key);
        excess -= 1;
      } else kept.push(key);
    }
    this.jobRuns.set(job, kept);
  }

  private forget(key: string): void {
    const run = this.runs.get(key);
    if (run === undefined) return;
    for (const taskId of run.taskIds) this.byTask.delete(taskId);
    // An on-demand key only dedupes proposals repeated around a failover; once its run has left
    // the history it is dropped too, so the set stays bounded like the history.
    if (run.cause !== 'schedule') this.trigger.jobs.get(run.job)?.onDemandKeys.delete(key);
    this.runs.delete(key);
    this.activeKeys.delete(key);
  }

  // ---- snapshots ---------------------------------------------------------------------------

  toSnapshot(): RunsSnapshot {
    return {
      trigger: toTriggerSnapshot(this.trigger),
      runs: [...this.runs.values()],
      jobRuns: [...this.jobRuns],
      stats: [...this.statsByJob],
      frameworkId: this.frameworkId,
    };
  }

  restore(data: unknown): void {
    const snapshot = (data ?? null) as RunsSnapshot | null;
    this.trigger = snapshot === null ? createTriggerState() : fromTriggerSnapshot(snapshot.trigger);
    this.runs.clear();
    this.byTask.clear();
    this.activeKeys.clear();
    this.jobRuns.clear();
    this.statsByJob.clear();
    this.frameworkId = snapshot?.frameworkId ?? null;
    if (snapshot === null) return;
    for (const run of snapshot.runs) {
      this.runs.set(run.key, run);
      for (const taskId of run.taskIds) this.byTask.set(taskId, run.key);
      if (!FINAL_RUN_STATES.has(run.machine.value)) this.activeKeys.add(run.key);
    }
    for (const [job, keys] of snapshot.jobRuns) this.jobRuns.set(job, [...keys]);
    for (const [job, stats] of snapshot.stats) this.statsByJob.set(job, { ...stats, elapsedSeconds: [...stats.elapsedSeconds] });
  }
}
