/**
 * The run side of Chronos on the leading master (a thin shell over replicated state):
 *   - the TriggerEngine (one heap timer) over every tracked job, proposing due runs as
 *     `run.batch` entries BEFORE anything launches;
 *   - the built-in framework (offers → launches, updates → run events);
 *   - a tick that re-derives every timer from replicated run state (epsilon start window,
 *     maxCompletionTime, retry back-off), sends kills the run machines decided, skips queued
 *     runs of disabled jobs and, when the registry is at hand, catches up task states whose
 *     updates were lost across a failover;
 *   - ChronosRunner for the REST API (manual runs, mark-success, kill, events, history, stats).
 * Nothing here is remembered across leaderships: a new leader starts from the log.
 */
import type { JobRunEvent } from '../../actors/job-run.machine.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { SchedulerPort } from '../../master/leader/scheduler-port.js';
import type { RegistryView } from '../../master/registry/types.js';
import { TriggerEngine } from '../engine/index.js';
import type { ChronosJob } from '../model/index.js';
import type { JobStore } from '../state/jobs.js';
import { jobSetDisabled, type JobSetDisabledCommand } from '../state/jobs-commands.js';
import { FINAL_RUN_STATES, type RunCreateCommand, type RunEntry, type RunsCommand, type RunsPart } from '../state/runs.js';
import { percentilesOf } from '../state/runs-stats.js';
import { eventTrigger, manualTrigger, nextDueMs, onDemandRun, triggerJobOf, type OnDemandTrigger, type TriggerJob } from '../trigger/index.js';
import { RejectedCommand } from './errors.js';
import { ChronosFramework } from './framework.js';
import type { ChronosRunner, JobStats, RunRecord } from './port.js';
import { runEventForTaskState } from './task-status.js';
import type { WebhookNotifier } from './webhook.js';

export interface RunServiceDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly part: RunsPart;
  readonly jobs: JobStore;
  readonly port: () => SchedulerPort | null;
  readonly registry?: RegistryView | undefined;
  /** Appends one command; resolves with the apply result ({ok, value} or {ok:false, error}). */
  readonly propose: (command: RunsCommand | JobSetDisabledCommand) => Promise<unknown>;
  /** Disable a job after this many final failures since its last success; 0 = never (Chronos' default). */
  readonly disableAfterFailures?: number;
  readonly webhook: WebhookNotifier;
  /** Distinguishes request ids minted by different replicas. */
  readonly replicaId: string;
  readonly tickMs?: number;
}

type ApplyOutcome = { ok: true; value?: unknown } | { ok: false; error: string };

export class ChronosRunService implements ChronosRunner {
  readonly engine: TriggerEngine;
  readonly framework: ChronosFramework;
  private running = false;
  private tickTimer: TimerHandle | null = null;
  private requestSeq = 0;
  private readonly inFlight = new Set<string>();
  private readonly lastKillMs = new Map<string, number>();
  private readonly views = new Map<string, { version: number; view: TriggerJob }>();

