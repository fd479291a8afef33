/**
 * SimCluster: the simulated world — virtual clock, network, nodes with their disks, clients and
 * the safety checker — and the loop that pops one event at a time and hands it to its owner.
 *
 * Everything random comes from one SeededRng (plus one per core), and events fire in (time,
 * scheduling order), so a seed replays exactly. Scenario tests drive the same world by hand
 * (crash, partition, propose) between `runFor` calls; the swarm adds a nemesis and an admin.
 */
import { assert } from '../../../src/lib/assert.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { applyConfChange, decodeConfChange } from '../../../src/raft/core/membership.js';
import { defaultRaftConfig, EntryType } from '../../../src/raft/core/types.js';
import type { ConfState, Entry, Message, NodeId, RaftConfig } from '../../../src/raft/core/types.js';
import { RaftSafetyChecker } from '../../checkers/raft-safety.js';
import type { KvOperation } from '../../checkers/linearizability.js';
import { SimClient, type ClientHost, type ClientWorkload } from './sim-clients.js';
import { SimClock, tickIntervalMs } from './sim-clock.js';
import { SimNetwork, type Envelope, type NetworkFaults } from './sim-network.js';
import { SimNode, type CoreFactory, type NodeEvent, type NodeHost } from './sim-node.js';

type WorldEvent = NodeEvent | Envelope | { kind: 'call'; run: () => void };

export interface ClusterOptions {
  seed: number;
  /** Founding voters, e.g. ['n1', 'n2', 'n3']. */
  voters: NodeId[];
  raft: Omit<RaftConfig, 'id'>;
  network: NetworkFaults;
  nominalTickMs: number;
  driftMax: number;
  writeLatencyMaxMs: number;
  snapshotEveryEntries: number;
  /** Keep the newest trace lines for failure reports (replays set this). */
  traceLines?: number;
  /** Scenario tests: the fsync time of each write on `node` (instead of a random one). */
  writeLatencyFor?: (node: NodeId) => number;
  /** Scenario tests: make every shell acknowledge before syncing (a broken shell). */
  sendAcksBeforePersist?: boolean;
  /** Experiments: build cores with this instead of the real RaftCore. */
  coreFactory?: CoreFactory;
}

export function defaultClusterOptions(seed: number, voters: NodeId[]): ClusterOptions {
  return {
    seed,
    voters,
    raft: { ...defaultRaftConfig, electionTicks: 10, heartbeatTicks: 2, snapshotTrailingEntries: 4 },
    network: { lossRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 4 },
    nominalTickMs: 10,
    driftMax: 0,
    writeLatencyMaxMs: 2,
    snapshotEveryEntries: 1_000_000,
  };
}

export class SimCluster implements NodeHost, ClientHost {
  readonly clock = new SimClock<WorldEvent>();
  readonly rng: SeededRng;
  readonly network: SimNetwork;
  readonly checker = new RaftSafetyChecker();
  readonly nodes = new Map<NodeId, SimNode>();
  readonly clients: SimClient[] = [];
  /** The configuration as of the latest conf change anyone applied. */
  conf: ConfState;
  private confIndex = 0;
  private logicalTime = 0;
  steps = 0;
  snapshotInstalls = 0;
  private readonly traceBuffer: string[] = [];

  constructor(readonly options: ClusterOptions) {
    this.rng = new SeededRng(options.seed);
    this.network = new SimNetwork(this.rng, options.network, (delay, envelope) => this.clock.after(delay, envelope));
    this.conf = { voters: [...options.voters], learners: [] };
    for (const id of options.voters) this.createNode(id, { voters: [...options.voters], learners: [] });
  }

  /** Starts every founding node. */
  start(): this {
    for (const node of this.nodes.values()) node.start();
    return this;
  }

  /** Creates a node that will join later (empty bootstrap configuration) and starts it. */
  addSpareNode(id: NodeId): SimNode {
    assert(!this.nodes.has(id), `node ${id} exists already`);
    const node = this.createNode(id, { voters: [], learners: [] });
    node.start();
    return node;
  }

  private createNode(id: NodeId, bootstrapConf: ConfState): SimNode {
    const drift = (this.rng.next() * 2 - 1) * this.options.driftMax;
    const node = new SimNode(
      {
        id,
        config: { ...this.options.raft, id },
        bootstrapConf,
        tickMs: tickIntervalMs(this.options.nominalTickMs, drift),
        snapshotEveryEntries: this.options.snapshotEveryEntries,
        seed: this.options.seed * 31 + this.nodes.size + 1,
        ...(this.options.sendAcksBeforePersist === true ? { sendAcksBeforePersist: true } : {}),
        ...(this.options.coreFactory !== undefined ? { coreFactory: this.options.coreFactory } : {}),
      },
      this,
    );
    this.nodes.set(id, node);
    return node;
  }

  // --- the loop ------------------------------------------------------------------------------

  get now(): number {
    return this.clock.now;
  }

