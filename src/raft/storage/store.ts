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
  /**
   * A snapshot installed from the leader. It replaces the WHOLE stored log (the core installs one
   * only when its log lacks the snapshot's last entry, so every stored entry is covered or
   * conflicting); `entries` in the same batch then start at snapshot index + 1.
   */
  snapshot: Snapshot | null;
  /**
   * False when the batch changes only the commit index: losing it in a crash is harmless (the
   * commit index is re-learned from the leader), so it need not wait for fsync. Default true.
   */
  mustSync?: boolean;
}

export interface RaftStore {
  /** Reads everything back; throws StorageError naming the file and the problem on corruption. */
  load(): Promise<StoredState>;
  persist(batch: PersistBatch): Promise<void>;
  /**
   * Saves a state-machine snapshot taken locally and deletes entries up to `compactTo`
   * (<= the snapshot index); later entries stay. A snapshot older than the stored one is ignored.
   * Safe to call while a persist() is in flight: writes are applied in call order.
   */
  saveSnapshot(snapshot: Snapshot, compactTo: number): Promise<void>;
  close(): Promise<void>;
}
