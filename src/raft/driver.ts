/**
 * The Raft node: the thin shell that turns the pure core into a service.
 *
 * One loop, batched per turn (TigerStyle "batch, don't react"): inbound messages, ticks and
 * proposals that arrived while the previous Ready was being persisted are stepped together, then
 * ONE Ready is taken and handled in the fixed order of the core's contract
 * (src/raft/core/types.ts): send `messages` → persist one synced batch → send
 * `messagesAfterPersist` → restore/apply → answer reads → advance. Nothing is stepped into the
 * core between ready() and advance(), so the core never sees its own in-flight Ready change.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Rng } from '../lib/rng.js';
import { assert } from '../lib/assert.js';
import { NotLeaderError, UnavailableError } from '../lib/errors.js';
import { RaftCore } from './core/raft.js';
import {
  EntryType,
  type ConfChange,
  type ConfState,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type RaftStatus,
  type Ready,
  type SoftState,
} from './core/types.js';
import { PendingProposals, PendingReads } from './pending.js';
import type { StateMachine } from './state-machine.js';
import type { RaftStore } from './storage/store.js';
import type { Transport } from './transport/transport.js';

export interface RaftNodeOptions {
  config: RaftConfig;
  /** Voters of a brand-new cluster (ignored once storage holds a snapshot or a log). */
  bootstrapConf: ConfState;
  store: RaftStore;
  transport: Transport;
  stateMachine: StateMachine;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  /** Wall-clock length of one Raft tick. */
  tickMs: number;
  /** Take a state-machine snapshot and compact the log every this many applied entries. */
  snapshotEveryEntries: number;
  /** Default deadline for a proposal to be applied, or a read to be confirmed. */
  requestTimeoutMs: number;
  /** Most proposals queued while the log is busy; beyond it propose() fails fast. */
  maxQueuedProposals: number;
}

interface QueuedProposal {
  data: Uint8Array;
  change: ConfChange | null;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Longest stretch the Raft loop runs before letting the event loop take a turn. */
const RUN_SLICE_MS = 20;

export type LeaderListener = (soft: SoftState, term: number) => void;

export class RaftNode {
  private readonly core: RaftCore;
  private readonly proposals: PendingProposals;
  private readonly reads: PendingReads;
  private inbox: Message[] = [];
  private pendingTicks = 0;
  private queuedProposals: QueuedProposal[] = [];
  private unreachable: NodeId[] = [];
  private scheduled = false;
  private running = false;
  private stopped = false;
  private tickTimer: TimerHandle | null = null;
  private appliedIndex: number;
  /** Term of the entry at appliedIndex (a snapshot's metadata needs it). */
  private appliedTerm: number;
  private appliedSinceSnapshot = 0;
  private snapshotting = false;
  /** A snapshot being encoded in pieces; applying is paused until it is done. */
  private snapshotPieces: Generator<void, Uint8Array, void> | null = null;
  private soft: SoftState = { leader: null, role: 'follower' };
  private readonly leaderListeners: LeaderListener[] = [];
  private fatal: Error | null = null;
  private persistedHardState: HardState | null = null;

  private constructor(
    private readonly options: RaftNodeOptions,
    core: RaftCore,
    applied: { index: number; term: number },
  ) {
    this.core = core;
    this.appliedIndex = applied.index;
    this.appliedTerm = applied.term;
    this.proposals = new PendingProposals(options.clock);
    this.reads = new PendingReads(options.clock);
  }

  /** Loads storage, restores the state machine from the latest snapshot and starts ticking. */
  static async start(options: RaftNodeOptions): Promise<RaftNode> {
    const stored = await options.store.load();
    if (stored.snapshot) options.stateMachine.restore(stored.snapshot.data);
    const core = new RaftCore(
      options.config,
      { ...stored, bootstrapConf: options.bootstrapConf },
      options.rng,
    );
    const node = new RaftNode(options, core, { index: stored.snapshot?.meta.index ?? 0, term: stored.snapshot?.meta.term ?? 0 });
    options.transport.onMessage((message) => node.receive(message));
    options.transport.onPeerDown((peer) => {
      node.unreachable.push(peer);
      node.schedule();
    });
    node.scheduleTick();
    node.schedule();
    return node;
  }

  get id(): NodeId {
    return this.options.config.id;
  }
  get isLeader(): boolean {
    return this.soft.role === 'leader';
  }
  get leaderId(): NodeId | null {
    return this.soft.leader;
  }
  get applied(): number {
    return this.appliedIndex;
  }

