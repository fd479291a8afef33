/**
 * Goal: a damaged or foreign data directory is never mistaken for an empty log; every such case
 * is a StorageError that names the directory and says what is wrong. Method: build a valid store,
 * damage it through a raw LevelDB handle (truncated value, missing entry, bad commit, half a
 * snapshot) or prepare a bad directory by hand, then open/load and check the error. The lock test
 * opens the store from a second Node process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../../src/lib/errors.js';
import type { Entry } from '../../../../src/raft/core/types.js';
import * as keys from '../../../../src/raft/storage/keys.js';
import { LevelRaftStore } from '../../../../src/raft/storage/level-store.js';
import { encodeHardState, encodeSnapshotRecord } from '../../../../src/raft/storage/records.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-store-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const entry = (index: number, term = 1): Entry => ({ index, term, type: 0, data: Buffer.from(`command-${index}`) });

/** A closed store in a fresh directory holding entries 1..10 at term 1, commit 5. */
async function validStore(): Promise<string> {
  const dir = join(root, `store-${counter++}`);
  const store = await LevelRaftStore.open(dir);
  await store.load();
  await store.persist({ hardState: { term: 1, vote: 'a', commit: 5 }, entries: Array.from({ length: 10 }, (_, i) => entry(i + 1)), snapshot: null });
  await store.close();
  return dir;
}

async function damage(dir: string, edit: (db: ClassicLevel<Buffer, Buffer>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  await edit(db);
  await db.close();
}

async function loadError(dir: string): Promise<StorageError> {
  const store = await LevelRaftStore.open(dir);
  try {
    await store.load();
  } catch (error) {
    return error as StorageError;
  } finally {
    await store.close();
  }
  throw new Error('load() succeeded on a damaged store');
}

async function openError(dir: string): Promise<StorageError> {
  try {
    const store = await LevelRaftStore.open(dir);
    await store.close();
  } catch (error) {
    return error as StorageError;
  }
  throw new Error(`open(${dir}) succeeded`);
}

describe('LevelRaftStore refuses damaged logs', () => {
  it('a truncated entry value', async () => {
    const dir = await validStore();
    await damage(dir, async (db) => {
      const value = (await db.get(keys.entryKey(4)))!;
      await db.put(keys.entryKey(4), value.subarray(0, value.length - 5));
    });
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/entry 4/);
  });

  it('a missing entry in the middle (non-contiguous log)', async () => {
    const dir = await validStore();
    await damage(dir, (db) => db.del(keys.entryKey(6)));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/not contiguous: index 5 is followed by 7/);
  });

  it('a log that does not start right after the snapshot', async () => {
    const dir = await validStore();
    await damage(dir, (db) => db.del(keys.entryKey(1)));
    expect((await loadError(dir)).message).toMatch(/starts at index 2 but there is no snapshot/);
  });

  it('a commit index beyond the last entry', async () => {
    const dir = await validStore();
    await damage(dir, (db) => db.put(keys.hardStateKey, encodeHardState({ term: 1, vote: 'a', commit: 11 })));
    expect((await loadError(dir)).message).toMatch(/commit index 11 is beyond the last index 10/);
  });

  /** A closed valid store with a snapshot at index 5; returns the directory and its snapshot file. */
  async function storeWithSnapshot(): Promise<{ dir: string; file: string }> {
    const dir = await validStore();
    const store = await LevelRaftStore.open(dir);
    await store.load();
    await store.saveSnapshot({ meta: { index: 5, term: 1, conf: { voters: ['a'], learners: [] } }, data: Buffer.from('state') }, 5);
    await store.close();
    const files = readdirSync(join(dir, 'snap'));
    expect(files).toHaveLength(1);
    return { dir, file: join(dir, 'snap', files[0]!) };
  }

  it('snapshot metadata without its data file', async () => {
    const { dir, file } = await storeWithSnapshot();
    unlinkSync(file);
    expect((await loadError(dir)).message).toMatch(/is corrupt: snapshot file .*\.snap is missing/);
  });

  it('a snapshot file whose bytes changed', async () => {
    const { dir, file } = await storeWithSnapshot();
    writeFileSync(file, 'STATE');
    expect((await loadError(dir)).message).toMatch(/is corrupt: snapshot file .* fails its CRC-32 check/);
  });

  it('a truncated snapshot file', async () => {
    const { dir, file } = await storeWithSnapshot();
    writeFileSync(file, 'sta');
    expect((await loadError(dir)).message).toMatch(/is 3 bytes, its record says 5/);
  });

  it('a store from before snapshot files (data kept in LevelDB) still loads', async () => {
    const dir = await validStore();
    await damage(dir, async (db) => {
      await db.put(keys.snapshotMetaKey, encodeSnapshotRecord({ index: 5, term: 1, conf: { voters: ['a'], learners: [] } }));
      await db.put(keys.snapshotDataKey, Buffer.from('legacy state'));
    });
    const store = await LevelRaftStore.open(dir);
    const loaded = await store.load();
    await store.close();
    expect(Buffer.from(loaded.snapshot!.data).toString()).toBe('legacy state');
    expect(loaded.entries.map((e) => e.index)).toEqual([6, 7, 8, 9, 10]);
  });

  it('snapshot metadata from before snapshot files without its data', async () => {
    const dir = await validStore();
    await damage(dir, (db) => db.put(keys.snapshotMetaKey, encodeSnapshotRecord({ index: 5, term: 1, conf: { voters: ['a'], learners: [] } })));
    expect((await loadError(dir)).message).toMatch(/snapshot data is missing/);
  });

  it('orphan snapshot files (a crash between file and record) are removed on open', async () => {
    const { dir, file } = await storeWithSnapshot();
    const orphan = join(dir, 'snap', `${'0'.repeat(15)}9-${'0'.repeat(15)}1.snap`);
    writeFileSync(orphan, 'newer, never recorded');
    writeFileSync(`${orphan}.tmp`, 'half written');
    const store = await LevelRaftStore.open(dir);
    const loaded = await store.load();
    await store.close();
    expect(Buffer.from(loaded.snapshot!.data).toString()).toBe('state');
    expect(readdirSync(join(dir, 'snap')).map((name) => join(dir, 'snap', name))).toEqual([file]);
  });

  it('an entry stored under the wrong index', async () => {
    const dir = await validStore();
    await damage(dir, async (db) => db.put(keys.entryKey(3), (await db.get(keys.entryKey(2)))!));
    expect((await loadError(dir)).message).toMatch(/stored under index 3 says it is 2/);
  });
});

