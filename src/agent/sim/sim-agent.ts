/**
 * Simulated agents: the real master link (master-link.ts, same protocol, same fencing) in
 * front of a fake task runner. A task answers `runTask` with TASK_RUNNING, then TASK_FINISHED
 * after a configurable duration (or when the test says so); `killTask` ends it TASK_KILLED.
 * Updates stay pending until acknowledged and are re-sent after every (re-)registration.
 * Nothing is written to disk; all timers of all agents share one TimerWheel.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/log.js';
import type { ReportedTask, WireResource } from '../../protocol/messages.js';
import { pendingHeads, type HelloForm } from '../daemon/reports.js';
import { TaskDigest } from '../../protocol/task-digest.js';
import { parseResources, withDefaults } from '../daemon/resources.js';
import { MasterLink, type Dialer, type HelloBody, type LinkHost, type MasterCommand } from '../daemon/master-link.js';
import type { StatusUpdate, TaskSpec, TaskStateName } from '../types.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { TimerWheel } from './timer-wheel.js';

export interface SimAgentOptions {
  masters: readonly string[];
  /** Unique per agent (also its hostname unless `hostname` is given). */
  name: string;
  hostname?: string;
  /** Mesos resource text; missing cpus/mem/disk/ports get 4 / 8192 / 20000 / [31000-32000]. */
  resources?: string;
  attributes?: Record<string, string>;
  /** How long a task runs before TASK_FINISHED; null: until `finish()` or a kill. Default 1 s. */
  taskDurationMs?: number | null | ((task: TaskSpec) => number | null);
  /** The agents' clock: a TimerWheel in benches, a virtual clock in simulations. */
  wheel: Clock;
  dial?: Dialer;
  /** Uniform draw in [0, 1) for the link's backoff jitter (simulations pass a seeded one). */
  random?: () => number;
  /** Keep standby links to the other masters (MasterLinkOptions.standby). */
  standby?: boolean;
  log?: Logger;
}

interface SimTask {
  spec: TaskSpec;
  resources: WireResource[];
  state: TaskStateName;
  finishTimer: TimerHandle | null;
  /** Its unacknowledged updates: a terminal task is reported while it has any. */
  pendingCount: number;
}

