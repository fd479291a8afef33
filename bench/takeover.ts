/**
 * Goal 7 (issue 4): master takeover. 3 real `kairos master` processes, a fleet of simulated
 * agents in worker threads of this process (src/agent/sim: the real agent link over a fake
 * runner; bench/lib/worker-fleet.ts) and a v1 HTTP
 * framework launch TASKS_PER_AGENT long-running tasks per agent (all recorded through Raft).
 * Then the leader is SIGKILLed and we measure, from the kill: (a) until the new leader serves —
 * its leader services started (from its own log), and the first agent registered with it;
 * (b) until every agent has re-registered; (c) until the framework has re-subscribed and
 * implicit reconciliation has answered for every task (nothing forgotten). Goals: (a) ≤ 1 s,
 * (b) ≤ 2 s at 5,000 agents / 50,000 tasks. TAKEOVER_TIMELINE=1 prints the fleet's link states
 * every 100 ms after the kill (where the agents are: dialling, registering, back).
 * Rounds: one per run (a kill changes the cluster); --quick uses 300 agents.
 */
import { Agent, request } from 'node:http';
import { RecordIoDecoder } from '../src/master/api/scheduler/recordio.js';
import { hostOfLocation } from '../src/protocol/connection.js';
import { postJson } from '../test/helpers/v1-framework.js';
import { ownCpuMs, processCpuMs } from './lib/cpu.js';
import { WorkerFleet } from './lib/worker-fleet.js';
import { kairosCli } from './kairos-raft.js';
import { loggedAtMs, poller, raftStatus, startMasters, type MasterReplica } from './lib/masters.js';
import type { Scenario, ScenarioContext, ScenarioReport } from './lib/scenario.js';
import type { Table } from './lib/table.js';

type Json = Record<string, any>;

const TASKS_PER_AGENT = 10;

const until = poller('takeover');

/** A minimal v1 framework: one RecordIO stream, calls with the stream id. */
class BenchFramework {
  readonly events: Json[] = [];
  frameworkId: string | undefined;
  streamId = '';
  master = '';
  /** The event stream ended (its master lost leadership or died) after it was subscribed. */
  streamEnded = false;
  private closeStream: (() => void) | null = null;

  async subscribe(masters: string[], timeoutMs: number): Promise<void> {
    await until('framework subscribed', async () => {
      for (const master of masters) if (await this.open(master, 0)) return true;
      return undefined;
    }, timeoutMs, 50);
  }

  private open(master: string, hops: number): Promise<boolean> {
    const info: Json = { user: 'bench', name: 'takeover', failover_timeout: 3600, ...(this.frameworkId ? { id: { value: this.frameworkId } } : {}) };
    const body = JSON.stringify({ type: 'SUBSCRIBE', ...(this.frameworkId ? { framework_id: { value: this.frameworkId } } : {}), subscribe: { framework_info: info } });
    const at = master.lastIndexOf(':');
    return new Promise((resolve) => {
      const req = request({ host: master.slice(0, at), port: Number(master.slice(at + 1)), path: '/api/v1/scheduler', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        if (res.statusCode === 307 && hops < 3) {
          res.resume();
          const leader = hostOfLocation(String(res.headers.location ?? ''));
          resolve(leader ? this.open(leader, hops + 1) : false);
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          resolve(false);
          return;
        }
        this.streamId = String(res.headers['mesos-stream-id'] ?? '');
        this.master = master;
        this.closeStream = () => req.destroy();
        const decoder = new RecordIoDecoder();
        res.on('data', (chunk: Buffer) => {
          for (const record of decoder.push(chunk)) {
            const event = JSON.parse(record) as Json;
            if (event['type'] === 'SUBSCRIBED') {
              this.frameworkId = event['subscribed']['framework_id']['value'];
              resolve(true);
            }
            this.events.push(event);
          }
        });
        res.on('error', () => undefined);
        res.on('end', () => {
          this.streamEnded = this.frameworkId !== undefined;
          resolve(false);
        });
      });
      req.on('error', () => resolve(false));
      req.end(body);
    });
  }

