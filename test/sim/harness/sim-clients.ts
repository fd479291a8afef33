/**
 * Simulated KV clients and the history they record for the linearizability checker.
 *
 * A client runs one operation at a time: a put, a get through the log, or a get through
 * ReadIndex. It sends it to the node it believes leads, follows leader hints, and retries
 * elsewhere when a node refuses or is down. Retrying the SAME operation is only done when the
 * earlier attempt certainly had no effect (refused, or another entry won its log index);
 * otherwise — timeout, crash of the node holding it — the write is recorded as indeterminate
 * (it may take effect at any later time) and the client moves on to a new operation with a new
 * value, so no write is ever applied twice. Failed reads are simply left out: they have no effect.
 */
import type { Rng } from '../../../src/lib/rng.js';
import type { Entry, NodeId } from '../../../src/raft/core/types.js';
import type { KvOperation } from '../../checkers/linearizability.js';
import type { RaftSafetyChecker } from '../../checkers/raft-safety.js';
import { encodeKvCommand } from './kv-state-machine.js';
import type { SimNode } from './sim-node.js';

export interface ClientWorkload {
  keys: number;
  /** Shares of reads among operations (the rest are puts). */
  logReadShare: number;
  readIndexShare: number;
  /** Operations each client performs before it goes quiet. */
  operationsPerClient: number;
  /** How long to wait for one attempt before giving up on it. */
  attemptTimeoutMs: number;
  thinkTimeMaxMs: number;
}

export interface ClientHost {
  readonly rng: Rng;
  readonly checker: RaftSafetyChecker;
  /** A strictly increasing logical timestamp for history events. */
  stamp(): number;
  nodeList(): readonly SimNode[];
  node(id: NodeId): SimNode | undefined;
  wake(client: SimClient, delayMs: number, token: number): void;
}

type Attempt =
  | { kind: 'propose'; node: NodeId; index: number; term: number }
  | { kind: 'read'; node: NodeId; context: string };

export class SimClient {
  readonly history: KvOperation[] = [];
  private current: KvOperation | null = null;
  private attempt: Attempt | null = null;
  /** Set once an attempt of the current put was accepted by a leader: it may take effect. */
  private accepted = false;
  private tries = 0;
  private done = 0;
  private token = 0;
  private leaderGuess: NodeId | null = null;
  private readSequence = 0;
  /** Clients stop starting operations when this is false (liveness phase). */
  active = true;

  constructor(
    readonly id: string,
    private readonly workload: ClientWorkload,
    private readonly host: ClientHost,
  ) {}

  get busy(): boolean {
    return this.current !== null;
  }

  start(): void {
    this.host.wake(this, this.host.rng.int(0, this.workload.thinkTimeMaxMs), this.token);
  }

  /** A timer the client set earlier fired. */
  wake(token: number): void {
    if (token !== this.token) return;
    if (this.current === null) this.beginOperation();
    else if (this.attempt === null) this.tryOnce();
    else this.attemptTimedOut();
  }

  private beginOperation(): void {
    if (!this.active || this.done >= this.workload.operationsPerClient) return;
    const { rng } = this.host;
    const key = `k${rng.int(0, this.workload.keys - 1)}`;
    const roll = rng.next();
    const kind = roll < this.workload.logReadShare + this.workload.readIndexShare ? 'get' : 'put';
    const value = kind === 'put' ? `${this.id}.${this.done}` : null;
    this.current = { client: this.id, key, kind, value, invokedAt: this.host.stamp(), completedAt: null };
    this.readThroughLog = kind === 'get' && roll < this.workload.logReadShare;
    this.accepted = false;
    this.tries = 0;
    this.tryOnce();
  }

  private readThroughLog = false;

  private tryOnce(): void {
    const op = this.current!;
    if (++this.tries > 12) {
      this.finish(null);
      return;
    }
    const node = this.pickNode();
    if (node === undefined || !node.isUp) {
      this.leaderGuess = null;
      this.retryLater();
      return;
    }
    if (op.kind === 'get' && !this.readThroughLog) {
      const context = `${this.id}/${this.readSequence++}`;
      if (!node.readIndex(new TextEncoder().encode(context))) return this.refused(node);
      this.attempt = { kind: 'read', node: node.id, context };
    } else {
      const command =
        op.kind === 'put'
          ? { op: 'put' as const, key: op.key, value: op.value! }
          : { op: 'get' as const, key: op.key, id: `${this.id}/${this.readSequence++}` };
      const result = node.propose(encodeKvCommand(command));
      if (result === null || !result.ok) return this.refused(node, result?.leaderHint ?? null);
      if (op.kind === 'put') this.accepted = true;
      this.attempt = { kind: 'propose', node: node.id, index: result.index, term: result.term };
    }
    this.host.wake(this, this.workload.attemptTimeoutMs, ++this.token);
  }

