/**
 * The agent shell: owns the checkpoint store, the command executor, the status update manager
 * and the kill timers, and runs every event through the pure core (core.ts), performing the
 * effects in order. Events are handled one at a time on a promise queue, so a checkpoint write
 * always completes before the effect that depends on it (spawn, send).
 *
 * `Agent.start` recovers first: it reloads pending status updates (re-sent at once), then
 * classifies each checkpointed, non-terminal task — still running (same pid AND start time),
 * exited (the wrapper recorded a status), gone, or never started — and lets the core decide.
 * `close()` stops the agent without touching tasks, which is what a crash looks like to them.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SystemClock, type Clock, type TimerHandle } from '../lib/clock.js';
import { unreachable } from '../lib/assert.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { CheckpointStore } from './checkpoint/store.js';
import { EMPTY_AGENT_STATE, step, type AgentCoreState, type AgentEffect, type AgentEvent, type RecoveryObservation } from './core.js';
import { detectCgroups, type CgroupController } from './executors/cgroups.js';
import { CommandExecutor, LaunchError } from './executors/command.js';
import type { DockerExecutor } from './executors/docker.js';
import { HealthChecker } from './health-checker.js';
import { isRunning } from './executors/proc.js';
import { rm } from 'node:fs/promises';
import { collectSandboxes, runDirOf, sandboxDirOf } from './sandbox.js';
import { DEFAULT_SANDBOX_GC_POLICY, type SandboxGcPolicy } from './sandbox-gc.js';
import { StatusUpdateManager, type StatusUpdateSink } from './status-updates.js';
import type { RetryPolicy } from './update-streams.js';
import type { StatusUpdate, TaskRecord, TaskSpec } from './types.js';

export interface AgentOptions {
  workDir: string;
  /** Where status updates go (the master connection). */
  sink: StatusUpdateSink;
  clock?: Clock;
  retry?: RetryPolicy;
  /** 'detect' probes /sys/fs/cgroup; null runs tasks without limits. Default 'detect'. */
  cgroups?: 'detect' | CgroupController | null;
  /** /proc poll interval for tasks reattached after a restart. */
  pollIntervalMs?: number;
  /** Runs tasks that carry a container spec; without one they fail to launch, saying why. */
  docker?: DockerExecutor | null;
  /** Extra environment for every task (PATH and the like); MESOS_* are added per task. */
  taskEnv?: Record<string, string>;
  log?: Logger;
}

export class Agent {
  private state: AgentCoreState = EMPTY_AGENT_STATE;
  private queue: Promise<void> = Promise.resolve();
  private readonly killTimers = new Map<string, TimerHandle>();
  private readonly healthCheckers = new Map<string, HealthChecker>();
  private closed = false;

