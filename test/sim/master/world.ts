/**
 * The master simulation world: three master processes (real state machine, engine, leader
 * sessions) over a SimLog, simulated agents (real SimAgent + MasterLink) dialling them through
 * an in-memory gateway, simulated v1 frameworks on the leader's SchedulerPort, one seeded
 * network, one virtual clock. Faults are applied by the nemesis (nemesis.ts); the checker
 * (checker.ts) watches every applied entry and every command an agent executes.
 */
import type { LinkConnection, LinkDialResult, MasterCommand } from '../../../src/agent/daemon/master-link.js';
import { leaderHttpAddress } from '../../../src/master/api/context.js';
import type { AgentConnection } from '../../../src/master/agents/hub.js';
import type { EngineSettings } from '../../../src/master/leader/session.js';
import { encode } from '../../../src/lib/codec.js';
import { SeededRng } from '../../../src/lib/rng.js';
import type { AgentToMaster, MasterToAgent } from '../../../src/protocol/messages.js';
import type { PolicyName } from '../../../src/allocator/types.js';
import { MasterChecker } from './checker.js';
import { Endpoint, pipe, type PipeNet } from './pipe.js';
import { durationOf, ProbeAgent } from './probe-agent.js';
import { MasterReplica } from './replica.js';
import { SimFramework, type Endpoint as FrameworkEndpoint, type FrameworkNet } from './sim-framework.js';
import { SimLog } from './sim-raft.js';
import { VirtualClock, type Sim, type SimEvent } from './sim-time.js';
import { SimClock } from '../harness/sim-clock.js';

export interface WorldOptions {
  seed: number;
  agents: number;
  frameworks: number;
  /** Control runs only: stale commands reach agents past their link's fencing. */
  bypassFencing?: boolean;
  /** The leaders' offer policy (default DRF). */
  allocator?: PolicyName;
}

export const SIM_SETTINGS: Partial<EngineSettings> = {
  agentHeartbeatMs: 1_000,
  maxMissedHeartbeats: 5,
  schedulerHeartbeatMs: 5_000,
  allocationIntervalMs: 1_000,
  allocationBatchMs: 100,
  defaultRefuseSeconds: 2,
};

const MASTER_IDS = ['m1', 'm2', 'm3'];
const MAX_COMMIT_DELAY_MS = 20;
/** How long a held agent upgrade waits for a ready leader (src/master/agents/gateway.ts). */
const UPGRADE_HOLD_MS = 2_000;

type AgentEnd = Endpoint<MasterToAgent, AgentToMaster>;
type MasterEnd = Endpoint<AgentToMaster, MasterToAgent>;

interface AgentLink {
  agentEnd: AgentEnd;
  masterEnd: MasterEnd;
  replica: MasterReplica;
}

export class MasterWorld {
  readonly sim: Sim = new SimClock<SimEvent>();
  readonly rng: SeededRng;
  readonly log: SimLog;
  readonly checker: MasterChecker;
  readonly replicas = new Map<string, MasterReplica>();
  readonly agents: ProbeAgent[] = [];
  readonly frameworks: SimFramework[] = [];
  readonly addresses = MASTER_IDS.map((id, i) => `${id}.sim:${5050 + i * 10}`);
  readonly stats = { events: 0, kills: 0, isolations: 0, elections: 0, committedLate: 0, lostProposals: 0, linkCuts: 0, agentCrashes: 0, partitions: 0, frameworkAways: 0, stragglers: 0, restarts: 0, reconciles: 0 };
  /** Extra delay on every message while a slow-network spell lasts (virtual ms timestamps). */
  slowUntil = 0;
  readonly links = new Map<ProbeAgent, AgentLink>();
  readonly partitionedUntil = new Map<ProbeAgent, number>();
  /** Stale master → agent commands seen on the wire, replayed late by the nemesis. */
  readonly stale = new Map<ProbeAgent, MasterToAgent[]>();
  private readonly incarnations = new Map<string, number>();
  private readonly replicaEnds = new Map<MasterReplica, MasterEnd[]>();
  readonly agentClock: VirtualClock;
  readonly net: PipeNet & FrameworkNet;