  constructor(private readonly deps: RunServiceDeps) {
    this.engine = new TriggerEngine({
      clock: deps.clock,
      source: {
        jobs: () => this.trackedViews(),
        job: (name) => this.view(name),
        state: () => deps.part.triggerState(),
      },
      propose: (commands) => this.proposeChecked({ t: 'run.batch', commands }),
      onProposalError: (error) => deps.logger.debug({ err: error }, 'chronos trigger proposal failed; recomputing'),
    });
    this.framework = new ChronosFramework({
      clock: deps.clock,
      logger: deps.logger,
      part: deps.part,
      job: (name) => deps.jobs.job(name),
      port: deps.port,
      registry: deps.registry,
      propose: (command) => this.proposeChecked(command),
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Leadership gained and the state caught up. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.engine.start();
    this.framework.start();
    this.scheduleTick();
  }

  /** Leadership lost (or shutdown): forget everything local. */
  stop(): void {
    this.running = false;
    this.engine.stop();
    this.framework.stop();
    this.tickTimer?.cancel();
    this.tickTimer = null;
    this.inFlight.clear();
    this.lastKillMs.clear();
  }

  /** Replicated-state hooks (called on every replica; act only while leading). */
  jobChanged(name: string): void {
    this.views.delete(name);
    if (this.running) this.engine.jobChanged(name);
  }

  runChanged(run: RunEntry, before: string | null): void {
    if (!this.running) return;
    // Called inside apply: react once the apply has returned.
    queueMicrotask(() => this.reactToRun(run, before));
  }

  private reactToRun(run: RunEntry, before: string | null): void {
    if (!this.running) return;
    const state = run.machine.value;
    if (FINAL_RUN_STATES.has(state) && (before === null || !FINAL_RUN_STATES.has(before))) this.maybeAutoDisable(run);
    if (state === 'queued') this.framework.revive();
    if (state === 'killing' && before !== 'killing') this.sendKill(run);
    if (state === 'failed' && before !== 'failed') {
      const job = this.deps.jobs.job(run.job);
      if (job !== undefined) this.deps.webhook.notify(`${run.key}:failed`, 'failed', job, run.machine.context.lastError ?? 'failed');
    }
  }

  /**
   * Chronos disables a job itself when its finite schedule is exhausted (`Rn` done, the last run
   * final; jobs that also wait on events stay enabled) and, with `disableAfterFailures` N > 0,
   * after N final failures since its last success.
   */
  private maybeAutoDisable(run: RunEntry): void {
    const job = this.deps.jobs.job(run.job);
    if (job === undefined || job.disabled) return;
    const view = this.view(run.job);
    const jobState = this.deps.part.triggerState().jobs.get(run.job);
    const exhausted = view?.schedule != null && job.events.length === 0 && jobState !== undefined && jobState.activeRuns.size === 0 && nextDueMs(view, jobState) === null;
    const limit = this.deps.disableAfterFailures ?? 0;
    const failing = limit > 0 && run.machine.value === 'failed' && this.deps.part.stats(run.job).errorsSinceLastSuccess >= limit;
    if (!exhausted && !failing) return;
    this.proposeOnce(`${run.job}:disable:${run.key}`, jobSetDisabled(run.job, true, this.deps.clock.nowMs()));
  }

  jobDisabledOrDeleted(kind: 'disabled' | 'deleted', job: ChronosJob, index: number): void {
    if (!this.running) return;
    this.deps.webhook.notify(`${job.name}:${kind}:${index}`, kind, job, kind === 'deleted' ? '' : `job '${job.name}' was disabled`);
    if (kind === 'deleted') for (const run of this.deps.part.runsOf(job.name)) if (!FINAL_RUN_STATES.has(run.machine.value)) this.requestKill(run, 'job deleted');
  }

  // ---- ChronosRunner -----------------------------------------------------------------------

  async runNow(jobName: string, args?: string[]): Promise<RunRecord> {
    const job = this.mustJob(jobName);
    const nowMs = this.deps.clock.nowMs();
    const trigger = manualTrigger(this.requestId(nowMs));
    const decision = onDemandRun(this.cheapView(job), this.deps.part.triggerState().jobs.get(jobName), trigger, nowMs);
    if (!decision.ok) return droppedRecord(jobName, 'manual', nowMs, decision.reason);
    const command: RunCreateCommand = { ...decision.command, args: args === undefined ? null : [...args] };
    await this.proposeChecked(command);
    const run = this.deps.part.run(command.key);
    return run === undefined ? droppedRecord(jobName, 'manual', nowMs, 'running') : toRunRecord(run);
  }

  async markSuccess(jobName: string): Promise<void> {
    this.mustJob(jobName);
    const nowMs = this.deps.clock.nowMs();
    await this.proposeChecked({ t: 'run.markSuccess', job: jobName, id: this.requestId(nowMs), nowMs });
  }

  async killJobTasks(jobName: string): Promise<void> {
    this.mustJob(jobName);
    const runs = this.deps.part.runsOf(jobName).filter((run) => !FINAL_RUN_STATES.has(run.machine.value));
    await Promise.all(runs.map((run) => this.proposeEvent(run, 'run.killRequested', 'killed by request')));
  }

  async fireEvent(event: string, payload: Record<string, string>): Promise<RunRecord[]> {
    const nowMs = this.deps.clock.nowMs();
    const eventId = this.requestId(nowMs);
    const commands: RunCreateCommand[] = [];
    for (const name of this.deps.jobs.waitingOn(event)) {
      const job = this.deps.jobs.job(name);
      if (job === undefined) continue;
      const trigger: OnDemandTrigger = eventTrigger(event, eventId);
      const decision = onDemandRun(this.cheapView(job), this.deps.part.triggerState().jobs.get(name), trigger, nowMs);
      if (decision.ok) commands.push({ ...decision.command, env: { ...payload, KAIROS_EVENT: event, KAIROS_EVENT_ID: eventId } });
    }
    if (commands.length === 0) return [];
    await this.proposeChecked({ t: 'run.batch', commands });
    return commands.flatMap((command) => {
      const run = this.deps.part.run(command.key);
      return run === undefined ? [] : [toRunRecord(run)];
    });
  }

  /**
   * Chronos 2.x async jobs (spec §3.7): `PUT /scheduler/task/{taskId}` with `statusCode` 0 ends
   * the task's run as a success (children fire), anything else as a failure (retries apply).
   * Unknown or no-longer-current task ids are ignored, as Chronos does.
   */
  async completeAsyncTask(taskId: string, statusCode: number): Promise<void> {
    const run = this.deps.part.runOfTask(taskId);
    if (run === undefined || run.machine.context.taskId !== taskId) return;
    const nowMs = this.deps.clock.nowMs();
    const event: JobRunEvent = statusCode === 0 ? { type: 'run.succeeded', nowMs } : { type: 'run.failed', nowMs, message: `async task reported status ${statusCode}` };
    await this.proposeChecked({ t: 'run.event', key: run.key, taskId, event, exitStatus: statusCode }).catch((error: unknown) => {
      if (!(error instanceof RejectedCommand)) throw error;
    });
  }

  history(jobName: string): RunRecord[] {
    return this.deps.part.runsOf(jobName).map(toRunRecord);
  }

  stats(jobName: string): JobStats {
    return statsOf(this.deps.part, jobName);
  }

  // ---- the tick: timers and reconciliation from replicated state ---------------------------

  private scheduleTick(): void {
    if (!this.running) return;
    this.tickTimer = this.deps.clock.setTimer(this.deps.tickMs ?? 250, () => {
      this.tickTimer = null;
      try {
        this.tick();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'chronos run tick failed');
      }
      this.scheduleTick();
    });
  }

  tick(): void {
    if (!this.running) return;
    const nowMs = this.deps.clock.nowMs();
    this.framework.ensureSubscribed();
    const frameworkId = this.deps.part.frameworkId;
    for (const run of this.deps.part.activeRuns()) {
      const context = run.machine.context;
      const state = run.machine.value;
      const job = this.deps.jobs.job(run.job);
      if (state === 'queued' && (job === undefined || job.disabled)) {
        this.proposeOnce(`${run.key}:disabled`, { t: 'run.event', key: run.key, event: { type: 'run.skipped', nowMs, reason: job === undefined ? 'deleted' : 'disabled' } });
        continue;
      }
      const deadline = context.deadline;
      if (deadline !== null && deadline.atMs <= nowMs) {
        // Deadlines only name timeout events (startTimeout, completionTimeout, retryDue).
        const event = { type: deadline.event, nowMs } as JobRunEvent;
        this.proposeOnce(`${run.key}:${deadline.event}@${deadline.atMs}`, { t: 'run.event', key: run.key, event });
      }
      if (state === 'killing') this.sendKill(run);
      const registry = this.deps.registry;
      if (registry !== undefined && frameworkId !== null && context.taskId !== null && (state === 'launching' || state === 'running' || state === 'killing')) {
        const task = registry.task(frameworkId, context.taskId);
        if (task === undefined) continue;
        const message = task.statuses[task.statuses.length - 1]?.message ?? null;
        const next = runEventForTaskState(run, task.state, message, nowMs, job?.async === true);
        if (next !== null) {
          const command: RunsCommand = { t: 'run.event', key: run.key, taskId: context.taskId, event: next.event, exitStatus: next.exitStatus, message };
          this.proposeOnce(`${context.taskId}:${task.state}`, command);
        }
      }
    }
  }

  private sendKill(run: RunEntry): void {
    const { taskId, agentId } = run.machine.context;
    if (taskId === null || agentId === null) return;
    const nowMs = this.deps.clock.nowMs();
    if (nowMs - (this.lastKillMs.get(taskId) ?? 0) < 5_000) return;
    this.lastKillMs.set(taskId, nowMs);
    this.framework.kill(taskId, agentId);
  }

  private requestKill(run: RunEntry, reason: string): void {
    this.proposeEvent(run, 'run.killRequested', reason).catch((error: unknown) => this.deps.logger.warn({ err: error, run: run.key }, 'could not kill a chronos run'));
  }

  private proposeEvent(run: RunEntry, type: 'run.killRequested', reason: string): Promise<unknown> {
    return this.proposeChecked({ t: 'run.event', key: run.key, event: { type, nowMs: this.deps.clock.nowMs(), reason } }).catch((error: unknown) => {
      // A run that finished meanwhile does not take the kill: nothing to do.
      if (error instanceof RejectedCommand) return undefined;
      throw error;
    });
  }

  private proposeOnce(key: string, command: RunsCommand | JobSetDisabledCommand): void {
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    this.deps
      .propose(command)
      .catch((error: unknown) => this.deps.logger.debug({ err: error, key }, 'chronos run proposal failed'))
      .finally(() => this.inFlight.delete(key));
  }

  /** Proposes and turns an applied `{ok:false}` into a RejectedCommand error. */
  private async proposeChecked(command: RunsCommand): Promise<unknown> {
    const result = (await this.deps.propose(command)) as ApplyOutcome | undefined;
    if (result !== undefined && result !== null && typeof result === 'object' && 'ok' in result && result.ok === false) throw new RejectedCommand(result.error);
    return result;
  }

  // ---- job views ---------------------------------------------------------------------------

  private *trackedViews(): Iterable<TriggerJob> {
    for (const name of [...this.deps.part.trackedJobs()]) {
      const view = this.view(name);
      if (view !== undefined) yield view;
    }
  }

  /** The trigger's view of a stored job, parsed once per job version. */
  private view(name: string): TriggerJob | undefined {
    const stored = this.deps.jobs.get(name);
    if (stored === undefined) return undefined;
    const cached = this.views.get(name);
    if (cached !== undefined && cached.version === stored.version) return cached.view;
    let view: TriggerJob;
    try {
      view = triggerJobOf(stored.job, stored.createdAtMs);
    } catch (error) {
      this.deps.logger.warn({ err: error, job: name }, 'stored chronos schedule does not parse; the job will not fire');
      view = { ...this.cheapView(stored.job), schedule: null };
    }
    this.views.set(name, { version: stored.version, view });
    return view;
  }

  private cheapView(job: ChronosJob): TriggerJob {
    return { name: job.name, schedule: null, epsilonMs: 0, disabled: job.disabled, concurrent: job.concurrent };
  }

  private mustJob(name: string): ChronosJob {
    const job = this.deps.jobs.job(name);
    if (job === undefined) throw new ValidationError('name', `Job '${name}' not found`);
    return job;
  }

  private requestId(nowMs: number): string {
    this.requestSeq += 1;
    return `${nowMs}-${this.deps.replicaId}-${this.requestSeq}`;
  }
}


export function toRunRecord(run: RunEntry): RunRecord {
  const context = run.machine.context;
  const started = context.startedAtMs ?? context.launchedAtMs;
  const agentId = context.agentId ?? undefined;
  const message = run.message ?? context.lastError ?? context.endReason ?? undefined;
  return {
    runId: run.key,
    jobName: run.job,
    cause: run.cause,
    scheduledAtMs: run.scheduledAtMs,
    ...(started !== null ? { startedAtMs: started } : {}),
    ...(context.finishedAtMs !== null ? { finishedAtMs: context.finishedAtMs } : {}),
    state: run.machine.value,
    attempt: context.attempt,
    taskIds: [...run.taskIds],
    ...(agentId !== undefined ? { agentId } : {}),
    ...(run.exitStatus !== null ? { exitStatus: run.exitStatus } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

function droppedRecord(jobName: string, cause: RunRecord['cause'], nowMs: number, reason: string): RunRecord {
  return { runId: '', jobName, cause, scheduledAtMs: nowMs, state: 'skipped', attempt: 0, taskIds: [], message: `dropped: ${reason}` };
}

/** Chronos' counters, percentiles and queue state of a job (any replica can answer). */
export function statsOf(part: RunsPart, jobName: string): JobStats {
  const stats = part.stats(jobName);
  const p = percentilesOf(stats.elapsedSeconds);
  let state = 'idle';
  for (const run of part.runsOf(jobName)) {
    const value = run.machine.value;
    if (value === 'launching' || value === 'running' || value === 'killing') {
      state = 'running';
      break;
    }
    if (value === 'queued' || value === 'retrying') state = 'queued';
  }
  return {
    successCount: stats.successCount,
    errorCount: stats.errorCount,
    lastSuccess: stats.lastSuccessMs === null ? '' : new Date(stats.lastSuccessMs).toISOString(),
    lastError: stats.lastErrorMs === null ? '' : new Date(stats.lastErrorMs).toISOString(),
    errorsSinceLastSuccess: stats.errorsSinceLastSuccess,
    percentiles: p === null ? null : { p75: p.p75, p95: p.p95, p98: p.p98, p99: p.p99, median: p.median },
    state,
  };
}
