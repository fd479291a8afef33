/**
 * SimDisk: one replica's stable storage in the simulator, with an explicit synced watermark.
 *
 * A write (a Ready's batch, or a local snapshot) is first *staged* and becomes durable only when
 * the simulated fsync completes (`sync`). A crash throws away every staged write; a restarted
 * replica is built from exactly what was synced, read back through the same bounds planning and
 * load validation as the LevelDB store (src/raft/storage/log-bounds.ts, validate.ts), which is
 * the real restart path (FoundationDB's "non-durable file" idea).
 *
 * For the checkers' self-tests a disk can be made to lie (`amnesia`): on a crash it forgets the
 * vote and every entry past the commit index, as a disk that acknowledged writes it never
 * flushed would. Real runs never set it.
 */
import { assert } from '../../../src/lib/assert.js';
import type { Entry, HardState, NodeId, Snapshot } from '../../../src/raft/core/types.js';
import { emptyBounds, planCompaction, planPersist, type LogBounds, type WritePlan } from '../../../src/raft/storage/log-bounds.js';
import type { PersistBatch, StoredState } from '../../../src/raft/storage/store.js';
import { validateStoredLog } from '../../../src/raft/storage/validate.js';

export type DiskWrite =
  | { kind: 'ready'; batch: PersistBatch }
  | { kind: 'snapshot'; snapshot: Snapshot; compactTo: number };

export class SimDisk {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  /** Stored entries: entries[k].index === bounds.firstIndex + k. */
  private entries: Entry[] = [];
  private bounds: LogBounds = emptyBounds;
  private staged = new Map<number, DiskWrite>();
  private nextWriteId = 1;
  /** Completed writes, for stats. */
  syncs = 0;
  amnesia = false;

  constructor(readonly node: NodeId) {}

  /** Starts a write; it is durable only once `sync(id)` is called. */
  stage(write: DiskWrite): number {
    const id = this.nextWriteId++;
    this.staged.set(id, write);
    return id;
  }

  /** The simulated fsync completed: the staged write becomes durable. Returns it. */
  sync(id: number): DiskWrite {
    const write = this.staged.get(id);
    assert(write !== undefined, `${this.node}: sync of unknown write ${id}`);
    this.staged.delete(id);
    if (write.kind === 'ready') this.applyReady(write.batch);
    else this.applySnapshot(write.snapshot, write.compactTo);
    this.syncs++;
    return write;
  }

  /** Power loss: staged writes vanish; durable data stays (unless the disk lies). */
  crash(): void {
    this.staged.clear();
    if (!this.amnesia) return;
    this.hardState = { ...this.hardState, vote: null };
    const keep = Math.max(0, this.hardState.commit - this.bounds.firstIndex + 1);
    if (keep < this.entries.length) {
      this.entries.length = keep;
      this.bounds = { ...this.bounds, lastIndex: Math.max(this.bounds.snapshotIndex, this.bounds.firstIndex + keep - 1) };
    }
  }

  /** What a restarted replica reads back (validated like the real stores do). */
  load(): StoredState {
    const { state, bounds } = validateStoredLog(`sim-disk ${this.node}`, { ...this.hardState }, this.snapshot, this.entries.slice());
    this.bounds = bounds;
    return state;
  }

  firstIndex(): number {
    return this.bounds.firstIndex;
  }

  lastIndex(): number {
    return this.bounds.lastIndex;
  }

  snapshotIndex(): number {
    return this.bounds.snapshotIndex;
  }

  /** Term of the stored entry (or snapshot) at `index`, undefined if not held. */
  termAt(index: number): number | undefined {
    if (this.snapshot !== null && index === this.snapshot.meta.index) return this.snapshot.meta.term;
    if (index === 0) return 0;
    return this.entries[index - this.bounds.firstIndex]?.term;
  }

  entryAt(index: number): Entry | undefined {
    return this.entries[index - this.bounds.firstIndex];
  }

  private applyReady(batch: PersistBatch): void {
    const plan = planPersist(this.bounds, batch);
    if (batch.hardState !== null) this.hardState = { ...batch.hardState };
    if (batch.snapshot !== null) this.snapshot = batch.snapshot;
    this.applyPlan(plan);
    for (const entry of batch.entries) this.entries[entry.index - this.bounds.firstIndex] = entry;
    this.checkBounds();
  }

  private applySnapshot(snapshot: Snapshot, compactTo: number): void {
    const plan = planCompaction(this.bounds, snapshot, compactTo);
    if (plan.writeSnapshot) this.snapshot = snapshot;
    this.applyPlan(plan);
    this.checkBounds();
  }

  /** Deletes the planned ranges; the plans only ever cut a prefix, a suffix, or everything. */
  private applyPlan(plan: WritePlan): void {
    let first = this.bounds.firstIndex;
    for (const range of plan.deletes) {
      if (range.from <= first) {
        this.entries = this.entries.slice(range.to - first + 1);
        first = range.to + 1;
      } else {
        this.entries.length = Math.min(this.entries.length, range.from - first);
      }
    }
    assert(this.entries.length === 0 || first === plan.next.firstIndex, `${this.node}: stored entries lost their first index`);
    this.bounds = plan.next;
  }

  private checkBounds(): void {
    const expected = this.bounds.lastIndex - this.bounds.firstIndex + 1;
    assert(this.entries.length === Math.max(0, expected), `${this.node}: ${this.entries.length} stored entries, bounds say ${expected}`);
  }
}