  /** Processes events until virtual time `endMs` (or until `until()` holds). Returns whether it held. */
  runUntil(endMs: number, until?: () => boolean): boolean {
    for (;;) {
      if (until !== undefined && until()) return true;
      if (this.clock.peekTime() > endMs) break;
      this.dispatch(this.clock.pop()!);
    }
    return until !== undefined && until();
  }

  runFor(durationMs: number, until?: () => boolean): boolean {
    return this.runUntil(this.now + durationMs, until);
  }

  private dispatch(event: WorldEvent): void {
    this.steps++;
    switch (event.kind) {
      case 'deliver': {
        const message = this.network.arrive(event);
        if (message !== null) this.nodes.get(message.to)?.receive(message);
        return;
      }
      case 'call':
        event.run();
        return;
      default:
        this.nodes.get(event.node)?.handle(event);
    }
  }

  /** Runs `run` after `delayMs` of virtual time. */
  later(delayMs: number, run: () => void): void {
    this.clock.after(delayMs, { kind: 'call', run });
  }

  // --- NodeHost ------------------------------------------------------------------------------

  send(message: Message): void {
    this.network.send(message);
  }

  schedule(delayMs: number, event: NodeEvent): void {
    this.clock.after(delayMs, event);
  }

  writeLatencyMs(node: NodeId): number {
    if (this.options.writeLatencyFor !== undefined) return this.options.writeLatencyFor(node);
    return this.rng.next() * this.options.writeLatencyMaxMs;
  }

  onApplied(node: SimNode, entry: Entry, result: string | null): void {
    if (entry.type === EntryType.ConfChange && entry.index > this.confIndex) {
      this.confIndex = entry.index;
      this.conf = applyConfChange(this.conf, decodeConfChange(entry.data));
      this.trace(`${node.id} applied conf change at ${entry.index}: voters [${this.conf.voters}] learners [${this.conf.learners}]`);
    }
    for (const client of this.clients) client.onApplied(node, entry, result);
  }

  onReadReady(node: SimNode, context: Uint8Array): void {
    const key = new TextDecoder().decode(context);
    for (const client of this.clients) client.onReadReady(node, key);
  }

  onRestored(node: SimNode, index: number): void {
    this.snapshotInstalls++;
    this.trace(`${node.id} installed a snapshot at ${index}`);
    for (const client of this.clients) client.onSnapshotRestored(node, index);
  }

  // --- ClientHost ----------------------------------------------------------------------------

  stamp(): number {
    return ++this.logicalTime;
  }

  node(id: NodeId): SimNode | undefined {
    return this.nodes.get(id);
  }

  nodeList(): SimNode[] {
    return [...this.nodes.values()];
  }

  wake(client: SimClient, delayMs: number, token: number): void {
    this.later(delayMs, () => client.wake(token));
  }

  addClients(count: number, workload: ClientWorkload): void {
    for (let k = 0; k < count; k++) {
      const client = new SimClient(`c${this.clients.length + 1}`, workload, this);
      this.clients.push(client);
      client.start();
    }
  }

  history(): KvOperation[] {
    return this.clients.flatMap((client) => client.history);
  }

  // --- faults and queries used by the nemesis and by scenario tests ----------------------------

  crash(id: NodeId): void {
    const node = this.nodes.get(id);
    if (node === undefined || !node.isUp) return;
    this.trace(`crash ${id} (${node.describe()})`);
    node.crash();
    for (const client of this.clients) client.onNodeLost(node);
    // Its peers' connections to it break, as a real transport would report.
    for (const peer of this.nodes.values()) if (peer.isUp) peer.reportUnreachable(id);
  }

  restart(id: NodeId): void {
    const node = this.nodes.get(id);
    if (node === undefined || node.isUp || node.stopped) return;
    node.start();
    this.trace(`restart ${id}: ${node.describe()}`);
  }

  /** Shuts a removed node down for good. */
  stop(id: NodeId): void {
    this.crash(id);
    const node = this.nodes.get(id);
    if (node !== undefined) node.stopped = true;
  }

  /** The live node that acts as leader with the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes.values()) {
      if (node.isLeader && (best === undefined || node.term > best.term)) best = node;
    }
    return best;
  }

  /** Ids of every node that exists and was not stopped. */
  liveMemberIds(): NodeId[] {
    return [...this.nodes.values()].filter((node) => !node.stopped).map((node) => node.id);
  }

  get tracing(): boolean {
    return (this.options.traceLines ?? 0) > 0;
  }

  trace(line: string): void {
    const limit = this.options.traceLines ?? 0;
    if (limit === 0) return;
    this.traceBuffer.push(`${this.now.toFixed(1).padStart(8)}ms ${line}`);
    if (this.traceBuffer.length > limit) this.traceBuffer.shift();
  }

  traceText(): string {
    return this.traceBuffer.join('\n');
  }

  describe(): string {
    const nodes = [...this.nodes.values()].map((node) => `  ${node.describe()}`).join('\n');
    const links = this.network.hasFaultyLinks() ? ' (some links still cut or clogged)' : '';
    return `at ${this.now.toFixed(1)}ms, conf voters [${this.conf.voters}] learners [${this.conf.learners}]${links}\n${nodes}`;
  }
}