describe('LevelRaftStore refuses directories that are not its own', () => {
  it('a directory of unrelated files', async () => {
    const dir = join(root, 'garbage');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'random.bin'), Buffer.from([1, 2, 3]));
    const error = await openError(dir);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toMatch(/is not a Kairos Raft store/);
    expect(error.message).toContain('notes.txt');
  });

  it('a path that is a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect((await openError(file)).message).toMatch(/not a directory/);
  });

  it('another LevelDB database', async () => {
    const dir = join(root, 'other-db');
    await damage(dir, (db) => db.put(Buffer.from('user:1'), Buffer.from('x')));
    expect((await openError(dir)).message).toMatch(/LevelDB database but not a Kairos Raft store/);
  });

  it('a corrupt CURRENT file', async () => {
    const dir = await validStore();
    writeFileSync(join(dir, 'CURRENT'), 'garbage-not-a-manifest\n');
    const error = await openError(dir);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toContain(dir);
  });

  it('an unreadable LOCK file', async () => {
    const dir = await validStore();
    rmSync(join(dir, 'LOCK'));
    mkdirSync(join(dir, 'LOCK'));
    const error = await openError(dir);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toMatch(new RegExp(`cannot open Raft store ${dir}`));
  });

  it('the same directory opened twice in one process', async () => {
    const dir = await validStore();
    const first = await LevelRaftStore.open(dir);
    expect((await openError(dir)).message).toMatch(/locked by another process/);
    await first.close();
  });

  it('a directory held by another process', async () => {
    const dir = await validStore();
    const script = `import { ClassicLevel } from 'classic-level';
      const db = new ClassicLevel(${JSON.stringify(dir)}); await db.open();
      process.stdout.write('ready\\n'); process.stdin.on('end', () => db.close().then(() => process.exit(0))); process.stdin.resume();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('child did not open the store within 10 s')), 10_000);
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      });
      const error = await openError(dir);
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toMatch(/locked by another process/);
      expect(error.message).toContain(dir);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
