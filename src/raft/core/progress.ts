/**
 * What the leader knows about one replica's log, and how it sends appends to it.
 *
 * - probe: the leader does not know where the follower's log ends; it sends one append at a time
 *   and waits for the answer (or a heartbeat response) before sending the next.
 * - replicate: the follower is known to match through `match`; appends are pipelined
 *   optimistically (next advances on send), bounded by an in-flight window.
 * - snapshot: the follower needs a snapshot; nothing is sent until it acknowledges one.
 */
import { assert } from '../../lib/assert.js';
import type { NodeId } from './types.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * A FIFO window of in-flight appends, remembered by the last index each carried. A ring buffer
 * so that a busy pipeline does no allocation.
 */
export class Inflights {
  private readonly lastIndexes: number[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    assert(capacity > 0, 'inflight capacity must be positive');
    this.lastIndexes = new Array<number>(capacity).fill(0);
  }

  size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  add(lastIndex: number): void {
    assert(!this.full(), 'adding to a full inflight window');
    this.lastIndexes[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** Frees every in-flight append whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.lastIndexes[this.start]! <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Frees the oldest slot: a heartbeat answer shows the follower is alive though acks were lost. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is outstanding, wait for its answer. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state; a lost snapshot is retried after a while. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    maxInflight: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // After a snapshot, the follower holds at least the snapshot: probe from just after it.
    const floor = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState('probe');
    this.next = floor + 1;
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** A successful append response through `index`; returns true if match advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejected append for prev index `rejected`; `retryFrom` is the leader's guess (from the
   * follower's hint) of the last index the follower may match. Returns false when the rejection
   * is stale (answers an append sent before a later decision).
   */
  maybeDecrTo(rejected: number, retryFrom: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, retryFrom + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Record an append just sent, carrying entries through `lastIndex` (count may be 0). */
  sentEntries(lastIndex: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
