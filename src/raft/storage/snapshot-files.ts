/**
 * Snapshot data lives in files beside the LevelDB log (etcd keeps its snap/ directory the same
 * way): writing a large state into LevelDB copied it synchronously on the event loop (≈ 7 ms per
 * MB) and rewrote it again at every LevelDB compaction. A file is written by libuv's thread
 * pool, fsynced, then renamed into place and the directory fsynced, so a file under its final
 * name is always complete. The LevelDB record that names the file (with its length and CRC-32)
 * is written only after that, in the same synced batch as the snapshot's metadata; files that
 * no record names (a crash between the two steps, or superseded snapshots) are removed.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StorageError } from '../../lib/errors.js';
import type { Snapshot } from '../core/types.js';

/** Where a stored snapshot's data is, as recorded in LevelDB. */
export interface SnapshotFileRef {
  file: string;
  bytes: number;
  crc32: number;
}

const SUFFIX = '.snap';

export class SnapshotFiles {
  readonly dir: string;

  constructor(storeDir: string) {
    this.dir = join(storeDir, 'snap');
  }

  /** Writes the snapshot's data durably under a name derived from its position in the log. */
  async write(snapshot: Snapshot): Promise<SnapshotFileRef> {
    const { meta: { index, term }, data } = snapshot;
    mkdirSync(this.dir, { recursive: true });
    const file = `${index.toString(16).padStart(16, '0')}-${term.toString(16).padStart(16, '0')}${SUFFIX}`;
    const temporary = join(this.dir, `${file}.tmp`);
    try {
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(this.dir, file));
      await syncDirectory(this.dir);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw new StorageError(`cannot write snapshot file ${join(this.dir, file)}: ${(error as Error).message}`, { file }, { cause: error });
    }
    return { file, bytes: data.byteLength, crc32: crc32(data) };
  }

  /** Reads a snapshot's data back, checking its length and checksum. */
  async read(ref: SnapshotFileRef): Promise<Buffer> {
    const path = join(this.dir, ref.file);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new StorageError(`snapshot file ${path} ${missing ? 'is missing' : `cannot be read: ${(error as Error).message}`}`, { file: ref.file }, { cause: error });
    }
    if (data.byteLength !== ref.bytes) {
      throw new StorageError(`snapshot file ${path} is ${data.byteLength} bytes, its record says ${ref.bytes}`, { file: ref.file });
    }
    if (crc32(data) !== ref.crc32) throw new StorageError(`snapshot file ${path} fails its CRC-32 check`, { file: ref.file });
    return data;
  }

  /** Removes every snapshot file (and leftover temporary) except `keep`. */
  async removeAllBut(keep: string | null): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((name) => name !== keep && (name.endsWith(SUFFIX) || name.endsWith(`${SUFFIX}.tmp`))).map((name) => rm(join(this.dir, name), { force: true })));
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
