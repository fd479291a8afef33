/**
 * SimNode: the simulator's shell around one RaftCore — the same job as src/raft/driver.ts, in
 * virtual time and with every step observable by the checkers.
 *
 * It follows the Ready contract of src/raft/core/types.ts literally: send `messages` at once,
 * stage the batch on the SimDisk, and only when the simulated fsync completes (an event some
 * milliseconds later) check and sync it, send `messagesAfterPersist`, restore/apply, answer
 * reads and `advance()`. Ticks, messages and proposals keep arriving while the write is in
 * flight, as the contract allows, so a crash can land between "sent" and "persisted".
 * Every `snapshotEveryEntries` applied entries it snapshots the KV state (another timed write)
 * and then calls `core.compact`. A crash drops the core, the KV state and unsynced writes; a
 * restart rebuilds all of them from the disk alone.
 */
import { SeededRng } from '../../../src/lib/rng.js';
import { RaftCore } from '../../../src/raft/core/raft.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftCoreApi,
  RaftInitialState,
  Ready,
  SoftState,
} from '../../../src/raft/core/types.js';
import type { Rng } from '../../../src/lib/rng.js';

/** Builds a core; the default is the real RaftCore (experiments may plug in a variant). */
export type CoreFactory = (config: RaftConfig, initial: RaftInitialState, rng: Rng) => RaftCoreApi;

export const realCore: CoreFactory = (config, initial, rng) => new RaftCore(config, initial, rng);
import type { RaftSafetyChecker } from '../../checkers/raft-safety.js';
import { KvStateMachine, snapshotDigest } from './kv-state-machine.js';
import { SimDisk } from './sim-disk.js';

/** Node-scoped events the world delivers back to the node. */
export type NodeEvent =
  | { kind: 'tick'; node: NodeId; incarnation: number }
  | { kind: 'persisted'; node: NodeId; incarnation: number; writeId: number }
  | { kind: 'snapshotSaved'; node: NodeId; incarnation: number; writeId: number };

/** What a node needs from the world around it. */
export interface NodeHost {
  readonly checker: RaftSafetyChecker;
  send(message: Message): void;
  schedule(delayMs: number, event: NodeEvent): void;
  /** Simulated fsync time for the next write. */
  writeLatencyMs(node: NodeId): number;
  onApplied(node: SimNode, entry: Entry, result: string | null): void;
  onReadReady(node: SimNode, context: Uint8Array): void;
  onRestored(node: SimNode, index: number): void;
  readonly tracing: boolean;
  trace(line: string): void;
}

export interface SimNodeOptions {
  id: NodeId;
  config: RaftConfig;
  /** The founding voters for a founding member; empty for a node that joins later. */
  bootstrapConf: ConfState;
  tickMs: number;
  snapshotEveryEntries: number;
  seed: number;
  /**
   * A deliberately broken shell for tests that must show a claim can fail: acknowledgements
   * (messagesAfterPersist) leave before the write is synced. Never set in real runs.
   */
  sendAcksBeforePersist?: boolean;
  coreFactory?: CoreFactory;
}

interface InFlightReady {
  ready: Ready;
  writeId: number | null;
  becameLeader: boolean;
}

export class SimNode {
  readonly id: NodeId;
  readonly disk: SimDisk;
  core: RaftCoreApi | null = null;
  kv = new KvStateMachine();
  incarnation = 0;
  /** Removed from the cluster and shut down for good. */
  stopped = false;
  soft: SoftState = { leader: null, role: 'follower' };
  /** The core's term as of the latest Ready. */
  term = 0;
  appliedTerm = 0;
  crashes = 0;
  private inFlight: InFlightReady | null = null;
  private snapshotWrite: { writeId: number; index: number; data: Uint8Array } | null = null;
  private lastSnapshotIndex = 0;
  private pendingReads: Array<{ index: number; context: Uint8Array }> = [];

  constructor(
    private readonly options: SimNodeOptions,
    private readonly host: NodeHost,
  ) {
    this.id = options.id;
    this.disk = new SimDisk(options.id);
  }