  constructor(readonly options: WorldOptions) {
    this.rng = new SeededRng(options.seed);
    this.log = new SimLog(this.sim, this.rng);
    this.checker = new MasterChecker(() => this.sim.now);
    this.agentClock = new VirtualClock(this.sim);
    const world = this;
    this.net = {
      sim: this.sim,
      rng: this.rng,
      masters: this.addresses,
      delay: () => this.delay(),
      reach: (address) => world.reach(address),
    };
    for (const id of MASTER_IDS) this.startReplica(id);
    for (let i = 0; i < options.agents; i++) this.agents.push(this.newAgent(i));
    for (let i = 0; i < options.frameworks; i++) {
      this.frameworks.push(
        new SimFramework(this.net, {
          name: `fw${i + 1}`,
          failoverTimeoutSeconds: this.rng.next() < 0.25 ? this.rng.int(1, 4) : this.rng.int(30, 300),
          partitionAware: this.rng.next() < 0.5,
          maxTasks: this.rng.int(10, 40),
        }),
      );
    }
  }

  delay(): number {
    const spike = this.rng.next() < 0.01 ? this.rng.int(20, 300) : 0;
    const slow = this.sim.now < this.slowUntil ? this.rng.int(0, 150) : 0;
    return this.rng.int(1, 4) + spike + slow;
  }

  // ---- masters ----

  startReplica(id: string, fromSnapshotOf?: MasterReplica): MasterReplica {
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const address = this.addresses[MASTER_IDS.indexOf(id)]!;
    const replica = new MasterReplica(id, address, incarnation, this.log, { ...SIM_SETTINGS, allocator: this.options.allocator ?? 'drf' }, MAX_COMMIT_DELAY_MS, (r, index, entry, result) =>
      this.checker.afterApply(r, index, entry, result),
    );
    if (fromSnapshotOf) {
      // As InstallSnapshot would: the state of a caught-up peer, then the log after it.
      replica.state.restore(fromSnapshotOf.state.snapshot());
      replica.node.applied = fromSnapshotOf.node.applied;
    }
    this.replicas.set(id, replica);
    this.replicaEnds.set(replica, []);
    this.checker.resetReplica(replica);
    this.pumpApply(replica);
    return replica;
  }

  /** Followers apply what they know is committed at their own pace. */
  private pumpApply(replica: MasterReplica): void {
    const behind = replica.node.applied < this.log.length;
    this.sim.after(behind ? this.rng.int(2, 40) : this.rng.int(100, 300), () => {
      if (!replica.alive) return;
      replica.node.applyTo(replica.node.applied + this.rng.int(1, 25));
      this.pumpApply(replica);
    });
  }

  get leader(): MasterReplica | null {
    const id = this.log.leader;
    const replica = id === null ? null : this.replicas.get(id);
    return replica?.alive ? replica : null;
  }

  /** An election among the connected live replicas (a majority of three must be up and connected). */
  elect(): boolean {
    const candidates = [...this.replicas.values()].filter((r) => r.alive && !r.node.isolated);
    if (candidates.length < 2) return false;
    const winner = candidates[this.rng.int(0, candidates.length - 1)]!;
    this.log.term += 1;
    this.log.leader = winner.id;
    this.stats.elections++;
    for (const replica of candidates) replica.node.catchUp();
    return true;
  }

  /** The leader's process dies with proposals in flight: a prefix still commits, the rest is lost. */
  killReplica(replica: MasterReplica): void {
    const node = replica.node;
    const survivors = this.rng.int(0, node.inflightCount);
    const { committed, lost } = node.settleInflight(survivors);
    this.stats.committedLate += committed;
    this.stats.lostProposals += lost;
    node.alive = false;
    if (this.log.leader === replica.id) this.log.leader = null;
    for (const end of this.replicaEnds.get(replica) ?? []) end.abort();
    for (const framework of this.frameworks) framework.connectionBroke(replica.id);
    this.checker.forgetReplica(replica);
    for (const other of this.replicas.values()) other.node.catchUp();
    this.stats.kills++;
  }

