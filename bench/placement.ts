/**
 * Goal 6 (issue 4): tasks placed and recorded through Raft. 3 real `kairos master` processes, a
 * fleet of simulated agents in this process (src/agent/sim) and F frameworks over the v1 HTTP
 * API, each launching T long-running tasks: every OFFERS event is answered at once with an
 * ACCEPT holding as many of the framework's remaining tasks as fit in the offer. We time from
 * the first ACCEPT until the framework streams have received TASK_RUNNING for every task (an
 * agent update reaches the framework only after `reg.task.status` committed, so that is "running
 * in the registry"). Side by side, in the same run and on the same cluster: raw Raft writes/s
 * (closed-loop kv PUTs to the leader), and the ratio of the two.
 * Full: 5,000 agents, 100 frameworks × 1,000 tasks; --quick: 500 agents, 10 × 500.
 */
import { Agent } from 'node:http';
import { SimFleet } from '../src/agent/sim/sim-agent.js';
import { updateStatus, V1Framework, type OfferJson } from '../test/helpers/v1-framework.js';
import { kairosCli } from './kairos-raft.js';
import { runHttpClosedLoop, type LoadTarget } from './lib/load.js';
import { leaderOf, poller, startMasters, type MasterReplica } from './lib/masters.js';
import type { Scenario, ScenarioContext, ScenarioReport } from './lib/scenario.js';
import { formatRatio, type Table } from './lib/table.js';

type Json = Record<string, any>;

const TASK_CPUS = 0.1;
const TASK_MEM = 32;
const FAILED_STATES = new Set(['TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_GONE']);

const until = poller('placement');

/** Persistent connections per framework for its calls. */
const CALL_CONNECTIONS = 4;

/**
 * A launch not RUNNING this long is asked about (then with a doubling backoff), as schedulers
 * such as Marathon do with a launch timeout; right after a re-subscription every pending launch
 * is asked about at once, since a leader change is when an answered ACCEPT may not be recorded.
 */
const FIRST_RECONCILE_MS = 30_000;

/** One framework's launcher: answers offers with as many remaining tasks as fit. */
class Launcher {
  readonly framework: V1Framework;
  private cursor = 0;
  private readonly toLaunch: string[];
  readonly running = new Set<string>();
  /** Launched and not yet RUNNING: task id → agent id, when its ACCEPT was answered (null: not
   * yet), and when to ask about it next (reconciliation backs off per task, as real schedulers do). */
  private readonly pending = new Map<string, { agentId: string; at: number | null; askAt?: number; backoffMs?: number }>();
  private lastReconcileAt = 0;
  relaunched = 0;
  accepts = 0;
  refusedCalls = 0;
  firstAcceptAt: number | null = null;
  lastRunningAt = 0;
  private finished = false;
  readonly calls: Array<Promise<unknown>> = [];

  leaderChanges = 0;
  private stopped = false;
  private resubscribing: Promise<void> | null = null;

  constructor(readonly index: number, private readonly tasks: number, private readonly masters: string[]) {
    this.framework = new V1Framework({ user: 'bench', name: `placement-${index}`, failover_timeout: 3600 });
    // As real schedulers do: else every leader change makes each agent re-send every update.
    this.framework.autoAcknowledge = true;
    // As a real scheduler client does: calls go over a few persistent connections, not one new
    // connection per call in flight (thousands of ACKNOWLEDGEs would each open a socket).
    this.framework.httpAgent = new Agent({ keepAlive: true, maxSockets: CALL_CONNECTIONS });
    this.toLaunch = Array.from({ length: tasks }, (_, i) => `f${index}-t${i}`);
  }

  get done(): boolean {
    return this.running.size >= this.tasks;
  }

  /** Handles every event that arrived since the last pump. */
  pump(): void {
    const events = this.framework.events;
    for (; this.cursor < events.length; this.cursor++) {
      const event = events[this.cursor]!;
      if (event.type === 'OFFERS') this.answer((event['offers'] as { offers: OfferJson[] }).offers);
      const status = updateStatus(event);
      if (status === null) continue;
      // A task counts once by its base id, whichever attempt (`-rN`) of it runs.
      const base = status.task_id.value.replace(/-r\d+$/, '');
      const duplicate = /duplicate/i.test(status.message ?? '');
      if (status.state !== 'TASK_STAGING' && status.state !== 'TASK_STARTING' && !duplicate) this.pending.delete(status.task_id.value);
      if (status.state === 'TASK_RUNNING' && !this.running.has(base)) {
        this.running.add(base);
        this.lastRunningAt = performance.now();
      } else if (FAILED_STATES.has(status.state) && !this.running.has(base) && !duplicate) {
        // (A duplicate id: an ACCEPT we thought lost was recorded after all; that task runs.)
        this.toLaunch.push(`${base}-r${++this.relaunched}`);
      }
    }
    this.reconcileStale();
    if (this.done && !this.finished) {
      this.finished = true;
      this.track(this.framework.call('SUPPRESS', {}));
    }
  }