  get isUp(): boolean {
    return this.core !== null;
  }

  get isLeader(): boolean {
    return this.core !== null && this.soft.role === 'leader';
  }

  /** Builds a core from exactly what the disk holds (also the first start) and starts ticking. */
  start(): void {
    const stored = this.disk.load();
    this.kv = new KvStateMachine();
    if (stored.snapshot !== null) {
      this.kv.restore(stored.snapshot.data);
      this.host.checker.observeRestore(this.id, stored.snapshot.meta.index, snapshotDigest(stored.snapshot.data).digest);
    }
    this.appliedTerm = stored.snapshot?.meta.term ?? 0;
    this.lastSnapshotIndex = stored.snapshot?.meta.index ?? 0;
    const rng = new SeededRng((this.options.seed * 7919 + this.incarnation * 104_729) >>> 0);
    const build = this.options.coreFactory ?? realCore;
    this.core = build(this.options.config, { ...stored, bootstrapConf: this.options.bootstrapConf }, rng);
    this.term = stored.hardState.term;
    this.soft = { leader: null, role: 'follower' };
    this.host.schedule(this.options.tickMs, { kind: 'tick', node: this.id, incarnation: this.incarnation });
    this.pump();
  }

  /** Power loss: the core, the state machine and every unsynced write are gone. */
  crash(): void {
    this.core = null;
    this.disk.crash();
    this.inFlight = null;
    this.snapshotWrite = null;
    this.pendingReads = [];
    this.incarnation++;
    this.crashes++;
    this.soft = { leader: null, role: 'follower' };
  }

  handle(event: NodeEvent): void {
    if (event.incarnation !== this.incarnation || this.core === null) return;
    switch (event.kind) {
      case 'tick':
        this.core.tick();
        this.host.schedule(this.options.tickMs, event);
        break;
      case 'persisted':
        this.finishReady(event.writeId);
        break;
      case 'snapshotSaved':
        this.finishSnapshot(event.writeId);
        break;
    }
    this.pump();
  }

  receive(message: Message): void {
    if (this.core === null) return;
    this.core.step(message);
    this.pump();
  }

  propose(data: Uint8Array): ProposeResult | null {
    if (this.core === null) return null;
    const result = this.core.propose(data);
    this.pump();
    return result;
  }

  proposeConfChange(change: ConfChange): ProposeResult | null {
    if (this.core === null) return null;
    const result = this.core.proposeConfChange(change);
    this.pump();
    return result;
  }

  readIndex(context: Uint8Array): boolean {
    if (this.core === null) return false;
    const accepted = this.core.readIndex(context);
    this.pump();
    return accepted;
  }

  reportUnreachable(peer: NodeId): void {
    if (this.core === null) return;
    this.core.reportUnreachable(peer);
    this.pump();
  }

  transferLeadership(to: NodeId): void {
    if (this.core === null) return;
    this.core.transferLeadership(to);
    this.pump();
  }

  /** Takes the next Ready if none is in flight. */
  private pump(): void {
    const core = this.core;
    if (core === null || this.inFlight !== null || !core.hasReady()) return;
    const ready = core.ready();
    for (const message of ready.messages) this.host.send(message);
    if (this.options.sendAcksBeforePersist === true) for (const message of ready.messagesAfterPersist) this.host.send(message);
    if (ready.hardState !== null) this.term = ready.hardState.term;
    if (ready.softState !== null) {
      this.soft = ready.softState;
      if (this.host.tracing) this.host.trace(`${this.id} is ${this.soft.role} of term ${this.term} (leader ${String(this.soft.leader)})`);
    }
    if (this.soft.role === 'leader') this.host.checker.observeLeader(this.id, this.term);
    const becameLeader = ready.softState?.role === 'leader';
    const needsWrite = ready.hardState !== null || ready.entries.length > 0 || ready.snapshot !== null;
    const writeId = needsWrite
      ? this.disk.stage({ kind: 'ready', batch: { hardState: ready.hardState, entries: ready.entries, snapshot: ready.snapshot } })
      : null;
    this.inFlight = { ready, writeId, becameLeader };
    if (writeId === null) {
      this.finishReady(null);
      this.pump();
    } else {
      this.host.schedule(this.host.writeLatencyMs(this.id), { kind: 'persisted', node: this.id, incarnation: this.incarnation, writeId });
    }
  }

