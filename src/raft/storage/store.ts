/**
 * Stable storage for one Raft replica: hard state, log entries and the latest snapshot.
 * `persist` writes one Ready's hard state, entries and snapshot as ONE synced batch: when the
 * promise resolves the data survives a crash (the shell only then sends acknowledgements).
 */
import type { Entry, HardState, Snapshot } from '../core/types.js';

export interface StoredState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous. */
  entries: Entry[];
}

export interface PersistBatch {
  hardState: HardState | null;
  /** Replace stored entries from entries[0].index on (a conflicting suffix is deleted). */
  entries: Entry[];
  /** A snapshot installed from the leader: replaces the log up to and including its index. */
  snapshot: Snapshot | null;
}

export interface RaftStore {
  /** Reads everything back; throws StorageError naming the file and the problem on corruption. */
  load(): Promise<StoredState>;
  persist(batch: PersistBatch): Promise<void>;
  /** Saves a state-machine snapshot taken locally and deletes entries up to `compactTo`. */
  saveSnapshot(snapshot: Snapshot, compactTo: number): Promise<void>;
  close(): Promise<void>;
}
