/**
 * Pure bookkeeping of which log indexes a store holds, shared by the LevelDB and memory stores.
 * Given the current bounds and a write (a Ready's batch, or a local snapshot), it computes which
 * stored entries must be deleted and the bounds afterwards, so a store never has to read before
 * it writes. No I/O here.
 *
 * Invariants: stored entries are exactly [firstIndex, lastIndex] (none when firstIndex ===
 * lastIndex + 1); snapshotIndex <= lastIndex; firstIndex <= snapshotIndex + 1 (no gap between
 * the snapshot and the entries).
 */
import { assert } from '../../lib/assert.js';
import type { Entry, Snapshot } from '../core/types.js';
import type { PersistBatch } from './store.js';

export interface LogBounds {
  snapshotIndex: number;
  firstIndex: number;
  lastIndex: number;
}

/** An inclusive range of entry indexes to delete. */
export interface IndexRange {
  from: number;
  to: number;
}

export interface WritePlan {
  deletes: IndexRange[];
  next: LogBounds;
  /** False when a local snapshot is older than the stored one: keep the stored snapshot. */
  writeSnapshot: boolean;
}

export const emptyBounds: LogBounds = { snapshotIndex: 0, firstIndex: 1, lastIndex: 0 };

export function hasEntries(bounds: LogBounds): boolean {
  return bounds.firstIndex <= bounds.lastIndex;
}

/**
 * A Ready's batch. A snapshot from the leader replaces the whole stored log: the core only
 * installs one when its log does not contain the snapshot's last entry, so every stored entry
 * is either covered by the snapshot or conflicts with it (Raft §7). Entries then replace any
 * stored suffix from entries[0].index on.
 */
export function planPersist(bounds: LogBounds, batch: PersistBatch): WritePlan {
  const deletes: IndexRange[] = [];
  let next = bounds;
  if (batch.snapshot) {
    const index = batch.snapshot.meta.index;
    assert(index >= bounds.snapshotIndex, `leader snapshot at ${index} is older than the stored one at ${bounds.snapshotIndex}`);
    if (hasEntries(bounds)) deletes.push({ from: bounds.firstIndex, to: bounds.lastIndex });
    next = { snapshotIndex: index, firstIndex: index + 1, lastIndex: index };
  }
  if (batch.entries.length > 0) {
    const { from, to } = checkContiguous(batch.entries);
    assert(from > next.snapshotIndex, `entry ${from} is covered by the snapshot at ${next.snapshotIndex}`);
    assert(from >= next.firstIndex, `entry ${from} would overwrite compacted entries (first stored is ${next.firstIndex})`);
    assert(from <= next.lastIndex + 1, `entry ${from} would leave a gap after the last index ${next.lastIndex}`);
    if (to < next.lastIndex) deletes.push({ from: to + 1, to: next.lastIndex });
    next = { ...next, lastIndex: to };
  }
  return { deletes, next, writeSnapshot: batch.snapshot !== null };
}

/**
 * A snapshot taken locally of the applied state: entries up to `compactTo` (at most the
 * snapshot's index) are deleted, later ones stay. An older snapshot than the stored one is
 * ignored (a leader snapshot may have overtaken it while the state machine was serialising).
 */
export function planCompaction(bounds: LogBounds, snapshot: Snapshot, compactTo: number): WritePlan {
  const index = snapshot.meta.index;
  assert(compactTo <= index, `compactTo ${compactTo} is beyond the snapshot index ${index}`);
  if (index <= bounds.snapshotIndex) return { deletes: [], next: bounds, writeSnapshot: false };
  const deletes: IndexRange[] = [];
  let next = { ...bounds, snapshotIndex: index };
  if (index > bounds.lastIndex) {
    // Never for a local snapshot (applied <= last), but keep the no-gap invariant regardless.
    if (hasEntries(bounds)) deletes.push({ from: bounds.firstIndex, to: bounds.lastIndex });
    return { deletes, next: { snapshotIndex: index, firstIndex: index + 1, lastIndex: index }, writeSnapshot: true };
  }
  const deleteTo = Math.min(compactTo, next.lastIndex);
  if (next.firstIndex <= deleteTo) {
    deletes.push({ from: next.firstIndex, to: deleteTo });
    next = { ...next, firstIndex: deleteTo + 1 };
  }
  return { deletes, next, writeSnapshot: true };
}

function checkContiguous(entries: readonly Entry[]): IndexRange {
  const from = entries[0]!.index;
  for (let i = 1; i < entries.length; i++) {
    assert(entries[i]!.index === from + i, `entries to persist are not contiguous at ${entries[i]!.index} (expected ${from + i})`);
  }
  return { from, to: from + entries.length - 1 };
}
