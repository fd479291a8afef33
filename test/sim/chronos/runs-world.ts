/**
 * A simulated control plane for the Chronos run side, over virtual time: the real job store and
 * `run` part (one replicated state: the committed log survives everything), real leader
 * services (ChronosRunService: TriggerEngine + built-in framework + tick) that come and go, and
 * a fake master engine behind the SchedulerPort (offers every second, tasks that run for a
 * while and report STAGING → RUNNING → FINISHED, updates re-sent until acknowledged, a registry
 * that outlives leaders).
 *
 * Leader kills land anywhere — between ACCEPT and `run.launched`, with proposals in flight
 * (each then either still commits, late, or is lost) — and a successor is elected after a
 * delay. The checker compares the committed records with the schedule.
 */
import { encode } from '../../../src/lib/codec.js';
import { silentLogger } from '../../../src/lib/log.js';
import { SeededRng } from '../../../src/lib/rng.js';
import type { SchedulerPort, SchedulerSink, Subscription, V1Call } from '../../../src/master/leader/scheduler-port.js';
import type { RegistryView, TaskEntry } from '../../../src/master/registry/types.js';
import { MasterStateMachine } from '../../../src/master/state/machine.js';
import { installChronosRuns } from '../../../src/chronos/runner/install.js';
import { ChronosRunService } from '../../../src/chronos/runner/service.js';
import { WebhookNotifier } from '../../../src/chronos/runner/webhook.js';
import { JobStore } from '../../../src/chronos/state/jobs.js';
import { jobPut, type JobSetDisabledCommand } from '../../../src/chronos/state/jobs-commands.js';
import type { RunsCommand, RunsPart } from '../../../src/chronos/state/runs.js';
import { SimClock } from '../harness/sim-clock.js';
import { VirtualClock } from '../harness/virtual-clock.js';
import { emptyAmounts, type ResourceAmounts } from '../../../src/master/registry/resources.js';

export const EPOCH_MS = Date.parse('2026-03-01T00:00:00Z');

interface FakeTask {
  readonly taskId: string;
  readonly agentId: string;
  state: string;
  statuses: Array<{ state: string; message?: string }>;
}

/** The master engine as the framework sees it: survives leader changes like the registry does. */
class FakeMaster implements SchedulerPort, RegistryView {
  readonly tasks = new Map<string, FakeTask>();
  readonly launches = new Map<string, number>();
  /** ACCEPTs refused because the task id exists already (a successor re-launching): must stay 0 with a registry. */
  duplicateAccepts = 0;
  private sink: SchedulerSink | null = null;
  private readonly unacked = new Map<string, { taskId: string; state: string }>();
  private offerSeq = 0;
  private uuidSeq = 0;
  up = true;

  constructor(
    private readonly sim: SimClock<() => void>,
    private readonly rng: SeededRng,
  ) {
    this.every(1000, () => this.offer());
    this.every(2000, () => this.resend());
  }

  private every(ms: number, fn: () => void): void {
    this.sim.after(ms, () => {
      fn();
      this.every(ms, fn);
    });
  }

  /** Leadership lost: subscriptions end (the real engine closes every sink). */
  closeSinks(): void {
    this.sink?.close('leadership lost');
    this.sink = null;
  }

  async subscribe(call: V1Call, sink: SchedulerSink): Promise<Subscription> {
    const info = (call.subscribe as { framework_info: { id?: { value: string } } }).framework_info;
    const frameworkId = info.id?.value ?? 'chronos-fw';
    this.sink = sink;
    sink.send({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: frameworkId } } });
    return { frameworkId, streamId: 's', disconnect: () => (this.sink === sink ? (this.sink = null) : undefined) };
  }

  async call(call: V1Call): Promise<void> {
    switch (call.type) {
      case 'ACCEPT': {
        const accept = call.accept as { operations: Array<{ launch: { task_infos: Array<{ task_id: { value: string }; agent_id: { value: string } }> } }> };
        const infos = accept.operations.flatMap((op) => op.launch.task_infos);
        for (const info of infos) {
          if (!this.tasks.has(info.task_id.value)) continue;
          this.duplicateAccepts += 1;
          throw new Error(`duplicate task id ${info.task_id.value}`);
        }
        for (const info of infos) this.launch(info.task_id.value, info.agent_id.value);
        return;
      }
      case 'ACKNOWLEDGE':
        this.unacked.delete((call.acknowledge as { uuid: string }).uuid);
        return;
      case 'KILL':
        this.sim.after(50, () => this.update((call.kill as { task_id: { value: string } }).task_id.value, 'TASK_KILLED'));
        return;
      case 'RECONCILE':
        for (const { task_id } of (call.reconcile as { tasks: Array<{ task_id: { value: string } }> }).tasks) {
          const task = this.tasks.get(task_id.value);
          if (task !== undefined) this.sink?.send({ type: 'UPDATE', update: { status: { task_id, agent_id: { value: task.agentId }, state: task.state } } });
        }
        return;
      default:
        return;
    }
  }

  private launch(taskId: string, agentId: string): void {
    this.launches.set(taskId, (this.launches.get(taskId) ?? 0) + 1);
    this.tasks.set(taskId, { taskId, agentId, state: 'TASK_STAGING', statuses: [{ state: 'TASK_STAGING' }] });
    this.sim.after(this.rng.int(20, 200), () => this.update(taskId, 'TASK_RUNNING'));
    // Tasks of jobs named `flaky…` fail 40% of the time (retries then run across failovers).
    const fails = taskId.includes(':flaky') && this.rng.next() < 0.4;
    this.sim.after(this.rng.int(300, 1500), () => this.update(taskId, fails ? 'TASK_FAILED' : 'TASK_FINISHED'));
  }

  private update(taskId: string, state: string): void {
    const task = this.tasks.get(taskId);
    if (task === undefined || ['TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED'].includes(task.state)) return;
    task.state = state;
    task.statuses.push({ state });
    const uuid = `u${++this.uuidSeq}`;
    this.unacked.set(uuid, { taskId, state });
    this.send(uuid, taskId, state);
  }

  private send(uuid: string, taskId: string, state: string): void {
    const task = this.tasks.get(taskId)!;
    this.sink?.send({ type: 'UPDATE', update: { status: { task_id: { value: taskId }, agent_id: { value: task.agentId }, state, uuid } } });
  }

  private resend(): void {
    for (const [uuid, { taskId, state }] of this.unacked) this.send(uuid, taskId, state);
  }

  private offer(): void {
    if (this.sink === null) return;
    const resources = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 8 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 100000 } },
    ];
    this.sink.send({ type: 'OFFERS', offers: { offers: [{ id: { value: `O${++this.offerSeq}` }, agent_id: { value: 'agent-1' }, hostname: 'h1', resources }] } });
  }

  // RegistryView (only what the run side reads).
  task(_frameworkId: string, taskId: string): TaskEntry | undefined {
    return this.tasks.get(taskId) as unknown as TaskEntry | undefined;
  }
  agent(): undefined {
    return undefined;
  }
  agents(): [] {
    return [];
  }
  framework(): undefined {
    return undefined;
  }
  frameworks(): [] {
    return [];
  }
  tasksOf(): { live: TaskEntry[]; completed: TaskEntry[] } {
    return { live: [], completed: [] };
  }
  tasksOnAgent(): TaskEntry[] {
    return [];
  }
  allTasksUnordered(): TaskEntry[] {
    return [];
  }
  usedOnAgent(): ResourceAmounts {
    return emptyAmounts();
  }
}

