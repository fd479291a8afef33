/**
 * RaftStore on LevelDB (classic-level). Each persist() or saveSnapshot() is ONE chained batch
 * written with `sync: true`, so a Ready's hard state, entries and snapshot become durable
 * together or not at all. Writes run one at a time in call order (the driver may save a local
 * snapshot while a Ready is being persisted); the log bounds are kept in memory so writes never
 * read. Key layout: see keys.ts. Loading validates the whole log (validate.ts).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { StorageError } from '../../lib/errors.js';
import { decode, encode } from '../../lib/codec.js';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import { emptyBounds, planCompaction, planPersist, type LogBounds, type WritePlan } from './log-bounds.js';
import * as keys from './keys.js';
import { decodeEntry, decodeHardState, decodeSnapshotMeta, encodeEntry, encodeHardState, encodeSnapshotMeta } from './records.js';
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

  private constructor(
    readonly dir: string,
    private readonly db: Db,
  ) {}

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
    return this.enqueueWrite(batch.mustSync ?? true, (chained) => {
      const plan = planPersist(this.bounds, batch);
      if (batch.hardState) chained.put(keys.hardStateKey, encodeHardState(batch.hardState));
      if (batch.snapshot) putSnapshot(chained, batch.snapshot);
      deleteRanges(chained, plan);
      for (const entry of batch.entries) chained.put(keys.entryKey(entry.index), encodeEntry(entry));
      return plan;
    });
  }

  saveSnapshot(snapshot: Snapshot, compactTo: number): Promise<void> {
    return this.enqueueWrite(true, (chained) => {
      const plan = planCompaction(this.bounds, snapshot, compactTo);
      if (plan.writeSnapshot) putSnapshot(chained, snapshot);
      deleteRanges(chained, plan);
      return plan;
    });
  }

  /** A small record owned by the process (not replicated), stored beside the log. */
  async readAppMeta(name: string): Promise<Uint8Array | null> {
    return (await this.db.get(keys.appMetaKey(name))) ?? null;
  }

  /** Writes an app meta record durably (its own synced batch, ordered with log writes). */
  writeAppMeta(name: string, value: Uint8Array): Promise<void> {
    return this.enqueueWrite(true, (chained) => {
      chained.put(keys.appMetaKey(name), Buffer.from(value));
      return null;
    });
  }

  async close(): Promise<void> {
    await this.writeChain.catch(() => undefined);
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }

  /** Runs `fill` on a fresh batch once earlier writes are done, writes it (synced unless told otherwise), then adopts the plan. */
  private enqueueWrite(sync: boolean, fill: (chained: ChainedBatch) => WritePlan | null): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.failure) throw this.failure;
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
    const [metaBytes, data] = await this.db.getMany([keys.snapshotMetaKey, keys.snapshotDataKey]);
    if (metaBytes === undefined && data === undefined) return null;
    if (metaBytes === undefined || data === undefined) {
      throw new StorageError(`Raft store ${this.dir} is corrupt: snapshot ${metaBytes ? 'data' : 'metadata'} is missing`, { dir: this.dir });
    }
    return { meta: this.decodeOrFail(decodeSnapshotMeta, metaBytes, 'snapshot metadata'), data };
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

function putSnapshot(chained: ChainedBatch, snapshot: Snapshot): void {
  chained.put(keys.snapshotMetaKey, encodeSnapshotMeta(snapshot.meta));
  chained.put(keys.snapshotDataKey, Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength));
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
