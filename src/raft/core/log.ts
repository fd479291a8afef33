/**
 * The in-memory Raft log, from the last compaction point on.
 *
 * The core keeps every entry it may still need in memory (the shell's store is write-only from
 * the core's point of view), split by a watermark into a stable prefix (already persisted by the
 * shell) and an unstable suffix (handed out in the next Ready). Entries before `prevIndex` were
 * compacted into a snapshot; `prevIndex/prevTerm` name the entry just before the first one held.
 *
 * Invariants (asserted): commit never decreases and never exceeds the last index; applied <=
 * commit; nothing at or below commit is ever truncated.
 */
import { assert } from '../../lib/assert.js';
import type { Entry, Snapshot } from './types.js';

/** Bytes an entry counts for in size limits (append batching, back-pressure). */
export function entrySize(entry: Entry): number {
  return entry.data.byteLength;
}

export class RaftLog {
  /** entries[k] has index prevIndex + 1 + k. */
  private entries: Entry[];
  private prevIndex: number;
  private prevTerm: number;
  /** First index not yet persisted; everything below it (and the snapshot) is stable. */
  private unstableFrom: number;
  /** A snapshot received from the leader that the shell has not persisted yet. */
  private pendingSnapshot: Snapshot | null = null;
  committed: number;
  applied: number;

  constructor(snapshot: Snapshot | null, entries: Entry[], committed: number) {
    this.prevIndex = snapshot?.meta.index ?? 0;
    this.prevTerm = snapshot?.meta.term ?? 0;
    this.entries = entries.slice();
    for (let k = 0; k < this.entries.length; k++) {
      assert(this.entries[k]!.index === this.prevIndex + 1 + k, 'initial entries must be contiguous after the snapshot');
    }
    this.unstableFrom = this.lastIndex() + 1;
    assert(committed >= this.prevIndex && committed <= this.lastIndex(), `initial commit ${committed} outside the log`);
    this.committed = committed;
    this.applied = this.prevIndex;
  }

  firstIndex(): number {
    return this.prevIndex + 1;
  }

  lastIndex(): number {
    return this.prevIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Index of the last persisted entry (or of the snapshot). */
  stableLastIndex(): number {
    return this.unstableFrom - 1;
  }

  /** Term of the entry at `index`, or undefined when it was compacted or does not exist yet. */
  term(index: number): number | undefined {
    if (index === this.prevIndex) return this.prevTerm;
    if (index < this.prevIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.prevIndex - 1]!.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.prevIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.prevIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: is a log ending at (lastTerm, lastIndex) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Leader-side append of new entries at the end; returns the new last index. */
  append(entry: Entry): number {
    assert(entry.index === this.lastIndex() + 1, 'appended entry must follow the last index');
    this.entries.push(entry);
    return entry.index;
  }

  /**
   * Index of the first entry in `entries` whose term disagrees with ours, or that we lack; 0 when
   * all are already present (then nothing needs to be written).
   */
  findConflict(entries: Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * Fast backtracking (thesis §5.3 and etcd): the largest index <= `index` whose term is <= `term`.
   * A follower uses it to hint where the leader should retry; the leader uses it to skip a whole
   * conflicting term in one round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let at = Math.min(index, this.lastIndex());
    for (; at > 0; at--) {
      const ours = this.term(at);
      if (ours === undefined) return { index: at, term: 0 };
      if (ours <= term) return { index: at, term: ours };
    }
    return { index: 0, term: 0 };
  }

  /**
   * Follower-side AppendEntries. Returns the index of the last new entry when the previous entry
   * matches, or null for a rejection. Conflicting uncommitted suffixes are truncated.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `conflict at ${conflict} is at or below commit ${this.committed}`);
      this.truncateAndAppend(entries, conflict - prevIndex - 1);
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  private truncateAndAppend(entries: Entry[], from: number): void {
    const firstNew = entries[from]!.index;
    const keep = firstNew - this.prevIndex - 1;
    if (keep < this.entries.length) this.entries.length = keep;
    for (let k = from; k < entries.length; k++) this.entries.push(entries[k]!);
    if (firstNew < this.unstableFrom) this.unstableFrom = firstNew;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
  }

  /**
   * Entries [lo, hi) capped at `maxBytes` (at least one entry is returned when lo < hi).
   * The result is a fresh array; the entry objects are shared and must not be mutated.
   */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo > this.prevIndex && hi <= this.lastIndex() + 1, `slice [${lo}, ${hi}) outside the log`);
    const start = lo - this.prevIndex - 1;
    let end = start;
    let bytes = 0;
    const stop = hi - this.prevIndex - 1;
    while (end < stop) {
      bytes += entrySize(this.entries[end]!);
      if (end > start && bytes > maxBytes) break;
      end++;
    }
    return this.entries.slice(start, end);
  }

  unstableEntries(): Entry[] {
    if (this.unstableFrom > this.lastIndex()) return [];
    return this.entries.slice(this.unstableFrom - this.prevIndex - 1);
  }

  hasUnstableEntries(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  /** The shell persisted entries through (index, term); ignored if the log changed meanwhile. */
  stableTo(index: number, term: number): void {
    if (index < this.unstableFrom) return;
    if (!this.matchTerm(index, term)) return;
    this.unstableFrom = index + 1;
  }

  /** Committed, persisted and not yet handed out for applying: (applied, min(commit, stable)]. */
  nextCommittedEntries(): Entry[] {
    const hi = Math.min(this.committed, this.stableLastIndex());
    if (hi <= this.applied) return [];
    return this.entries.slice(this.applied - this.prevIndex, hi - this.prevIndex);
  }

  hasNextCommittedEntries(): boolean {
    return Math.min(this.committed, this.stableLastIndex()) > this.applied;
  }

  /** Install a snapshot from the leader: the log restarts after it. */
  restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    assert(index > this.committed, 'restoring a snapshot that is not newer than commit');
    this.entries = [];
    this.prevIndex = index;
    this.prevTerm = term;
    this.unstableFrom = index + 1;
    this.pendingSnapshot = snapshot;
    this.committed = index;
    // The shell restores the state machine from the snapshot before applying later entries.
    this.applied = index;
  }

  unstableSnapshot(): Snapshot | null {
    return this.pendingSnapshot;
  }

  stableSnapshotTo(index: number): void {
    if (this.pendingSnapshot !== null && this.pendingSnapshot.meta.index === index) this.pendingSnapshot = null;
  }

  /** Drops entries through `index` (which must be applied); later ones stay. */
  compactTo(index: number): void {
    if (index <= this.prevIndex) return;
    assert(index <= this.applied, `compacting to ${index} beyond applied ${this.applied}`);
    const term = this.term(index);
    assert(term !== undefined, 'compaction point must be in the log');
    this.entries.splice(0, index - this.prevIndex);
    this.prevIndex = index;
    this.prevTerm = term;
  }
}