  private answer(offers: OfferJson[]): void {
    const unused: OfferJson[] = [];
    for (const offer of offers) {
      const scalar = (name: string): number => offer.resources.find((r) => r.name === name)?.scalar?.value ?? 0;
      const fit = Math.min(Math.floor(scalar('cpus') / TASK_CPUS + 1e-9), Math.floor(scalar('mem') / TASK_MEM));
      const ids = this.toLaunch.splice(0, Math.max(0, fit));
      if (ids.length === 0) {
        unused.push(offer);
        continue;
      }
      this.firstAcceptAt ??= performance.now();
      this.accepts++;
      for (const id of ids) this.pending.set(id, { agentId: offer.agent_id.value, at: null });
      this.track(this.framework.launch(offer, ids.map((id) => ({ id, command: 'sleep 100000', cpus: TASK_CPUS, mem: TASK_MEM }))), ids);
    }
    // Offers it has no task for go back in one call. Short: tasks of an ACCEPT that fails (a
    // leader change) come back to the queue.
    if (unused.length > 0) this.track(this.framework.decline(unused, 5));
  }

  /**
   * An ACCEPT answered 202 by a leader that then lost office may never have been recorded: as
   * real schedulers do, ask about launches that have not reached RUNNING for a while (explicit
   * reconciliation); the master answers TASK_LOST for a task it does not know, which relaunches it.
   */
  /** A few launches still waiting for RUNNING (PLACEMENT_DEBUG). */
  pendingSample(count: number): string[] {
    return [...this.pending].slice(0, count).map(([taskId, p]) => `${taskId}@${p.agentId}`);
  }

  private reconcileStale(): void {
    const now = performance.now();
    if (this.pending.size === 0 || now - this.lastReconcileAt < 1_000) return;
    this.lastReconcileAt = now;
    const stale = [...this.pending].filter(([, p]) => p.at !== null && now >= (p.askAt ?? p.at + FIRST_RECONCILE_MS));
    if (stale.length === 0) return;
    for (const [, p] of stale) {
      p.backoffMs = Math.min(300_000, (p.backoffMs ?? FIRST_RECONCILE_MS) * 2);
      p.askAt = now + p.backoffMs;
    }
    this.track(this.framework.reconcile(stale.map(([taskId, p]) => ({ taskId, agentId: p.agentId }))));
  }

  /** SUBSCRIBE (again, after a leader change: same framework id) and follow the stream; the
   * first time suppressed, so that no framework gets offers before the others have subscribed. */
  async subscribe(options: { suppressed?: boolean } = {}): Promise<void> {
    await this.framework.subscribe(this.masters, { timeoutMs: 60_000, ...(options.suppressed ? { suppressedRoles: ['*'] } : {}) });
    const ended = this.framework.ended;
    void ended.then(() => {
      if (!this.stopped && this.framework.ended === ended) this.recover();
    });
  }

  /** Opens the pool's connections with harmless calls (SUPPRESS while suppressed). */
  async openConnections(): Promise<void> {
    await Promise.all(Array.from({ length: CALL_CONNECTIONS }, () => this.framework.call('SUPPRESS', {})));
  }

  /** Lets offers come (after the suppressed first subscription, and after a re-subscription). */
  revive(): void {
    this.track(this.framework.call('REVIVE', {}));
  }

  /** The leader changed under us: tasks of refused ACCEPTs go back to the queue, re-subscribe. */
  private recover(): void {
    if (this.stopped || this.resubscribing) return;
    this.leaderChanges++;
    // Drop the old stream first: its "failed over" ERROR would read as a refusal of the new one.
    this.framework.close();
    this.resubscribing = this.subscribe()
      .then(
        () => {
          this.revive();
          const pending = [...this.pending].filter(([, p]) => p.at !== null);
          if (pending.length > 0) this.track(this.framework.reconcile(pending.map(([taskId, p]) => ({ taskId, agentId: p.agentId }))));
        },
        (error: Error) => void process.stderr.write(`placement: framework ${this.index} could not re-subscribe: ${error.message}\n`),
      )
      .finally(() => {
        this.resubscribing = null;
      });
  }

  stop(): void {
    this.stopped = true;
    this.framework.close();
  }