  /** Cuts a replica off from the others (its links to agents and frameworks stay up). */
  isolate(replica: MasterReplica): void {
    if (this.log.leader === replica.id) {
      const { committed, lost } = replica.node.settleInflight(this.rng.int(0, replica.node.inflightCount));
      this.stats.committedLate += committed;
      this.stats.lostProposals += lost;
      this.log.leader = null;
    }
    replica.node.isolated = true;
    this.stats.isolations++;
  }

  heal(replica: MasterReplica): void {
    replica.node.isolated = false;
    replica.node.catchUp();
  }

  // ---- agents ----

  private newAgent(i: number): ProbeAgent {
    const name = `a${i + 1}`;
    const firstPort = 31000 + i * 100;
    const resources = `cpus:${this.rng.int(2, 8)};mem:${this.rng.int(2, 16) * 512};disk:${this.rng.int(1, 10) * 1000};ports:[${firstPort}-${firstPort + this.rng.int(3, 40)}]`;
    const rng = this.rng;
    const agent: ProbeAgent = new ProbeAgent(
      {
        masters: this.addresses,
        name,
        resources,
        wheel: this.agentClock,
        taskDurationMs: durationOf,
        random: () => rng.next(),
        dial: (address) => this.dial(agent, address),
      },
      name,
      {
        registered: (a, agentId, term) => this.checker.agentRegistered(a, agentId, term),
        command: (a, command) => this.checker.agentCommand(a, command),
        ranTask: (a) => this.checker.agentRanTask(a),
      },
    );
    return agent;
  }

  /** The agent's upgrade request, answered as src/master/agents/gateway.ts answers it. */
  private async dial(agent: ProbeAgent, address: string): Promise<LinkDialResult> {
    await this.after(this.delay());
    const replica = [...this.replicas.values()].find((r) => r.httpAddress === address);
    if (!replica || !replica.alive || (this.partitionedUntil.get(agent) ?? 0) > this.sim.now) {
      await this.after(this.rng.int(5, 50));
      return { kind: 'unavailable', reason: 'connect ECONNREFUSED' };
    }
    const deadline = this.sim.now + UPGRADE_HOLD_MS;
    for (;;) {
      if (!replica.alive) return { kind: 'unavailable', reason: 'socket hang up' };
      const final = this.sim.now >= deadline;
      if (!replica.node.isLeader) {
        const leader = leaderHttpAddress(replica.context);
        if (leader !== null || final) return { kind: 'redirect', leader };
      } else {
        const session = replica.readySession;
        if (session) return { kind: 'connected', connection: this.connect(agent, replica) };
        if (final) return { kind: 'unavailable', reason: 'HTTP 503', answered: true };
      }
      await this.after(10);
    }
  }

  private connect(agent: ProbeAgent, replica: MasterReplica): LinkConnection {
    const [agentEnd, masterEnd] = pipe<AgentToMaster, MasterToAgent>(this.net);
    masterEnd.tap = (message) => this.remember(agent, message);
    this.replicaEnds.get(replica)!.push(masterEnd);
    this.links.set(agent, { agentEnd, masterEnd, replica });
    replica.readySession!.acceptAgent(masterEnd as unknown as AgentConnection);
    return agentEnd;
  }

  private remember(agent: ProbeAgent, message: MasterToAgent): void {
    if (!('term' in message) || message.t === 'pong' || message.t === 'registered') return;
    const kept = this.stale.get(agent) ?? [];
    kept.push(message);
    if (kept.length > 6) kept.shift();
    this.stale.set(agent, kept);
  }