  private finishReady(writeId: number | null): void {
    const inFlight = this.inFlight;
    if (inFlight === null || inFlight.writeId !== writeId) return;
    this.inFlight = null;
    const { ready } = inFlight;
    if (writeId !== null) this.syncReady(ready, writeId);
    if (inFlight.becameLeader) this.host.checker.leaderLogDurable(this.id, this.term, this.disk);
    if (this.options.sendAcksBeforePersist !== true) for (const message of ready.messagesAfterPersist) this.host.send(message);
    if (ready.snapshot !== null) this.restoreFromLeader(ready);
    for (const entry of ready.committedEntries) this.apply(entry);
    for (const read of ready.readStates) this.pendingReads.push(read);
    this.serveReads();
    this.core!.advance(ready);
    this.maybeSnapshot();
  }

  private syncReady(ready: Ready, writeId: number): void {
    const checker = this.host.checker;
    const previous = { ...this.disk.hardState };
    checker.beforePersist(this.id, this.disk, ready.entries, ready.snapshot);
    this.disk.sync(writeId);
    checker.afterPersist(this.id, previous, this.disk, ready.entries);
  }

  private restoreFromLeader(ready: Ready): void {
    const snapshot = ready.snapshot!;
    this.kv.restore(snapshot.data);
    this.appliedTerm = snapshot.meta.term;
    this.lastSnapshotIndex = snapshot.meta.index;
    this.host.checker.observeRestore(this.id, snapshot.meta.index, snapshotDigest(snapshot.data).digest);
    this.host.onRestored(this, snapshot.meta.index);
  }

  private apply(entry: Entry): void {
    const result = this.kv.apply(entry);
    this.appliedTerm = entry.term;
    this.host.checker.observeApply(this.id, entry.index, entry.term, this.kv.digest);
    this.host.onApplied(this, entry, result);
  }

  private serveReads(): void {
    if (this.pendingReads.length === 0) return;
    const waiting: typeof this.pendingReads = [];
    for (const read of this.pendingReads) {
      if (read.index <= this.kv.appliedIndex) this.host.onReadReady(this, read.context);
      else waiting.push(read);
    }
    this.pendingReads = waiting;
  }

  private maybeSnapshot(): void {
    const index = this.kv.appliedIndex;
    if (this.snapshotWrite !== null || index - this.lastSnapshotIndex < this.options.snapshotEveryEntries) return;
    const data = this.kv.snapshot();
    const conf = this.core!.status().conf;
    const snapshot = { meta: { index, term: this.appliedTerm, conf }, data };
    const writeId = this.disk.stage({ kind: 'snapshot', snapshot, compactTo: index });
    this.snapshotWrite = { writeId, index, data };
    this.lastSnapshotIndex = index;
    this.host.schedule(this.host.writeLatencyMs(this.id), { kind: 'snapshotSaved', node: this.id, incarnation: this.incarnation, writeId });
  }

  private finishSnapshot(writeId: number): void {
    const write = this.snapshotWrite;
    if (write === null || write.writeId !== writeId) return;
    this.snapshotWrite = null;
    this.disk.sync(writeId);
    this.core!.compact(write.index, write.data);
  }

  /** One line for failure reports. */
  describe(): string {
    if (this.core === null) {
      const hard = this.disk.hardState;
      return `${this.id}: ${this.stopped ? 'stopped' : 'DOWN'} (disk term ${hard.term}, commit ${hard.commit}, last ${this.disk.lastIndex()})`;
    }
    const s = this.core.status();
    return (
      `${this.id}: ${s.role} term ${s.term} leader ${String(s.leader)} commit ${s.commitIndex} applied ${this.kv.appliedIndex} ` +
      `last ${s.lastIndex} voters [${s.conf.voters.join(',')}] learners [${s.conf.learners.join(',')}]`
    );
  }
}