  status(): RaftStatus {
    return { ...this.core.status(), appliedIndex: this.appliedIndex };
  }

  onLeaderChange(listener: LeaderListener): void {
    this.leaderListeners.push(listener);
  }

  /** Appends a command; resolves with the state machine's result once it is applied here. */
  propose(data: Uint8Array, timeoutMs = this.options.requestTimeoutMs): Promise<unknown> {
    return this.enqueueProposal(data, null, timeoutMs);
  }

  /** One-at-a-time membership change; resolves once the change is applied. */
  changeMembership(change: ConfChange, timeoutMs = this.options.requestTimeoutMs): Promise<unknown> {
    return this.enqueueProposal(new Uint8Array(0), change, timeoutMs);
  }

  /** Linearizable read barrier (ReadIndex): resolves once this leader's state is up to date. */
  readBarrier(timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    const promise = this.reads.enqueue(timeoutMs);
    this.schedule();
    return promise;
  }

  /** Hands leadership to `to` (or the most caught-up voter); resolves when someone else leads. */
  async transferLeadership(to: NodeId | null, timeoutMs = 2_000): Promise<boolean> {
    if (!this.isLeader) return false;
    const target = to ?? this.bestTransferTarget();
    if (!target) return false;
    this.core.transferLeadership(target);
    this.schedule();
    return this.waitFor(() => !this.isLeader, timeoutMs);
  }

  /** Graceful stop: optionally hand over leadership first so the cluster fails over at once. */
  async stop(options: { transfer: boolean } = { transfer: true }): Promise<void> {
    if (this.stopped) return;
    if (options.transfer && this.isLeader) {
      await this.transferLeadership(null, 1_500).catch(() => false);
    }
    this.stopped = true;
    this.tickTimer?.cancel();
    await this.waitFor(() => !this.running, 2_000);
    this.proposals.rejectAll('this replica is shutting down');
    this.reads.rejectAll(() => new UnavailableError('this replica is shutting down'));
    for (const queued of this.queuedProposals) queued.reject(new UnavailableError('this replica is shutting down'));
    this.queuedProposals = [];
    await this.options.transport.close();
    await this.options.store.close();
  }

  private enqueueProposal(data: Uint8Array, change: ConfChange | null, timeoutMs: number): Promise<unknown> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    if (this.queuedProposals.length >= this.options.maxQueuedProposals) {
      return Promise.reject(new UnavailableError(`too many queued proposals (${this.options.maxQueuedProposals}); retry later`));
    }
    return new Promise((resolve, reject) => {
      this.queuedProposals.push({ data, change, timeoutMs, resolve, reject });
      this.schedule();
    });
  }

  private refusal(): Error | null {
    if (this.fatal) return new UnavailableError(`raft node failed: ${this.fatal.message}`);
    if (this.stopped) return new UnavailableError('this replica is shutting down');
    if (!this.isLeader) return new NotLeaderError(this.soft.leader);
    return null;
  }

  private receive(message: Message): void {
    if (this.stopped) return;
    this.inbox.push(message);
    this.schedule();
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    this.tickTimer = this.options.clock.setTimer(this.options.tickMs, () => {
      this.pendingTicks++;
      this.schedule();
      this.scheduleTick();
    });
  }