  private track(call: Promise<{ status: number }>, ids: string[] = []): void {
    // Whatever the answer, an ACCEPT may have been recorded (a leader can commit and then fail to
    // say so): its tasks stay pending and are reconciled once the answer is a few seconds old.
    const answered = (): void => {
      const at = performance.now();
      for (const id of ids) {
        const pending = this.pending.get(id);
        if (pending && pending.at === null) pending.at = at;
      }
    };
    this.calls.push(
      call.finally(answered).then(
        (answer) => {
          if (answer.status === 202) {
            // Recorded: RUNNING follows (or reconciliation asks).
          } else if (answer.status === 307 || answer.status === 503) {
            this.toLaunch.push(...ids);
            this.recover();
          } else if (answer.status !== 202) {
            // Refused outright (e.g. 403 while re-subscribing): its tasks were not launched.
            this.toLaunch.push(...ids);
            if (this.refusedCalls++ === 0) process.stderr.write(`placement: call answered ${answer.status} ${(answer as { body?: string }).body ?? ''}\n`);
          }
        },
        (error: Error) => {
          // No answer: an ACCEPT may have been taken all the same. Its tasks stay pending and
          // the reconciliation after re-subscribing says which ones to launch again.
          this.recover();
          if (this.refusedCalls++ === 0) process.stderr.write(`placement: call failed ${error.message}\n`);
        },
      ),
    );
  }
}

/** Values of the named gauges on a replica's /metrics (NaN when absent). */
async function leaderMetrics(http: string, names: string[]): Promise<number[]> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  return names.map((name) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN));
}

async function rawRaftWrites(leader: MasterReplica, durationMs: number): Promise<number> {
  const at = leader.http.lastIndexOf(':');
  const value = Buffer.alloc(128, 0x76);
  const target: LoadTarget = {
    host: leader.http.slice(0, at),
    port: Number(leader.http.slice(at + 1)),
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    next: (worker, sequence) => ({ path: `/raft/kv/placement-${worker}-${sequence % 100}`, body: value }),
    isSuccess: (status) => status === 204,
  };
  const result = await runHttpClosedLoop(target, { concurrency: 256, durationMs, warmupMs: 500, requestTimeoutMs: 10_000 });
  return result.throughputPerSec;
}