  /** A command sent long ago by an older leader reaches the agent now, on its current link. */
  replayStale(agent: ProbeAgent): void {
    const link = this.links.get(agent);
    const highest = agent.link.highestTerm;
    const old = (this.stale.get(agent) ?? []).filter((m) => 'term' in m && m.term < highest);
    if (!link || !link.agentEnd.isOpen || old.length === 0 || agent.link.state !== 'registered') return;
    const message = structuredClone(old[this.rng.int(0, old.length - 1)]!);
    this.stats.stragglers++;
    if (this.options.bypassFencing && isCommand(message)) agent.command(message);
    else link.agentEnd.onMessage(message);
  }

  cutLink(agent: ProbeAgent): void {
    const link = this.links.get(agent);
    if (!link) return;
    this.stats.linkCuts++;
    if (this.rng.next() < 0.5) link.agentEnd.close(new Error('connection reset'));
    else link.masterEnd.close(new Error('connection reset'));
  }

  // ---- frameworks ----

  /** What a v1 HTTP request to `address` reaches: the port, a 307, or a 503/refused. */
  reach(address: string): FrameworkEndpoint {
    const replica = [...this.replicas.values()].find((r) => r.httpAddress === address);
    if (!replica || !replica.alive) return { kind: 'down' };
    const port = replica.engine.scheduler();
    if (port) return { kind: 'port', port, alive: () => replica.alive, replicaId: replica.id };
    if (replica.node.isLeader) return { kind: 'redirect', leader: null };
    return { kind: 'redirect', leader: leaderHttpAddress(replica.context) };
  }

  // ---- running ----

  /** Invariant 3 for frameworks: an implicit RECONCILE after a failover names every live task. */
  private checkReconciled(framework: SimFramework, named: Set<string>): void {
    const replica = framework.replicaId === null ? undefined : this.replicas.get(framework.replicaId);
    if (!replica || framework.frameworkId === null) return;
    for (const task of replica.engine.registry.tasksOf(framework.frameworkId).live) {
      if (!named.has(task.taskId)) this.checker.report(`framework ${framework.options.name} re-subscribed and RECONCILE did not name its live task ${task.taskId}`);
    }
    this.stats.reconciles++;
  }

  start(): void {
    for (const framework of this.frameworks) framework.onReconciled = (f, named) => this.checkReconciled(f, named);
    this.elect();
    for (const agent of this.agents) agent.start();
    for (const framework of this.frameworks) framework.start();
  }

  /** Runs events until virtual time `untilMs`, letting promises and the proposal batcher settle after each. */
  async runUntil(untilMs: number, stopWhen?: () => boolean): Promise<void> {
    // Time reaches `untilMs` even when nothing happens before it.
    this.sim.at(untilMs, () => undefined);
    while (this.sim.peekTime() <= untilMs) {
      this.sim.pop()!();
      this.stats.events++;
      await settle();
      if (this.stats.events % 32 === 0) this.checkLeader();
      if (stopWhen && this.stats.events % 64 === 0 && stopWhen()) return;
    }
  }

  checkLeader(): void {
    const leader = this.leader;
    const session = leader?.readySession;
    if (leader && session && leader.node.term === this.log.term && !leader.node.isolated) this.checker.checkLeader(session, leader.engine.registry);
  }

  private after(ms: number): Promise<void> {
    return new Promise((resolve) => this.sim.after(ms, resolve));
  }

  /** Digest of the committed log (two runs of a seed must agree byte for byte). */
  logDigest(): string {
    let hash = 0x811c9dc5;
    for (const entry of this.log.entries) {
      const bytes = encode([entry.term, entry.data]);
      for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    }
    return `${this.log.length}:${hash.toString(16)}`;
  }
}

/** Lets pending promise callbacks and `setImmediate` work (the proposal batcher) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

const COMMANDS = new Set<string>(['runTask', 'killTask', 'ack', 'shutdownFramework', 'frameworkMessage', 'shutdown']);

/** Leader → agent messages that are fenced commands (not link control like pong or notLeader). */
function isCommand(message: MasterToAgent): message is MasterCommand {
  return COMMANDS.has(message.t);
}
