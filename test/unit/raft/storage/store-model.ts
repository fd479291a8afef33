/**
 * Test support: a deliberately naive model of what a RaftStore must return after a sequence of
 * writes, and a fast-check generator of valid write sequences (terms never go backwards, no
 * gaps, truncation only above compacted entries), so property tests can compare a real store
 * against the model after reopening it.
 */
import fc from 'fast-check';
import type { Entry, HardState, Snapshot } from '../../../../src/raft/core/types.js';
import type { PersistBatch, RaftStore, StoredState } from '../../../../src/raft/storage/store.js';

export type StoreOp =
  | { kind: 'append'; backoff: number; count: number; termBump: number; commitFraction: number }
  | { kind: 'leaderSnapshot'; ahead: number; withEntries: number; dataSize: number }
  | { kind: 'localSnapshot'; back: number; keep: number }
  | { kind: 'reopen' };

export const storeOpArb: fc.Arbitrary<StoreOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), backoff: fc.nat(6), count: fc.integer({ min: 1, max: 25 }), termBump: fc.nat(2), commitFraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leaderSnapshot' as const), ahead: fc.integer({ min: 1, max: 30 }), withEntries: fc.nat(5), dataSize: fc.nat(300) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('localSnapshot' as const), back: fc.nat(10), keep: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** The naive model: a map of entries, the snapshot and the hard state. */
export class StoreModel {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  entries = new Map<number, Entry>();
  private counter = 0;

  get snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }
  get lastIndex(): number {
    return Math.max(this.snapshotIndex, ...this.entries.keys());
  }
  get firstStored(): number {
    return this.entries.size === 0 ? this.lastIndex + 1 : Math.min(...this.entries.keys());
  }
  termAt(index: number): number {
    if (index === this.snapshotIndex) return this.snapshot?.meta.term ?? 0;
    return this.entries.get(index)?.term ?? 0;
  }

  /** Turns an intent into a concrete, valid write on `store`, applying it to the model too. */
  async apply(op: StoreOp, store: RaftStore): Promise<void> {
    switch (op.kind) {
      case 'append':
        return store.persist(this.append(op));
      case 'leaderSnapshot':
        return store.persist(this.leaderSnapshot(op));
      case 'localSnapshot': {
        const planned = this.localSnapshot(op);
        if (planned) await store.saveSnapshot(planned.snapshot, planned.compactTo);
        return;
      }
      case 'reopen':
        return;
    }
  }

  expected(): StoredState {
    const entries = [...this.entries.values()].filter((e) => e.index > this.snapshotIndex).sort((a, b) => a.index - b.index);
    return { hardState: { ...this.hardState }, snapshot: this.snapshot, entries };
  }

  private append(op: Extract<StoreOp, { kind: 'append' }>): PersistBatch {
    const start = Math.max(this.firstStored, this.snapshotIndex + 1, this.lastIndex + 1 - op.backoff);
    const term = this.hardState.term + op.termBump;
    const entries = Array.from({ length: op.count }, (_, i) => this.entry(start + i, term));
    for (const index of [...this.entries.keys()]) if (index >= start) this.entries.delete(index);
    for (const entry of entries) this.entries.set(entry.index, entry);
    const commit = Math.floor(op.commitFraction * this.lastIndex);
    this.hardState = { term, vote: op.termBump > 0 ? `n${term % 3}` : this.hardState.vote, commit };
    return { hardState: this.hardState, entries, snapshot: null };
  }

  private leaderSnapshot(op: Extract<StoreOp, { kind: 'leaderSnapshot' }>): PersistBatch {
    const index = this.lastIndex + op.ahead;
    const term = this.hardState.term + 1;
    const data = Uint8Array.from({ length: op.dataSize }, (_, i) => (i * 31 + this.counter++) & 0xff);
    const snapshot: Snapshot = { meta: { index, term, conf: { voters: ['a', 'b', 'c'], learners: ['d'] } }, data };
    this.snapshot = snapshot;
    this.entries.clear();
    const entries = Array.from({ length: op.withEntries }, (_, i) => this.entry(index + 1 + i, term));
    for (const entry of entries) this.entries.set(entry.index, entry);
    this.hardState = { term, vote: null, commit: index };
    return { hardState: this.hardState, entries, snapshot };
  }

  private localSnapshot(op: Extract<StoreOp, { kind: 'localSnapshot' }>): { snapshot: Snapshot; compactTo: number } | null {
    const index = Math.min(this.lastIndex, this.hardState.commit) - op.back;
    if (index <= this.snapshotIndex) return null;
    const snapshot: Snapshot = { meta: { index, term: this.termAt(index), conf: { voters: ['a'], learners: [] } }, data: Uint8Array.of(index & 0xff, 7) };
    const compactTo = Math.max(0, index - op.keep);
    this.snapshot = snapshot;
    for (const key of [...this.entries.keys()]) if (key <= compactTo) this.entries.delete(key);
    return { snapshot, compactTo };
  }

  private entry(index: number, term: number): Entry {
    const size = (index * 7 + this.counter++) % 40;
    return { index, term, type: index % 11 === 0 ? 1 : 0, data: Uint8Array.from({ length: size }, (_, i) => (i + index) & 0xff) };
  }
}

/** Plain-data view for deep equality (Buffer and Uint8Array compare as plain byte arrays). */
export function comparable(state: StoredState): unknown {
  return {
    hardState: state.hardState,
    snapshot: state.snapshot ? { meta: state.snapshot.meta, data: [...state.snapshot.data] } : null,
    entries: state.entries.map((e) => ({ ...e, data: [...e.data] })),
  };
}
