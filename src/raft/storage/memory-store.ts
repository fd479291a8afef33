/**
 * RaftStore in memory, for tests, the simulator and benchmarks. It follows exactly the same
 * rules as the LevelDB store (same bounds planning and load validation) and copies everything
 * in and out, so a caller mutating a buffer after persist() cannot change what was "written".
 * A write is durable when its promise resolves; `crashed()` gives a new store holding only
 * what had been durably written, which is what a restarted replica would find on disk.
 */
import { StorageError } from '../../lib/errors.js';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import { emptyBounds, planCompaction, planPersist, type LogBounds, type WritePlan } from './log-bounds.js';
import type { PersistBatch, RaftStore, StoredState } from './store.js';
import { validateStoredLog } from './validate.js';

interface DurableState {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Map<number, Entry>;
}

export class MemoryRaftStore implements RaftStore {
  private durable: DurableState;
  private bounds: LogBounds = emptyBounds;
  private closed = false;
  /** Number of completed writes (persist + saveSnapshot), for tests and benchmarks. */
  writes = 0;

  constructor(private readonly name = 'memory') {
    this.durable = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: new Map() };
  }

  async load(): Promise<StoredState> {
    this.checkOpen();
    const entries = [...this.durable.entries.values()].sort((a, b) => a.index - b.index).map(copyEntry);
    const snapshot = this.durable.snapshot ? copySnapshot(this.durable.snapshot) : null;
    const { state, bounds } = validateStoredLog(this.name, { ...this.durable.hardState }, snapshot, entries);
    this.bounds = bounds;
    return state;
  }

  async persist(batch: PersistBatch): Promise<void> {
    this.checkOpen();
    const plan = planPersist(this.bounds, batch);
    if (batch.hardState) this.durable.hardState = { ...batch.hardState };
    if (batch.snapshot) this.durable.snapshot = copySnapshot(batch.snapshot);
    this.applyPlan(plan);
    for (const entry of batch.entries) this.durable.entries.set(entry.index, copyEntry(entry));
  }

  async saveSnapshot(snapshot: Snapshot, compactTo: number): Promise<void> {
    this.checkOpen();
    const plan = planCompaction(this.bounds, snapshot, compactTo);
    if (plan.writeSnapshot) this.durable.snapshot = copySnapshot(snapshot);
    this.applyPlan(plan);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A fresh store over the same durable data, as found after a crash and restart. */
  crashed(): MemoryRaftStore {
    const copy = new MemoryRaftStore(this.name);
    copy.durable = {
      hardState: { ...this.durable.hardState },
      snapshot: this.durable.snapshot ? copySnapshot(this.durable.snapshot) : null,
      entries: new Map([...this.durable.entries].map(([index, entry]) => [index, copyEntry(entry)])),
    };
    copy.bounds = this.bounds;
    return copy;
  }

  private applyPlan(plan: WritePlan): void {
    for (const range of plan.deletes) {
      for (let index = range.from; index <= range.to; index++) this.durable.entries.delete(index);
    }
    this.bounds = plan.next;
    this.writes++;
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError(`Raft store ${this.name} is closed`, { where: this.name });
  }
}

function copyEntry(entry: Entry): Entry {
  return { term: entry.term, index: entry.index, type: entry.type, data: new Uint8Array(entry.data) };
}

function copySnapshot(snapshot: Snapshot): Snapshot {
  const { conf } = snapshot.meta;
  return {
    meta: { index: snapshot.meta.index, term: snapshot.meta.term, conf: { voters: [...conf.voters], learners: [...conf.learners] } },
    data: new Uint8Array(snapshot.data),
  };
}
