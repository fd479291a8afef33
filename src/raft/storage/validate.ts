/**
 * Whole-log checks run when a store is loaded: a replica must never start from a log that is
 * silently shorter or inconsistent, because it would then vote and acknowledge as if entries it
 * once promised to keep did not exist. Every failure is a StorageError naming the store and
 * what is wrong. Pure: works on already-decoded values.
 */
import { StorageError } from '../../lib/errors.js';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import type { LogBounds } from './log-bounds.js';
import type { StoredState } from './store.js';

/**
 * Checks `entries` (all stored entries, in index order) against the snapshot and hard state and
 * returns the state to hand the core (only entries after the snapshot) plus the stored bounds.
 */
export function validateStoredLog(
  where: string,
  hardState: HardState,
  snapshot: Snapshot | null,
  entries: Entry[],
): { state: StoredState; bounds: LogBounds } {
  const snapshotIndex = snapshot?.meta.index ?? 0;
  const fail = (problem: string): never => {
    throw new StorageError(`Raft store ${where} is corrupt: ${problem}`, { where });
  };
  const first = entries[0];
  if (first !== undefined) {
    if (first.index > snapshotIndex + 1) {
      fail(snapshot
        ? `the log starts at index ${first.index} but the snapshot ends at ${snapshotIndex} (entries ${snapshotIndex + 1}..${first.index - 1} are missing)`
        : `the log starts at index ${first.index} but there is no snapshot (entries 1..${first.index - 1} are missing)`);
    }
    checkSequence(entries, fail);
  }
  const atSnapshot = snapshot ? entries.find((entry) => entry.index === snapshotIndex) : undefined;
  if (snapshot && atSnapshot && atSnapshot.term !== snapshot.meta.term) {
    fail(`entry ${snapshotIndex} has term ${atSnapshot.term} but the snapshot at that index has term ${snapshot.meta.term}`);
  }
  const last = entries.at(-1);
  const lastIndex = Math.max(snapshotIndex, last?.index ?? 0);
  if (hardState.commit > lastIndex) fail(`the hard state commit index ${hardState.commit} is beyond the last index ${lastIndex}`);
  const lastTerm = last && last.index > snapshotIndex ? last.term : (snapshot?.meta.term ?? 0);
  if (lastTerm > hardState.term) fail(`the last entry has term ${lastTerm}, above the hard state term ${hardState.term}`);
  const bounds: LogBounds = {
    snapshotIndex,
    firstIndex: first?.index ?? snapshotIndex + 1,
    lastIndex,
  };
  const afterSnapshot = entries.filter((entry) => entry.index > snapshotIndex);
  return { state: { hardState, snapshot, entries: afterSnapshot }, bounds };
}

function checkSequence(entries: Entry[], fail: (problem: string) => never): void {
  for (let i = 1; i < entries.length; i++) {
    const previous = entries[i - 1]!;
    const entry = entries[i]!;
    if (entry.index !== previous.index + 1) {
      fail(`entries are not contiguous: index ${previous.index} is followed by ${entry.index}`);
    }
    if (entry.term < previous.term) {
      fail(`terms go backwards: entry ${previous.index} has term ${previous.term}, entry ${entry.index} has term ${entry.term}`);
    }
  }
}