export const placementScenario: Scenario = {
  name: 'placement',
  description: 'tasks/s placed through offers and ACCEPT and running in the Raft registry (3 masters, simulated agents, v1 frameworks) ÷ raw Raft writes/s',
  async run(context: ScenarioContext): Promise<ScenarioReport> {
    const cli = kairosCli();
    if (cli.path === null) throw new Error(cli.reason);
    const agents = Number(process.env['PLACEMENT_AGENTS'] ?? (context.quick ? 500 : 5_000));
    const frameworks = Number(process.env['PLACEMENT_FRAMEWORKS'] ?? (context.quick ? 10 : 100));
    const tasksEach = Number(process.env['PLACEMENT_TASKS'] ?? (context.quick ? 500 : 1_000));
    const tasks = frameworks * tasksEach;
    const replicas = await startMasters(context, cli.path, { scenario: 'placement', nodeArgs: process.env['PLACEMENT_MASTER_NODE_ARGS']?.split(' ').filter(Boolean) ?? [], cwdInDataDir: true });
    const fleet = new SimFleet({ masters: replicas.map((r) => r.http), count: agents, taskDurationMs: null, resources: 'cpus:4;mem:8192' });
    const launchers = Array.from({ length: frameworks }, (_, i) => new Launcher(i, tasksEach, replicas.map((r) => r.http)));
    let pumping: NodeJS.Timeout | null = null;
    try {
      fleet.start();
      await until('every agent registered', () => (fleet.registered() === agents ? true : undefined), 300_000, 100);
      context.progress(`placement: ${agents} agents registered`);
      pumping = setInterval(() => {
        for (const launcher of launchers) launcher.pump();
      }, 2);
      // Every framework subscribes suppressed and then revives: the first offers then go to all
      // of them, as in a cluster whose schedulers are already there. (Subscribing one after the
      // other, the first few got offers for the whole cluster and the rest waited on their
      // declines: runs were then twice as slow, measuring the start-up order, not the master.)
      await Promise.all(launchers.map((l) => l.subscribe({ suppressed: true })));
      // Each framework's call connections are open before the offers come, as a scheduler's
      // pool is in a running cluster: libuv (since 1.45) accepts one connection per event-loop
      // turn, so 400 connections opened into the leader's busiest moment waited in its listen
      // queue for up to 30 s, their calls timed out and the frameworks re-subscribed.
      await Promise.all(launchers.map((l) => l.openConnections()));
      context.progress(`placement: ${frameworks} frameworks subscribed`);
      for (const launcher of launchers) launcher.revive();
      let lastReport = performance.now();
      await until('every task running', () => {
        const running = launchers.reduce((sum, l) => sum + l.running.size, 0);
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now();
          const states = new Map<string, number>();
          for (const l of launchers) for (const e of l.framework.events) { const k = e.type === 'UPDATE' ? updateStatus(e)!.state : e.type; states.set(k, (states.get(k) ?? 0) + 1); }
          context.progress(`placement: ${running} of ${tasks} tasks running; events ${JSON.stringify([...states])}; accepts ${launchers.reduce((s, l) => s + l.accepts, 0)}`);
          if (process.env['PLACEMENT_DEBUG']) { const msgs = new Map<string, number>(); for (const l of launchers) for (const e of l.framework.events) { const st = updateStatus(e); if (st && st.state !== 'TASK_RUNNING') { const k = `${st.state} ${(st.message ?? '').replace(/f\d+-t\d+(-r\d+)?/g, 'ID')} ${(st as Json)['reason'] ?? ''}`; msgs.set(k, (msgs.get(k) ?? 0) + 1); } } context.progress(`placement: statuses ${JSON.stringify([...msgs])}; masters ${replicas.map((r) => r.http).join(' ')}; pending ${launchers.flatMap((l) => l.pendingSample(2)).slice(0, 6).join(' ')}`); }
        }
        return running >= tasks ? true : undefined;
      }, 900_000, 20);
      await Promise.all(launchers.flatMap((l) => l.calls));
      // Raw Raft writes after the placement, so their load cannot disturb it.
      const leader = await until('the leader', () => leaderOf(replicas), 30_000, 50);
      const allocation = await leaderMetrics(leader.http, ['kairos_allocation_cycles', 'kairos_allocation_busy_seconds']);
      context.progress(`placement: leader allocation cycles ${allocation[0]}, ${allocation[1]?.toFixed(2)} s`);
      const rawWritesPerSecond = await rawRaftWrites(leader, context.quick ? 2_000 : 5_000);
      context.progress(`placement: raw Raft writes ${Math.round(rawWritesPerSecond)}/s`);
      const firstAccept = Math.min(...launchers.map((l) => l.firstAcceptAt ?? Number.POSITIVE_INFINITY));
      const lastRunning = Math.max(...launchers.map((l) => l.lastRunningAt));
      const elapsedMs = lastRunning - firstAccept;
      const tasksPerSecond = tasks / (elapsedMs / 1000);
      const figures = {
        agents,
        frameworks,
        tasksPerFramework: tasksEach,
        tasks,
        elapsedMs,
        tasksPerSecond,
        rawRaftWritesPerSecond: rawWritesPerSecond,
        ratioToRawWrites: tasksPerSecond / rawWritesPerSecond,
        relaunched: launchers.reduce((sum, l) => sum + l.relaunched, 0),
        refusedCalls: launchers.reduce((sum, l) => sum + l.refusedCalls, 0),
        frameworkResubscriptions: launchers.reduce((sum, l) => sum + l.leaderChanges, 0),
      };
      const table: Table = {
        title: `Placement: ${agents.toLocaleString('en-US')} simulated agents, ${frameworks} frameworks × ${tasksEach.toLocaleString('en-US')} tasks (one round)`,
        header: ['figure', 'value', 'goal'],
        rows: [
          ['tasks/s, first ACCEPT → every task RUNNING in the registry', Math.round(tasksPerSecond), '≥ 2,000'],
          ['elapsed ms', Math.round(elapsedMs), ''],
          ['raw Raft writes/s (kv PUT, 256 in flight, same cluster)', Math.round(rawWritesPerSecond), ''],
          ['tasks/s ÷ raw Raft writes/s', formatRatio(figures.ratioToRawWrites), ''],
        ],
        notes: [
          'Each framework answers every offer with as many of its remaining tasks (0.1 cpu, 32 MB) as fit and declines the offers it has no task for in one call; agents 4 cpus / 8 GB. The frameworks subscribe suppressed, open their call connections, and revive together once all are subscribed.',
          `Tasks relaunched after a refusal: ${figures.relaunched}; calls not answered 202: ${figures.refusedCalls}; framework re-subscriptions after a leader change: ${figures.frameworkResubscriptions}.`,
        ],
      };
      return { tables: [table], figures };
    } catch (error) {
      context.keepWorkDir();
      throw error;
    } finally {
      if (pumping) clearInterval(pumping);
      for (const launcher of launchers) launcher.stop();
      await fleet.stop();
      await Promise.all(replicas.map((r) => r.process?.stop(10_000)));
    }
  },
};