  /** As a real scheduler client: calls share a few persistent connections (not one per call in flight). */
  private readonly httpAgent = new Agent({ keepAlive: true, maxSockets: 8 });

  async call(body: Json): Promise<number> {
    const answer = await postJson(this.master, '/api/v1/scheduler', { framework_id: { value: this.frameworkId }, ...body }, { 'mesos-stream-id': this.streamId }, 60_000, this.httpAgent);
    return answer.status;
  }

  close(): void {
    this.closeStream?.();
  }
}

/** Earliest 'leader services started' of a term ≥ `term` among the surviving replicas. */
function survivorsReady(replicas: MasterReplica[], term: number): number | undefined {
  const times = replicas.filter((r) => r.process).map((r) => loggedAtMs(r, 'leader services started', term)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** Launches TASKS_PER_AGENT tasks on every agent from the offers that arrive. */
async function launchEverywhere(framework: BenchFramework, agents: number, progress: (m: string) => void): Promise<number> {
  const served = new Set<string>();
  let cursor = 0;
  const started = performance.now();
  const inFlight: Array<Promise<number>> = [];
  await until('every agent served', async () => {
    // The bench does not re-subscribe before the kill: a leader change while launching (a stall
    // on a busy box) would leave it waiting for offers that never come.
    if (framework.streamEnded) throw new Error('takeover: the framework stream ended before the kill (a leader change during setup); run again');
    for (; cursor < framework.events.length; cursor++) {
      const event = framework.events[cursor]!;
      if (event['type'] !== 'OFFERS') continue;
      for (const offer of event['offers']['offers'] as Json[]) {
        const agentId = offer['agent_id']['value'] as string;
        if (served.has(agentId)) continue;
        served.add(agentId);
        const tasks = Array.from({ length: TASKS_PER_AGENT }, (_, i) => ({
          name: `t${i}`,
          task_id: { value: `${agentId}-t${i}` },
          agent_id: offer['agent_id'],
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
          command: { value: 'sleep 100000', shell: true },
        }));
        inFlight.push(framework.call({ type: 'ACCEPT', accept: { offer_ids: [offer['id']], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 3600 } } }));
      }
    }
    return served.size >= agents ? true : undefined;
  }, 600_000, 20);
  const answers = await Promise.all(inFlight);
  const refused = answers.filter((status) => status !== 202).length;
  if (refused > 0) throw new Error(`takeover: ${refused} ACCEPT calls were not answered 202 (e.g. ${answers.find((s) => s !== 202)})`);
  progress(`takeover: ${agents * TASKS_PER_AGENT} tasks accepted in ${Math.round(performance.now() - started)} ms`);
  return performance.now() - started;
}

interface CpuReading {
  bench: number;
  masters: Map<string, number>;
}

/** CPU time so far of the bench process and of each live master (ms). */
function cpuNow(replicas: readonly MasterReplica[]): CpuReading {
  const masters = new Map<string, number>();
  for (const replica of replicas) {
    const ms = replica.process ? processCpuMs(replica.process.pid) : null;
    if (ms !== null) masters.set(replica.id, ms);
  }
  return { bench: ownCpuMs(), masters };
}

/** CPU spent between two readings, by masters alive at both. */
function cpuSince(before: CpuReading, after: CpuReading): { bench: number; masters: number; perMaster: number[] } {
  const perMaster = [...after.masters].filter(([id]) => before.masters.has(id)).map(([id, ms]) => ms - before.masters.get(id)!);
  return { bench: after.bench - before.bench, masters: perMaster.reduce((a, b) => a + b, 0), perMaster };
}

export const takeoverScenario: Scenario = {
  name: 'takeover',
  description: 'leader SIGKILL with thousands of agents and tasks: time until the new leader serves, every agent re-registered, every task reconciled',
  async run(context: ScenarioContext): Promise<ScenarioReport> {
    const cli = kairosCli();
    if (cli.path === null) throw new Error(cli.reason);
    const agents = context.quick ? 300 : 5_000;
    // Info level: the new leader logs when its services start (a few lines per term).
    const replicas = await startMasters(context, cli.path, { scenario: 'takeover', logLevel: 'info', nodeArgs: process.env['TAKEOVER_MASTER_NODE_ARGS']?.split(' ').filter(Boolean) ?? [] });
    // The fleet runs in worker threads (TAKEOVER_FLEET_THREADS, default 1: see worker-fleet.ts).
    const threads = Number(process.env['TAKEOVER_FLEET_THREADS'] ?? 1);
    // Standby links (TAKEOVER_STANDBY=0 turns them off, for the side-by-side figure).
    const standby = process.env['TAKEOVER_STANDBY'] !== '0';
    const fleet = new WorkerFleet({ masters: replicas.map((r) => r.http), count: agents, taskDurationMs: null, resources: 'cpus:2;mem:2048', standby }, threads);
    const framework = new BenchFramework();
    try {
      await fleet.start();
      await until('every agent registered', async () => ((await fleet.census()).registered === agents ? true : undefined), 300_000, 100);
      context.progress(`takeover: ${agents} agents registered`);
      const standbyWanted = standby ? agents * (replicas.length - 1) : 0;
      await until('every standby link open', async () => ((await fleet.census()).standby >= standbyWanted ? true : undefined), 120_000, 100);
      await framework.subscribe(replicas.map((r) => r.http), 30_000);
      const launchMs = await launchEverywhere(framework, agents, context.progress);
      const tasks = agents * TASKS_PER_AGENT;
      let lastReport = performance.now();
      await until('every task running', async () => {
        const { running } = await fleet.census(Number.POSITIVE_INFINITY, true);
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now();
          const updates = framework.events.filter((e) => e['type'] === 'UPDATE');
          context.progress(`takeover: ${running} of ${tasks} tasks running; framework saw ${updates.length} updates (${[...new Set(updates.map((e) => e['update']['status']['state']))].join(',')})`);
        }
        return running >= tasks ? true : undefined;
      }, 120_000, 100);
      // The framework does not acknowledge: every agent re-sends its updates after re-registering,
      // the worst case for a takeover (the new leader records and relays them all again).
      const statuses = await Promise.all(replicas.map(async (r) => ({ r, s: await raftStatus(r) })));
      const leader = statuses.find((x) => x.s?.['role'] === 'leader')!;
      const oldTerm = leader.s!['term'] as number;
      const beforeKill = await fleet.census();
      framework.close();
      const killedAt = performance.now();
      const killedAtWallMs = Date.now();
      leader.r.process!.signal('SIGKILL');
      await leader.r.process!.exited;
      leader.r.process = null;
      if (process.env['TAKEOVER_TIMELINE']) context.progress(`leader killed at ${killedAtWallMs} (epoch ms)`);
      const timeline = process.env['TAKEOVER_TIMELINE'] ? setInterval(() => {
        void fleet.census(oldTerm).then((c) => context.progress(`+${Math.round(performance.now() - killedAt)} ms dials=${c.dials} adopted=${c.adoptions} back=${c.back} ${JSON.stringify(c.states)}`));
      }, 100) : null;
      const cpuAtKill = cpuNow(replicas);
      const [firstBack, allBack] = await Promise.all([fleet.whenBack(oldTerm, 'first', 120_000), fleet.whenBack(oldTerm, 'all', 300_000)]);
      const cpuUntilBack = cpuSince(cpuAtKill, cpuNow(replicas));
      const after = await fleet.census(oldTerm);
      if (timeline) clearInterval(timeline);
      const survivors = replicas.filter((r) => r.process).map((r) => r.http);
      framework.events.length = 0;
      await framework.subscribe(survivors, 60_000);
      const subscribedAt = performance.now();
      await framework.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
      const reconciled = (): number => framework.events.filter((e) => e['type'] === 'UPDATE' && e['update']['status']['reason'] === 'REASON_RECONCILIATION').length;
      const reconciledAt = await until('every task reconciled', () => (reconciled() >= tasks ? performance.now() : undefined), 120_000, 10);
      // When the new leader's services started, from its own log (the fleet's view comes later:
      // 5,000 simulated agents reconnect from this one process).
      const servingAtMs = survivorsReady(replicas, oldTerm + 1);
      const figures = {
        agents,
        tasks,
        standbyLinks: standby,
        adoptions: after.adoptions,
        digestHellos: after.digestHellos - beforeKill.digestHellos,
        reportedAgain: after.reportedAgain - beforeKill.reportedAgain,
        launchMs,
        launchTasksPerSecond: tasks / (launchMs / 1000),
        leaderServingMs: servingAtMs === undefined ? null : servingAtMs - killedAtWallMs,
        firstAgentBackMs: firstBack - killedAt,
        allAgentsBackMs: allBack - killedAt,
        frameworkSubscribedMs: subscribedAt - killedAt,
        allTasksReconciledMs: reconciledAt - killedAt,
        cpuUntilBackMs: cpuUntilBack,
      };
      const table: Table = {
        title: `Takeover: ${agents.toLocaleString('en-US')} simulated agents, ${tasks.toLocaleString('en-US')} tasks, leader SIGKILL (one round)`,
        header: ['from the kill until', 'ms', 'goal'],
        rows: [
          ['new leader serving (its services started, from its log)', figures.leaderServingMs === null ? 'n/a' : Math.round(figures.leaderServingMs), '≤ 1,000'],
          ['first agent registered with the new leader', Math.round(figures.firstAgentBackMs), ''],
          ['every agent re-registered', Math.round(figures.allAgentsBackMs), '≤ 2,000'],
          ['framework re-subscribed', Math.round(figures.frameworkSubscribedMs), ''],
          ['implicit reconciliation answered every task', Math.round(figures.allTasksReconciledMs), ''],
        ],
        notes: [
          `Launch before the kill: ${tasks.toLocaleString('en-US')} tasks accepted over HTTP in ${Math.round(launchMs)} ms (${Math.round(figures.launchTasksPerSecond)} tasks/s).`,
          'The ' + agents.toLocaleString('en-US') + ' agents run in ' + (threads === 1 ? 'one worker thread' : `${threads} worker threads`) + ' of the bench process. ' +
            (standby
              ? `Each keeps a standby link to the other masters; ${after.adoptions.toLocaleString('en-US')} were called back on one by the new leader, the rest dialled.`
              : 'Standby links off (TAKEOVER_STANDBY=0): after losing the leader each waits a random moment of up to 500 ms and dials the other masters first.') +
            ` After the kill ${figures.digestHellos.toLocaleString('en-US')} said hello with a digest of their tasks and ${figures.reportedAgain.toLocaleString('en-US')} were asked to report them again (by id or in full).` +
            ' Each re-sends its unacknowledged updates after re-registering, but those the leader has recorded and cannot relay yet.',
          `CPU time from the kill until every agent was back: ${Math.round(cpuUntilBack.masters)} ms in the surviving masters (${cpuUntilBack.perMaster.map((ms) => Math.round(ms)).join(' + ')}), ${Math.round(cpuUntilBack.bench)} ms in the bench process (the fleet and the client).`,
        ],
      };
      return { tables: [table], figures };
    } catch (error) {
      context.keepWorkDir();
      throw error;
    } finally {
      framework.close();
      await fleet.stop();
      await Promise.all(replicas.map((r) => r.process?.stop(10_000)));
    }
  },
};
