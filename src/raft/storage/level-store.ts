/**
 * RaftStore on LevelDB (classic-level). Each persist() or saveSnapshot() is ONE chained batch
 * written with `sync: true`, so a Ready's hard state, entries and snapshot become durable
 * together or not at all; a snapshot's data goes to a file first (snapshot-files.ts) and the
 * batch records its name. Writes run one at a time in call order (the driver may save a local
 * snapshot while a Ready is being persisted); the log bounds are kept in memory so writes never
 * read. Entries compacted under a local snapshot are removed after its batch by a range delete
 * in LevelDB's own thread (a crash before it leaves entries the snapshot already covers, which
 * loading skips). Key layout: see keys.ts. Loading validates the whole log (validate.ts).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { StorageError } from '../../lib/errors.js';
import { decode, encode } from '../../lib/codec.js';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import { emptyBounds, planCompaction, planPersist, type LogBounds, type WritePlan } from './log-bounds.js';
import * as keys from './keys.js';
import { decodeEntry, decodeHardState, decodeSnapshotFileRef, decodeSnapshotMeta, encodeEntry, encodeHardState, encodeSnapshotRecord } from './records.js';
import { SnapshotFiles, type SnapshotFileRef } from './snapshot-files.js';
import type { PersistBatch, RaftStore, StoredState } from './store.js';
import { validateStoredLog } from './validate.js';

type Db = ClassicLevel<Buffer, Buffer>;
type ChainedBatch = ReturnType<Db['batch']>;

const initialHardState: HardState = { term: 0, vote: null, commit: 0 };

export class LevelRaftStore implements RaftStore {
  private bounds: LogBounds = emptyBounds;
  /** Tail of the write chain: each write starts when the previous one has finished. */
  private writeChain: Promise<void> = Promise.resolve();
  /** After a failed write the in-memory bounds may be wrong: refuse everything after it. */
  private failure: StorageError | null = null;
  private readonly files: SnapshotFiles;

  private constructor(
    readonly dir: string,
    private readonly db: Db,
  ) {
    this.files = new SnapshotFiles(dir);
  }

  /**
   * Opens (creating if missing) the store in `dir`. Throws StorageError when the directory holds
   * something that is not a Kairos store, is locked by another process, or cannot be opened.
   */
  static async open(dir: string): Promise<LevelRaftStore> {
    checkDirectoryLooksLikeStore(dir);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new StorageError(`cannot create Raft store directory ${dir}: ${(error as Error).message}`, { dir }, { cause: error });
    }
    const db: Db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (error) {
      throw openError(dir, error);
    }
    const store = new LevelRaftStore(dir, db);
    try {
      await store.checkFormat();
      store.bounds = await store.readBounds();
      await store.files.removeAllBut((await store.readSnapshotFileRef())?.file ?? null);
    } catch (error) {
      await db.close();
      throw error;
    }
    return store;
  }

  async load(): Promise<StoredState> {
    await this.writeChain;
    const hardStateBytes = await this.db.get(keys.hardStateKey);
    const hardState = hardStateBytes ? this.decodeOrFail(decodeHardState, hardStateBytes, 'hard state') : initialHardState;
    const snapshot = await this.readSnapshot();
    const entries = await this.readEntries();
    const { state, bounds } = validateStoredLog(this.dir, hardState, snapshot, entries);
    this.bounds = bounds;
    return state;
  }

  persist(batch: PersistBatch): Promise<void> {
    if (!batch.hardState && !batch.snapshot && batch.entries.length === 0) return this.writeChain;
    const snapshot = batch.snapshot;
    let file: SnapshotFileRef | null = null;
    return this.enqueueWrite(batch.mustSync ?? true, {
      before: snapshot ? async () => { file = await this.files.write(snapshot); } : undefined,
      fill: (chained) => {
        // A leader's snapshot replaces the whole log: its deletes stay in the batch, because
        // entries left behind by a crash could conflict with it.
        const plan = planPersist(this.bounds, batch);
        if (batch.hardState) chained.put(keys.hardStateKey, encodeHardState(batch.hardState));
        if (snapshot && file) putSnapshot(chained, snapshot, file);
        deleteRanges(chained, plan);
        for (const entry of batch.entries) chained.put(keys.entryKey(entry.index), encodeEntry(entry));
        return plan;
      },
      after: async () => {
        if (file) await this.files.removeAllBut(file.file);
      },
    });
  }

  saveSnapshot(snapshot: Snapshot, compactTo: number): Promise<void> {
    let plan: WritePlan | null = null;
    let file: SnapshotFileRef | null = null;
    return this.enqueueWrite(true, {
      before: async () => {
        plan = planCompaction(this.bounds, snapshot, compactTo);
        if (plan.writeSnapshot) file = await this.files.write(snapshot);
      },
      fill: (chained) => {
        if (file) putSnapshot(chained, snapshot, file);
        return plan;
      },
      after: async () => {
        // Compacted entries are all covered by the snapshot just made durable: removing them
        // needs no atomicity, and a range delete costs the event loop nothing per entry.
        for (const range of plan?.deletes ?? []) await this.db.clear({ gte: keys.entryKey(range.from), lte: keys.entryKey(range.to) });
        if (file) await this.files.removeAllBut(file.file);
      },
    });
  }

  /** A small record owned by the process (not replicated), stored beside the log. */
  async readAppMeta(name: string): Promise<Uint8Array | null> {
    return (await this.db.get(keys.appMetaKey(name))) ?? null;
  }

  /** Writes an app meta record durably (its own synced batch, ordered with log writes). */
  writeAppMeta(name: string, value: Uint8Array): Promise<void> {
    return this.enqueueWrite(true, {
      fill: (chained) => {
        chained.put(keys.appMetaKey(name), Buffer.from(value));
        return null;
      },
    });
  }

  async close(): Promise<void> {
    await this.writeChain.catch(() => undefined);
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }

  /**
   * Once earlier writes are done: runs `before` (a snapshot file), fills a fresh batch, writes it
   * (synced unless told otherwise), adopts the plan's bounds, then runs `after` (clean-up).
   */
  private enqueueWrite(sync: boolean, { before, fill, after }: StoreWrite): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.failure) throw this.failure;
      await before?.();
      const chained = this.db.batch();
      let plan: WritePlan | null;
      try {
        plan = fill(chained);
      } catch (error) {
        await chained.close();
        throw error;
      }
      try {
        await chained.write({ sync });
      } catch (error) {
        this.failure = new StorageError(`Raft store ${this.dir}: synced write failed: ${(error as Error).message}`, { dir: this.dir }, { cause: error });
        throw this.failure;
      }
      if (plan) this.bounds = plan.next;
      try {
        await after?.();
      } catch (error) {
        this.failure = new StorageError(`Raft store ${this.dir}: clean-up after a write failed: ${(error as Error).message}`, { dir: this.dir }, { cause: error });
        throw this.failure;
      }
    };
    const result = this.writeChain.then(run);
    this.writeChain = result.catch(() => undefined);
    return result;
  }

  private async checkFormat(): Promise<void> {
    const marker = await this.db.get(keys.formatKey);
    if (marker === undefined) {
      const anyKey = await this.db.keys({ limit: 1 }).all();
      if (anyKey.length > 0) {
        throw new StorageError(`${this.dir} is a LevelDB database but not a Kairos Raft store (no format marker)`, { dir: this.dir });
      }
      await this.db.put(keys.formatKey, encode(keys.storeFormat), { sync: true });
      return;
    }
    let format: unknown;
    try {
      format = decode(marker);
    } catch {
      format = null;
    }
    const { format: name, version } = (format ?? {}) as { format?: unknown; version?: unknown };
    if (name !== keys.storeFormat.format || version !== keys.storeFormat.version) {
      throw new StorageError(
        `${this.dir} has an unsupported store format ${JSON.stringify(format)} (this build reads ${keys.storeFormat.format} v${keys.storeFormat.version})`,
        { dir: this.dir },
      );
    }
  }

  /** The stored log range from its two ends only (load() re-derives it from a full scan). */
  private async readBounds(): Promise<LogBounds> {
    const metaBytes = await this.db.get(keys.snapshotMetaKey);
    const snapshotIndex = metaBytes ? this.decodeOrFail(decodeSnapshotMeta, metaBytes, 'snapshot metadata').index : 0;
    const [first] = await this.db.keys({ ...keys.entryKeyRange, limit: 1 }).all();
    const [last] = await this.db.keys({ ...keys.entryKeyRange, limit: 1, reverse: true }).all();
    if (first === undefined || last === undefined) return { snapshotIndex, firstIndex: snapshotIndex + 1, lastIndex: snapshotIndex };
    return { snapshotIndex, firstIndex: keys.indexOfEntryKey(first), lastIndex: Math.max(snapshotIndex, keys.indexOfEntryKey(last)) };
  }

  private async readSnapshot(): Promise<Snapshot | null> {
    const [metaBytes, legacyData] = await this.db.getMany([keys.snapshotMetaKey, keys.snapshotDataKey]);
    if (metaBytes === undefined && legacyData === undefined) return null;
    if (metaBytes === undefined) throw new StorageError(`Raft store ${this.dir} is corrupt: snapshot metadata is missing`, { dir: this.dir });
    const meta = this.decodeOrFail(decodeSnapshotMeta, metaBytes, 'snapshot metadata');
    const ref = this.decodeOrFail(decodeSnapshotFileRef, metaBytes, 'snapshot metadata');
    if (ref) {
      try {
        return { meta, data: await this.files.read(ref) };
      } catch (error) {
        throw new StorageError(`Raft store ${this.dir} is corrupt: ${(error as Error).message}`, { dir: this.dir, file: ref.file }, { cause: error });
      }
    }
    if (legacyData === undefined) throw new StorageError(`Raft store ${this.dir} is corrupt: snapshot data is missing`, { dir: this.dir });
    return { meta, data: legacyData };
  }

  private async readSnapshotFileRef(): Promise<SnapshotFileRef | null> {
    const metaBytes = await this.db.get(keys.snapshotMetaKey);
    return metaBytes === undefined ? null : this.decodeOrFail(decodeSnapshotFileRef, metaBytes, 'snapshot metadata');
  }

  private async readEntries(): Promise<Entry[]> {
    const entries: Entry[] = [];
    const iterator = this.db.iterator(keys.entryKeyRange);
    try {
      for (;;) {
        const page = await iterator.nextv(4096);
        if (page.length === 0) break;
        for (const [key, value] of page) entries.push(this.decodeEntryAt(key, value));
      }
    } finally {
      await iterator.close();
    }
    return entries;
  }

  private decodeEntryAt(key: Buffer, value: Buffer): Entry {
    const index = keys.indexOfEntryKey(key);
    const entry = this.decodeOrFail(decodeEntry, value, `entry ${index}`);
    if (entry.index !== index) {
      throw new StorageError(`Raft store ${this.dir} is corrupt: the entry stored under index ${index} says it is ${entry.index}`, { dir: this.dir, index });
    }
    return entry;
  }

  private decodeOrFail<T>(decoder: (bytes: Uint8Array) => T, bytes: Uint8Array, what: string): T {
    try {
      return decoder(bytes);
    } catch (error) {
      throw new StorageError(`Raft store ${this.dir} is corrupt: ${what}: ${(error as Error).message}`, { dir: this.dir, record: what }, { cause: error });
    }
  }
}