interface Pending {
  readonly command: RunsCommand | JobSetDisabledCommand;
  /** Decided when the leader dies: the entry still commits (it reached a majority) or is lost. */
  lost: boolean;
}

export interface WorldStats {
  kills: number;
  leaderships: number;
  lostProposals: number;
}

export class RunsWorld {
  readonly sim = new SimClock<() => void>();
  readonly rng: SeededRng;
  readonly clock: VirtualClock;
  readonly state = new MasterStateMachine();
  readonly jobs = new JobStore();
  readonly part: RunsPart;
  readonly master: FakeMaster;
  readonly stats: WorldStats = { kills: 0, leaderships: 0, lostProposals: 0 };
  private leader: { service: ChronosRunService; pending: Set<Pending>; alive: boolean } | null = null;

  constructor(seed: number) {
    this.rng = new SeededRng(seed);
    this.clock = new VirtualClock(this.sim, EPOCH_MS);
    this.state.addPart(this.jobs);
    this.part = installChronosRuns(this.state, this.jobs, { retryBackoffBaseMs: 500 });
    this.master = new FakeMaster(this.sim, this.rng);
  }

  /** A committed job put (the API's path, minus HTTP). */
  putJob(input: Record<string, unknown>, kind: 'scheduled' | 'dependent' = 'scheduled'): void {
    const result = this.state.apply(encode(jobPut(input, kind, this.clock.nowMs())));
    if (!(result as { ok: boolean }).ok) throw new Error(`job put refused: ${JSON.stringify(result)}`);
  }

  elect(): void {
    const pending = new Set<Pending>();
    const holder = { service: null as unknown as ChronosRunService, pending, alive: true };
    const propose = (command: RunsCommand | JobSetDisabledCommand): Promise<unknown> =>
      new Promise((resolve) => {
        const entry: Pending = { command, lost: false };
        pending.add(entry);
        this.sim.after(this.rng.int(2, 40), () => {
          pending.delete(entry);
          if (entry.lost) return;
          const result = this.state.apply(encode(command));
          if (holder.alive) resolve(result);
        });
      });
    holder.service = new ChronosRunService({
      clock: this.clock,
      logger: silentLogger(),
      part: this.part,
      jobs: this.jobs,
      port: () => (holder.alive ? this.master : null),
      registry: this.master,
      propose,
      webhook: new WebhookNotifier({ url: null, clock: this.clock, logger: silentLogger() }),
      replicaId: `m${this.stats.leaderships}`,
      tickMs: 250,
    });
    this.part.observer = { jobChanged: (n) => holder.service.jobChanged(n), runChanged: (r, b) => holder.service.runChanged(r, b) };
    this.leader = holder;
    this.stats.leaderships += 1;
    holder.service.start();
  }

  kill(): void {
    const leader = this.leader;
    if (leader === null) return;
    leader.alive = false;
    leader.service.stop();
    this.master.closeSinks();
    for (const entry of leader.pending) {
      if (this.rng.next() < 0.5) {
        entry.lost = true;
        this.stats.lostProposals += 1;
      }
    }
    this.leader = null;
    this.stats.kills += 1;
  }

  /** Runs `faultyMs` of virtual time with leader kills, then `calmMs` without. */
  async run(faultyMs: number, calmMs: number, killEveryMs: readonly [number, number]): Promise<void> {
    this.elect();
    const end = faultyMs + calmMs;
    const scheduleKill = (): void => {
      this.sim.after(this.rng.int(killEveryMs[0], killEveryMs[1]), () => {
        if (this.sim.now >= faultyMs) return;
        this.kill();
        this.sim.after(this.rng.int(200, 3000), () => this.elect());
        scheduleKill();
      });
    };
    scheduleKill();
    while (this.sim.peekTime() <= end) {
      const event = this.sim.pop();
      event?.();
      for (let i = 0; i < 6; i++) await Promise.resolve();
    }
  }
}