  private constructor(
    private readonly options: AgentOptions,
    private readonly store: CheckpointStore,
    private readonly executor: CommandExecutor,
    readonly updates: StatusUpdateManager,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Opens the checkpoint, recovers tasks and pending updates, and returns a running agent. */
  static async start(options: AgentOptions): Promise<Agent> {
    const clock = options.clock ?? new SystemClock();
    const log = options.log ?? silentLogger();
    const store = await CheckpointStore.open(join(options.workDir, 'checkpoint'));
    const executor = new CommandExecutor({ cgroups: resolveCgroups(options.cgroups ?? 'detect', log), pollIntervalMs: options.pollIntervalMs ?? 250 });
    const updates = new StatusUpdateManager({ sink: options.sink, store, clock, ...(options.retry ? { retry: options.retry } : {}) });
    const agent = new Agent(options, store, executor, updates, clock, log);
    await agent.recover();
    return agent;
  }

  launch(spec: TaskSpec): Promise<void> {
    return this.dispatch({ type: 'launchRequested', spec });
  }

  /** SIGTERM, then SIGKILL after `gracePeriodMs` (default: the task's kill policy, else 3 s). */
  kill(taskId: string, gracePeriodMs?: number): Promise<void> {
    return this.dispatch({ type: 'killRequested', taskId, ...(gracePeriodMs !== undefined ? { gracePeriodMs } : {}) });
  }

  /** The master acknowledged a status update. */
  acknowledge(taskId: string, uuid: string): Promise<boolean> {
    return this.updates.acknowledge(taskId, uuid);
  }

  /** Drops a terminal task's record (after its sandbox is collected). */
  forget(taskId: string): Promise<void> {
    return this.dispatch({ type: 'forget', taskId });
  }

  /**
   * Deletes sandboxes of finished tasks chosen by the GC policy (age, then disk use) and
   * forgets those tasks. A task whose terminal update is not yet acknowledged is kept.
   */
  async collectGarbage(policy: SandboxGcPolicy = DEFAULT_SANDBOX_GC_POLICY): Promise<string[]> {
    const unacknowledged = new Set(this.updates.pending().map((u) => u.taskId));
    const finished = this.tasks().filter((t) => t.phase === 'terminal' && !unacknowledged.has(t.spec.taskId));
    const byPath = new Map(finished.map((t) => [this.sandboxDirOf(t.spec), t.spec.taskId]));
    const deleted = await collectSandboxes([...byPath.keys()].map((path) => ({ path })), this.clock.nowMs(), policy);
    for (const path of deleted) {
      const taskId = byPath.get(path);
      if (taskId === undefined) continue;
      await rm(runDirOf(this.options.workDir, taskId), { recursive: true, force: true });
      await this.forget(taskId);
    }
    return deleted;
  }

  task(taskId: string): TaskRecord | undefined {
    return this.state.tasks[taskId];
  }

  tasks(): TaskRecord[] {
    return Object.values(this.state.tasks);
  }

  sandboxDirOf(spec: Pick<TaskSpec, 'frameworkId' | 'taskId'>): string {
    return sandboxDirOf(this.options.workDir, spec.frameworkId, spec.taskId);
  }

  agentId(): Promise<string | null> {
    return this.store.agentId();
  }

  setAgentId(agentId: string): Promise<void> {
    return this.store.setAgentId(agentId);
  }

  /** Highest master term seen (checkpointed, for fencing commands of deposed leaders). */
  highestTerm(): Promise<number> {
    return this.store.highestTerm();
  }

  setHighestTerm(term: number): Promise<void> {
    return this.store.setHighestTerm(term);
  }

  /** Stops timers and closes the checkpoint; running tasks are left alone (as in a crash). */
  async close(): Promise<void> {
    this.closed = true;
    this.options.docker?.abandon();
    await this.queue;
    this.updates.stop();
    for (const timer of this.killTimers.values()) timer.cancel();
    this.killTimers.clear();
    for (const checker of this.healthCheckers.values()) checker.stop();
    this.healthCheckers.clear();
    await this.store.close();
  }

  private async recover(): Promise<void> {
    const resent = await this.updates.recover();
    const records = await this.store.loadTasks();
    for (const record of records) {
      await this.dispatch({ type: 'recovered', record, observation: await this.observe(record) });
    }
    this.log.info({ tasks: records.length, resentUpdates: resent }, 'agent recovered');
  }

  private async observe(record: TaskRecord): Promise<RecoveryObservation> {
    if (record.spec.container) return this.observeContainer(record);
    const runDir = runDirOf(this.options.workDir, record.spec.taskId);
    if (record.process && isRunning(record.process)) return { kind: 'running' };
    if (!record.process && record.phase === 'launching') {
      const found = this.executor.findLaunched(runDir, record.spec.taskId);
      if (found) return { kind: 'running', process: found };
    }
    const exit = this.executor.recordedExit(runDir, record.containerId);
    if (exit) return { kind: 'exited', exit };
    return record.process ? { kind: 'gone' } : { kind: 'neverStarted' };
  }

  /** A container that exited while the agent was down still exists (nobody removed it). */
  private async observeContainer(record: TaskRecord): Promise<RecoveryObservation> {
    if (!record.containerId) return { kind: 'neverStarted' };
    const state = await this.options.docker?.inspectState(record.containerId);
    if (!state) return { kind: 'gone' };
    if (state.running) return { kind: 'running' };
    await this.options.docker?.reap(record.containerId);
    return { kind: 'exited', exit: state.exit };
  }

  private dispatch(event: AgentEvent): Promise<void> {
    const run = this.queue.then(() => this.apply(event));
    this.queue = run.catch((error: unknown) => this.log.error({ err: error, event: event.type }, 'agent event failed'));
    return run;
  }

  /** Steps the core and performs its effects; nested events are applied inline, in order. */
  private async apply(event: AgentEvent): Promise<void> {
    if (this.closed && event.type !== 'recovered') return;
    const { state, effects } = step(this.state, event);
    this.state = state;
    for (const effect of effects) await this.perform(effect);
  }

  private async perform(effect: AgentEffect): Promise<void> {
    switch (effect.type) {
      case 'checkpointTask':
        return this.store.putTask(effect.record);
      case 'deleteTask':
        return this.store.deleteTask(effect.taskId);
      case 'startProcess':
        return this.startProcess(effect.spec);
      case 'watchProcess':
        return this.watchProcess(effect.record);
      case 'signal':
        this.executor.signal(effect.process, effect.signal);
        return;
      case 'stopContainer':
        // Not awaited: docker stop blocks for the grace period; the exit arrives as an event.
        void this.options.docker?.stop(effect.containerId, effect.gracePeriodMs);
        return;
      case 'armKillTimer':
        this.killTimers.get(effect.taskId)?.cancel();
        this.killTimers.set(effect.taskId, this.clock.setTimer(effect.delayMs, () => void this.dispatch({ type: 'killGraceExpired', taskId: effect.taskId })));
        return;
      case 'cancelKillTimer':
        this.killTimers.get(effect.taskId)?.cancel();
        this.killTimers.delete(effect.taskId);
        return;
      case 'startHealthChecks':
        return this.startHealthChecks(effect.taskId);
      case 'stopHealthChecks':
        this.healthCheckers.get(effect.taskId)?.stop();
        this.healthCheckers.delete(effect.taskId);
        return;
      case 'statusUpdate': {
        const { type: _type, ...fields } = effect;
        const update: StatusUpdate = { ...fields, uuid: randomUUID(), timestampMs: this.clock.nowMs() };
        return this.updates.update(update);
      }
      default:
        return unreachable(effect, 'agent effect');
    }
  }

  private async startProcess(spec: TaskSpec): Promise<void> {
    const sandboxDir = this.sandboxDirOf(spec);
    if (spec.container) return this.startContainer(spec, sandboxDir);
    try {
      const watched = await this.executor.launch({ spec, sandboxDir, runDir: runDirOf(this.options.workDir, spec.taskId), baseEnv: this.taskEnv(spec, sandboxDir) });
      await this.apply({ type: 'processStarted', taskId: spec.taskId, process: watched.identity, ...(watched.containerId ? { containerId: watched.containerId } : {}) });
      void watched.exit.then((exit) => this.dispatch({ type: 'processExited', taskId: spec.taskId, exit }));
    } catch (error) {
      if (!(error instanceof LaunchError)) throw error;
      await this.apply({ type: 'launchFailed', taskId: spec.taskId, message: error.message });
    }
  }

  private async startContainer(spec: TaskSpec, sandboxDir: string): Promise<void> {
    try {
      if (!this.options.docker) throw new LaunchError('this agent has no Docker executor (no reachable Docker daemon at start)');
      const watched = await this.options.docker.launch({ spec, sandboxDir, ...(this.options.taskEnv ? { baseEnv: this.options.taskEnv } : {}) });
      await this.apply({ type: 'processStarted', taskId: spec.taskId, containerId: watched.containerId });
      void watched.exit.then((exit) => this.dispatch({ type: 'processExited', taskId: spec.taskId, exit }));
    } catch (error) {
      if (!(error instanceof LaunchError)) throw error;
      await this.apply({ type: 'launchFailed', taskId: spec.taskId, message: error.message });
    }
  }

  private async watchProcess(record: TaskRecord): Promise<void> {
    if (record.spec.container) return this.watchContainer(record);
    const runDir = runDirOf(this.options.workDir, record.spec.taskId);
    const watched = record.process ? this.executor.reattach(record.process, runDir, record.containerId) : null;
    if (watched) {
      void watched.exit.then((exit) => this.dispatch({ type: 'processExited', taskId: record.spec.taskId, exit }));
      return;
    }
    // It ended between the recovery check and now.
    const exit = this.executor.recordedExit(runDir, record.containerId) ?? { status: null };
    await this.apply({ type: 'processExited', taskId: record.spec.taskId, exit });
  }

  private async watchContainer(record: TaskRecord): Promise<void> {
    const docker = this.options.docker;
    const watched = docker && record.containerId ? await docker.reattach(record.containerId, this.sandboxDirOf(record.spec)) : null;
    if (watched) {
      void watched.exit.then((exit) => this.dispatch({ type: 'processExited', taskId: record.spec.taskId, exit }));
      return;
    }
    const state = docker && record.containerId ? await docker.inspectState(record.containerId) : null;
    if (docker && record.containerId) await docker.reap(record.containerId);
    await this.apply({ type: 'processExited', taskId: record.spec.taskId, exit: state && !state.running ? state.exit : { status: null } });
  }

  private startHealthChecks(taskId: string): void {
    const spec = this.state.tasks[taskId]?.spec;
    if (!spec?.healthCheck || this.healthCheckers.has(taskId)) return;
    const sandboxDir = this.sandboxDirOf(spec);
    const checker = new HealthChecker({
      spec: spec.healthCheck,
      sandboxDir,
      env: this.taskEnv(spec, sandboxDir),
      clock: this.clock,
      onDecision: (decision) => {
        if (decision.type === 'report') void this.dispatch({ type: 'healthChanged', taskId, healthy: decision.healthy });
        if (decision.type === 'kill') void this.dispatch({ type: 'healthCheckFailed', taskId, message: decision.reason });
      },
    });
    this.healthCheckers.set(taskId, checker);
    checker.start();
  }

  private taskEnv(spec: TaskSpec, sandboxDir: string): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      ...this.options.taskEnv,
      MESOS_SANDBOX: sandboxDir,
      MESOS_DIRECTORY: sandboxDir,
      MESOS_TASK_ID: spec.taskId,
      MESOS_EXECUTOR_ID: spec.taskId,
      MESOS_FRAMEWORK_ID: spec.frameworkId,
    };
  }
}

function resolveCgroups(choice: 'detect' | CgroupController | null, log: Logger): CgroupController | null {
  if (choice !== 'detect') return choice;
  const detection = detectCgroups();
  if (detection.controller) {
    log.info({ version: detection.controller.version }, 'cgroup limits enabled');
    return detection.controller;
  }
  // Said once, at start: tasks run without cpu/mem limits on this machine.
  log.warn({ reason: detection.reason }, 'cgroup limits unavailable; tasks run without cpu/mem limits');
  return null;
}