/** One write of the chain: an optional asynchronous step before the batch and one after it. */
interface StoreWrite {
  before?: (() => Promise<void>) | undefined;
  fill(chained: ChainedBatch): WritePlan | null;
  after?: (() => Promise<void>) | undefined;
}

function putSnapshot(chained: ChainedBatch, snapshot: Snapshot, file: SnapshotFileRef): void {
  chained.put(keys.snapshotMetaKey, encodeSnapshotRecord(snapshot.meta, file));
  chained.del(keys.snapshotDataKey);
}

function deleteRanges(chained: ChainedBatch, plan: WritePlan): void {
  for (const range of plan.deletes) {
    for (let index = range.from; index <= range.to; index++) chained.del(keys.entryKey(index));
  }
}

/** LevelDB would happily create a database inside any directory; refuse one that holds other things. */
function checkDirectoryLooksLikeStore(dir: string): void {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new StorageError(`Raft store path ${dir} exists but is not a directory`, { dir });
    names = readdirSync(dir);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StorageError(`cannot read Raft store directory ${dir}: ${(error as Error).message}`, { dir }, { cause: error });
  }
  if (names.length > 0 && !names.includes('CURRENT')) {
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
    throw new StorageError(`${dir} is not empty and is not a Kairos Raft store (no LevelDB CURRENT file; found: ${shown})`, { dir });
  }
}

function openError(dir: string, error: unknown): StorageError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.message ?? (error as Error).message;
  if (cause?.code === 'LEVEL_LOCKED') {
    return new StorageError(`Raft store ${dir} is locked by another process (is another replica using this data dir?): ${detail}`, { dir }, { cause: error });
  }
  if (cause?.code === 'LEVEL_CORRUPTION') {
    return new StorageError(`Raft store ${dir} is corrupt (LevelDB cannot open it): ${detail}`, { dir }, { cause: error });
  }
  return new StorageError(`cannot open Raft store ${dir}: ${detail}`, { dir }, { cause: error });
}