const TERMINAL = new Set<TaskStateName>(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE']);

/** A hello reports live tasks and terminal ones whose updates are not all acknowledged. */
function isReported(task: SimTask): boolean {
  return !TERMINAL.has(task.state) || task.pendingCount > 0;
}

export class SimAgent implements LinkHost {
  private currentLink: MasterLink;
  readonly resources: WireResource[];
  private readonly tasks = new Map<string, SimTask>();
  /** Unacknowledged updates in the order they were made. */
  private readonly pending = new Map<string, StatusUpdate>();
  /** The digest of the tasks a hello reports (task-digest.ts), kept as they change: a fleet of
   * thousands computing it afresh at a takeover spent a quarter of its hello time on it. */
  private readonly reported = new TaskDigest();
  private storedId: string | undefined;
  private stopped = false;
  private restarts = 0;
  /** Every update this agent made, for tests and benches. */
  readonly updatesMade: StatusUpdate[] = [];
  onShutdown: (reason: string) => void = () => {};

  constructor(private readonly options: SimAgentOptions) {
    this.resources = withDefaults(parseResources(options.resources ?? ''), { cpus: 4, memMb: 8192, diskMb: 20_000 });
    this.currentLink = this.newLink(0);
  }

  private newLink(highestTerm: number): MasterLink {
    const { options } = this;
    return new MasterLink({
      masters: options.masters,
      host: this,
      clock: options.wheel,
      highestTerm,
      ...(options.dial ? { dial: options.dial } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.standby ? { standby: true } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** The link to the leading master (a new one after `restart`). */
  get link(): MasterLink {
    return this.currentLink;
  }

  get agentId(): string | undefined {
    return this.storedId;
  }

  /**
   * A crash and restart of the agent process, as recovery from checkpoints would leave it: the
   * link is dropped and, after `downMs`, a new one dials with the highest term seen so far; the
   * agent id, the tasks (executors outlive the agent) and unacknowledged updates are kept.
   */
  restart(downMs: number): void {
    if (this.stopped) return;
    // A crash while still down from an earlier one: only the latest restart brings a link up.
    const generation = ++this.restarts;
    const crashed = this.currentLink;
    const highestTerm = crashed.highestTerm;
    void crashed.stop();
    this.options.wheel.setTimer(downMs, () => {
      if (this.stopped || generation !== this.restarts) return;
      this.currentLink = this.newLink(highestTerm);
      this.currentLink.start();
    });
  }

  start(): void {
    this.link.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks.values()) task.finishTimer?.cancel();
    await this.link.stop();
  }

  /** Ends a running task now with `state` (default TASK_FINISHED). */
  finish(taskId: string, state: TaskStateName = 'TASK_FINISHED'): boolean {
    const task = this.tasks.get(taskId);
    if (!task || TERMINAL.has(task.state)) return false;
    this.transition(task, state);
    return true;
  }

  taskStates(): Record<string, TaskStateName> {
    return Object.fromEntries([...this.tasks].map(([id, t]) => [id, t.state]));
  }

  pendingUpdates(): number {
    return this.pending.size;
  }

  describe(form?: HelloForm): HelloBody {
    if (form === 'digest' && this.storedId !== undefined && this.reported.size > 0) {
      return { agentId: this.storedId, ...this.identity(), tasks: [], digest: this.reported.value() };
    }
    // `pending` keeps the order updates were made in, so per task the oldest comes first.
    const heads = pendingHeads(this.pending.values());
    const tasks: ReportedTask[] = [...this.tasks.values()]
      .filter((t) => !TERMINAL.has(t.state) || heads.has(t.spec.taskId))
      .map((t) => {
        const pending = heads.get(t.spec.taskId);
        return { spec: t.spec, state: t.state, resources: t.resources, ...(pending !== undefined ? { pending } : {}) };
      });
    return { ...(this.storedId ? { agentId: this.storedId } : {}), ...this.identity(), tasks };
  }

  private identity(): Pick<HelloBody, 'hostname' | 'httpAddress' | 'resources' | 'attributes'> {
    return {
      hostname: this.options.hostname ?? this.options.name,
      httpAddress: `${this.options.hostname ?? '127.0.0.1'}:0`,
      resources: this.resources,
      attributes: this.options.attributes ?? {},
    };
  }

  registered(agentId: string, info: { recorded: ReadonlySet<string>; unrelayed?: ReadonlySet<string> }): void {
    this.storedId = agentId;
    // Re-send every unacknowledged update (the real agent sends each task's oldest; the master
    // copes with both) but those the leader has recorded, or whose framework it cannot relay to,
    // now. Simulated agents have no retry timer: a re-registration is their only re-send.
    for (const update of this.pending.values()) {
      if (!info.recorded.has(update.uuid) && info.unrelayed?.has(update.frameworkId) !== true) this.link.sendStatus(update);
    }
  }

  saveHighestTerm(): void {
    // In memory only: the link keeps the highest term for the simulated agent's life.
  }

  command(command: MasterCommand): void {
    switch (command.t) {
      case 'runTask':
        return this.run(command.task, command.resources);
      case 'killTask': {
        const task = this.tasks.get(command.taskId);
        if (task && !TERMINAL.has(task.state)) this.transition(task, 'TASK_KILLED');
        return;
      }
      case 'ack': {
        const update = this.pending.get(command.uuid);
        if (!update) return;
        this.pending.delete(command.uuid);
        const task = this.tasks.get(update.taskId);
        if (!task) return;
        const wasReported = isReported(task);
        task.pendingCount--;
        if (wasReported && !isReported(task)) this.reported.remove(task.spec.frameworkId, task.spec.taskId, task.state);
        return;
      }
      case 'shutdownFramework':
        for (const task of this.tasks.values()) {
          if (task.spec.frameworkId === command.frameworkId && !TERMINAL.has(task.state)) this.transition(task, 'TASK_KILLED');
        }
        return;
      case 'shutdown':
        this.onShutdown(command.reason);
        void this.stop();
        return;
    }
  }

  private run(spec: TaskSpec, resources: WireResource[]): void {
    if (this.tasks.has(spec.taskId) || this.stopped) return;
    const task: SimTask = { spec, resources, state: 'TASK_STAGING', finishTimer: null, pendingCount: 0 };
    this.tasks.set(spec.taskId, task);
    this.reported.add(spec.frameworkId, spec.taskId, task.state);
    this.transition(task, 'TASK_RUNNING');
    const duration = this.durationOf(spec);
    if (duration !== null) task.finishTimer = this.options.wheel.setTimer(duration, () => this.finish(spec.taskId));
  }

  private durationOf(spec: TaskSpec): number | null {
    const d = this.options.taskDurationMs;
    if (typeof d === 'function') return d(spec);
    return d === undefined ? 1_000 : d;
  }

  private transition(task: SimTask, state: TaskStateName): void {
    // With the update made below pending, the task is reported in its new state.
    if (isReported(task)) this.reported.remove(task.spec.frameworkId, task.spec.taskId, task.state);
    task.state = state;
    task.pendingCount++;
    this.reported.add(task.spec.frameworkId, task.spec.taskId, state);
    if (TERMINAL.has(state)) {
      task.finishTimer?.cancel();
      task.finishTimer = null;
    }
    const update: StatusUpdate = {
      uuid: randomUUID(),
      taskId: task.spec.taskId,
      frameworkId: task.spec.frameworkId,
      state,
      timestampMs: this.options.wheel.nowMs(),
      ...(state === 'TASK_FINISHED' ? { exitStatus: 0 } : {}),
    };
    this.pending.set(update.uuid, update);
    this.updatesMade.push(update);
    this.link.sendStatus(update);
  }
}

export interface SimFleetOptions extends Omit<SimAgentOptions, 'name' | 'wheel'> {
  count: number;
  /** Agent names are `${prefix}${i}` (default "sim-"). */
  prefix?: string;
  tickMs?: number;
}

/** Many simulated agents on one timer wheel. */
export class SimFleet {
  readonly wheel: TimerWheel;
  readonly agents: SimAgent[];

  constructor(options: SimFleetOptions) {
    this.wheel = new TimerWheel(options.tickMs ?? 10);
    const { count, prefix, tickMs: _tickMs, ...agentOptions } = options;
    this.agents = Array.from({ length: count }, (_, i) => new SimAgent({ ...agentOptions, name: `${prefix ?? 'sim-'}${i + 1}`, wheel: this.wheel }));
  }

  start(): void {
    for (const agent of this.agents) agent.start();
  }

  registered(): number {
    return this.agents.filter((a) => a.link.state === 'registered').length;
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
    this.wheel.stop();
  }
}