  /** Runs the loop on a later turn so that everything arriving in this turn is batched. */
  private schedule(): void {
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /**
   * Handles Readies until none is left or the turn's time slice is used up; then the event loop
   * gets a turn (timers tick, sockets deliver) before the rest. A long run of committed entries
   * (a burst of registrations, a catch-up after a restart) is so applied in slices, and this
   * replica keeps heartbeating and voting meanwhile instead of stalling past an election timeout.
   */
  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    const slice = { endsAt: this.options.clock.monotonicMs() + RUN_SLICE_MS };
    try {
      for (;;) {
        this.stepInputs();
        if (!this.core.hasReady()) break;
        await this.handleReady(this.core.ready(), slice);
        if (this.stopped || this.options.clock.monotonicMs() >= slice.endsAt) break;
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.running = false;
    }
    if ((this.hasInputs() || this.core.hasReady()) && !this.stopped && !this.fatal) this.schedule();
  }

  private hasInputs(): boolean {
    return this.inbox.length > 0 || this.pendingTicks > 0 || this.queuedProposals.length > 0 || this.unreachable.length > 0;
  }

  /** Feeds everything that arrived since the last Ready into the core. */
  private stepInputs(): void {
    for (const peer of this.unreachable.splice(0)) this.core.reportUnreachable(peer);
    while (this.pendingTicks > 0) {
      this.pendingTicks--;
      this.core.tick();
    }
    const inbox = this.inbox;
    this.inbox = [];
    for (const message of inbox) this.core.step(message);
    const queued = this.queuedProposals;
    this.queuedProposals = [];
    // One refusal shared by the round: thousands of proposals queued behind a lost leadership
    // would otherwise each capture a stack trace.
    const refusals = new Map<string, Error>();
    for (const proposal of queued) this.proposeNow(proposal, refusals);
    const readContext = this.isLeader ? this.reads.startRound() : null;
    if (readContext && !this.core.readIndex(readContext)) {
      this.reads.rejectAll(() => new NotLeaderError(this.soft.leader));
    }
  }

  private proposeNow(proposal: QueuedProposal, refusals: Map<string, Error>): void {
    const result = proposal.change ? this.core.proposeConfChange(proposal.change) : this.core.propose(proposal.data);
    if (result.ok) {
      this.proposals.wait(result.index, result.term, proposal.timeoutMs).then(proposal.resolve, proposal.reject);
      return;
    }
    const key = result.reason === 'notLeader' ? `notLeader:${result.leaderHint ?? ''}` : result.reason;
    let error = refusals.get(key);
    if (!error) {
      error = result.reason === 'notLeader'
        ? new NotLeaderError(result.leaderHint)
        : new UnavailableError(`proposal refused: ${result.reason}`, { reason: result.reason });
      refusals.set(key, error);
    }
    proposal.reject(error);
  }

  /** `slice.endsAt` bounds the synchronous work; waiting for the disk starts a new slice. */
  private async handleReady(ready: Ready, slice: { endsAt: number }): Promise<void> {
    const { transport, store } = this.options;
    for (const message of ready.messages) transport.send(message);
    if (ready.hardState || ready.entries.length > 0 || ready.snapshot) {
      await store.persist({ hardState: ready.hardState, entries: ready.entries, snapshot: ready.snapshot, mustSync: this.mustSync(ready) });
      // The event loop ran other work while the disk wrote: the time waited is not this run's
      // synchronous time. Measured from the start of the run instead, a loaded leader whose
      // writes take longer than the slice applied one committed entry per Ready (its followers,
      // whose slices were not spent waiting, applied ten times as many).
      slice.endsAt = this.options.clock.monotonicMs() + RUN_SLICE_MS;
      if (ready.hardState) this.persistedHardState = ready.hardState;
    }
    for (const message of ready.messagesAfterPersist) transport.send(message);
    if (ready.softState) this.changeSoftState(ready.softState);
    if (ready.snapshot) {
      // The leader's snapshot replaces the state a local one is being encoded from.
      if (this.snapshotPieces) this.endSnapshotPieces(true);
      this.restoreSnapshot(ready);
    }
    this.applyEntries(ready, slice.endsAt);
    for (const read of ready.readStates) this.reads.confirmed(read.context, read.index, this.appliedIndex);
    this.core.advance(ready, this.appliedIndex);
    this.maybeSnapshot();
  }

  /** Only entries, snapshots, term and vote need fsync; a commit-only change does not (etcd's MustSync). */
  private mustSync(ready: Ready): boolean {
    if (ready.entries.length > 0 || ready.snapshot) return true;
    const next = ready.hardState;
    const last = this.persistedHardState;
    return next !== null && (last === null || next.term !== last.term || next.vote !== last.vote);
  }

  private restoreSnapshot(ready: Ready): void {
    const snapshot = ready.snapshot;
    assert(snapshot !== null, 'restoreSnapshot without a snapshot');
    this.options.stateMachine.restore(snapshot.data);
    this.appliedIndex = snapshot.meta.index;
    this.appliedTerm = snapshot.meta.term;
    this.appliedSinceSnapshot = 0;
    this.options.logger.info({ index: snapshot.meta.index, term: snapshot.meta.term }, 'restored state machine from leader snapshot');
  }

  /** Applies committed entries in order until `deadline` (at least one, so the log always moves). */
  private applyEntries(ready: Ready, deadline: number): void {
    const { stateMachine, clock } = this.options;
    let appliedNow = 0;
    for (const entry of ready.committedEntries) {
      if (entry.index <= this.appliedIndex) continue;
      if (appliedNow > 0 && clock.monotonicMs() >= deadline) break;
      appliedNow++;
      assert(entry.index === this.appliedIndex + 1, `apply gap: applied ${this.appliedIndex}, next ${entry.index}`);
      let result: unknown = null;
      if (entry.type === EntryType.Normal && entry.data.length > 0) result = stateMachine.apply(entry.data, entry.index);
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      this.appliedSinceSnapshot++;
      this.proposals.applied(entry.index, entry.term, result);
    }
    if (ready.committedEntries.length > 0) this.reads.appliedTo(this.appliedIndex);
  }

  private changeSoftState(next: SoftState): void {
    const wasLeader = this.soft.role === 'leader';
    const leaderChanged = next.leader !== this.soft.leader;
    this.soft = next;
    if (wasLeader && next.role !== 'leader') {
      this.proposals.rejectAll('this replica lost leadership');
      this.reads.rejectAll(() => new NotLeaderError(next.leader));
    }
    if (leaderChanged || wasLeader !== (next.role === 'leader')) {
      const term = this.core.status().term;
      this.options.logger.info({ leader: next.leader, role: next.role, term }, 'leadership changed');
      for (const listener of this.leaderListeners) listener(next, term);
    }
  }

  /**
   * Snapshots run in the background; the log keeps moving meanwhile. A state machine that can
   * encode in pieces does so a slice per event-loop turn with applying paused (replication,
   * heartbeats and votes go on), so a large state never stalls the loop for its whole encoding.
   */
  private maybeSnapshot(): void {
    if (this.snapshotting || this.appliedSinceSnapshot < this.options.snapshotEveryEntries) return;
    this.snapshotting = true;
    const index = this.appliedIndex;
    const term = this.appliedTerm;
    this.appliedSinceSnapshot = 0;
    const pieces = this.options.stateMachine.snapshotInPieces?.();
    if (!pieces) {
      this.saveSnapshot(index, term, this.options.stateMachine.snapshot());
      return;
    }
    this.snapshotPieces = pieces;
    this.core.pauseApply(true);
    const step = (): void => {
      if (this.snapshotPieces !== pieces || this.stopped) return;
      const deadline = this.options.clock.monotonicMs() + RUN_SLICE_MS;
      let result = pieces.next();
      while (!result.done && this.options.clock.monotonicMs() < deadline) result = pieces.next();
      if (!result.done) {
        setImmediate(step);
        return;
      }
      this.endSnapshotPieces(false);
      this.saveSnapshot(index, term, result.value);
    };
    setImmediate(step);
  }

  /** Ends a snapshot in pieces and resumes applying: finished, or abandoned (nothing is saved). */
  private endSnapshotPieces(abandoned: boolean): void {
    if (abandoned) {
      this.snapshotPieces?.return(new Uint8Array(0));
      this.snapshotting = false;
    }
    this.snapshotPieces = null;
    this.core.pauseApply(false);
    this.schedule();
  }

  private saveSnapshot(index: number, term: number, data: Uint8Array): void {
    const status = this.core.status();
    this.options.store
      .saveSnapshot({ meta: { index, term, conf: status.conf }, data }, index)
      .then(() => {
        this.core.compact(index, data);
        this.options.logger.debug({ index }, 'snapshot saved and log compacted');
      })
      .catch((error: Error) => this.fail(error))
      .finally(() => {
        this.snapshotting = false;
      });
  }

  private bestTransferTarget(): NodeId | null {
    const peers = this.core.status().peers.filter((p) => p.voter && p.id !== this.id);
    peers.sort((a, b) => b.matchIndex - a.matchIndex);
    return peers[0]?.id ?? null;
  }

  private fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.options.logger.fatal({ err: error }, 'raft node failed; refusing further requests');
    this.proposals.rejectAll(`raft node failed: ${error.message}`);
    this.reads.rejectAll(() => new UnavailableError(`raft node failed: ${error.message}`));
  }

  private waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = this.options.clock.monotonicMs() + timeoutMs;
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) resolve(true);
        else if (this.options.clock.monotonicMs() >= deadline) resolve(false);
        else this.options.clock.setTimer(5, check);
      };
      check();
    });
  }
}