  private pickNode(): SimNode | undefined {
    const guess = this.leaderGuess !== null ? this.host.node(this.leaderGuess) : undefined;
    if (guess !== undefined && guess.isUp) return guess;
    const candidates = this.host.nodeList().filter((node) => node.isUp);
    if (candidates.length === 0) return undefined;
    return candidates[this.host.rng.int(0, candidates.length - 1)];
  }

  private refused(node: SimNode, hint: NodeId | null = node.soft.leader): void {
    this.leaderGuess = hint !== null && hint !== node.id ? hint : null;
    this.retryLater();
  }

  private retryLater(): void {
    this.attempt = null;
    this.host.wake(this, 2 + this.host.rng.int(0, 8), ++this.token);
  }

  /** The attempt's deadline passed: settle what we can, then move on. */
  private attemptTimedOut(): void {
    const attempt = this.attempt!;
    if (attempt.kind === 'propose') {
      const appliedTerm = this.host.checker.appliedTerm(attempt.index);
      if (appliedTerm === attempt.term) return this.settleApplied(null, true);
      if (appliedTerm !== undefined) {
        // Another entry won the index: ours can never commit, so retrying is safe.
        this.accepted = false;
        return this.retryLater();
      }
    }
    this.leaderGuess = null;
    this.finish(null);
  }

  /** Node `node` applied `entry`; `result` is the command's result there. */
  onApplied(node: SimNode, entry: Entry, result: string | null): void {
    const attempt = this.attempt;
    if (attempt === null || attempt.kind !== 'propose' || attempt.node !== node.id || attempt.index !== entry.index) return;
    if (entry.term !== attempt.term) {
      // Another leader's entry took our index: ours can never commit, so retrying is safe.
      this.accepted = false;
      this.retryLater();
      return;
    }
    this.settleApplied(result, false);
  }

  private settleApplied(result: string | null, learnedLate: boolean): void {
    const op = this.current!;
    const attempt = this.attempt as Extract<Attempt, { kind: 'propose' }>;
    if (op.kind === 'put') {
      this.host.checker.acknowledge({ index: attempt.index, term: attempt.term, label: `put ${op.key}=${op.value}` });
      this.finish(this.host.stamp());
    } else if (learnedLate) {
      // We know the read committed but not what it saw here: leave it out.
      this.finish(null);
    } else {
      op.value = result;
      this.finish(this.host.stamp());
    }
  }

  /** The node serving our ReadIndex request caught up: read its state now. */
  onReadReady(node: SimNode, context: string): void {
    const attempt = this.attempt;
    if (attempt === null || attempt.kind !== 'read' || attempt.node !== node.id || attempt.context !== context) return;
    const op = this.current!;
    op.value = node.kv.read(op.key);
    this.finish(this.host.stamp());
  }

  /** `node` restored a snapshot through `index`: it will never hand us our entry to apply. */
  onSnapshotRestored(node: SimNode, index: number): void {
    const attempt = this.attempt;
    if (attempt !== null && attempt.kind === 'propose' && attempt.node === node.id && attempt.index <= index) this.onNodeLost(node);
  }

  /** `node` crashed (or jumped past our entry with a snapshot): the outcome is unknown there. */
  onNodeLost(node: SimNode): void {
    const attempt = this.attempt;
    if (attempt === null || attempt.node !== node.id) return;
    if (attempt.kind === 'propose') {
      const appliedTerm = this.host.checker.appliedTerm(attempt.index);
      if (appliedTerm === attempt.term) return this.settleApplied(null, true);
      if (appliedTerm !== undefined) {
        this.accepted = false;
        this.leaderGuess = null;
        return this.retryLater();
      }
    }
    this.leaderGuess = null;
    this.finish(null);
  }

  /** The run is over: an operation still in progress is settled as unfinished. */
  abandon(): void {
    this.active = false;
    if (this.current !== null) this.finish(null);
    this.token++;
  }

  /**
   * Ends the current operation: completed at `completedAt`, or not (null). An unfinished put
   * that a leader accepted stays in the history as indeterminate; anything else unfinished had
   * no effect and is dropped.
   */
  private finish(completedAt: number | null): void {
    const op = this.current!;
    op.completedAt = completedAt;
    if (completedAt !== null || (op.kind === 'put' && this.accepted)) this.history.push(op);
    this.current = null;
    this.attempt = null;
    this.done++;
    this.host.wake(this, this.host.rng.int(1, this.workload.thinkTimeMaxMs), ++this.token);
  }
}
