/**
 * Goal: whatever valid sequence of Ready batches, leader snapshots and local compactions a
 * replica writes, reopening the store returns exactly that log. Method: fast-check generates
 * write sequences that are interpreted against a naive model (store-model.ts) and applied to
 * the real store; at every `reopen` step and at the end the store is closed, reopened from
 * disk (LevelDB) or from its durable state (memory) and load() is compared with the model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelRaftStore } from '../../../../src/raft/storage/level-store.js';
import { MemoryRaftStore } from '../../../../src/raft/storage/memory-store.js';
import type { RaftStore } from '../../../../src/raft/storage/store.js';
import { comparable, StoreModel, storeOpArb, type StoreOp } from './store-model.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runCounter = 0;

interface Harness {
  store: RaftStore;
  reopen(): Promise<void>;
  dispose(): Promise<void>;
}

async function runSequence(ops: StoreOp[], harness: Harness): Promise<void> {
  const model = new StoreModel();
  await harness.store.load();
  for (const op of ops) {
    await model.apply(op, harness.store);
    if (op.kind === 'reopen') {
      await harness.reopen();
      expect(comparable(await harness.store.load())).toEqual(comparable(model.expected()));
    }
  }
  await harness.reopen();
  expect(comparable(await harness.store.load())).toEqual(comparable(model.expected()));
  await harness.dispose();
}

describe('store round trips against a model', () => {
  it('MemoryRaftStore: crashed() keeps exactly what was written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storeOpArb, { maxLength: 40 }), async (ops) => {
        const harness: Harness = {
          store: new MemoryRaftStore(),
          async reopen() {
            harness.store = (harness.store as MemoryRaftStore).crashed();
          },
          async dispose() {
            await harness.store.close();
          },
        };
        await runSequence(ops, harness);
      }),
      { numRuns: 200 },
    );
  });

  it('LevelRaftStore: reopening the directory returns what was persisted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storeOpArb, { maxLength: 25 }), async (ops) => {
        const dir = join(root, `run-${runCounter++}`);
        const harness: Harness = {
          store: await LevelRaftStore.open(dir),
          async reopen() {
            await harness.store.close();
            harness.store = await LevelRaftStore.open(dir);
          },
          async dispose() {
            await harness.store.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
        await runSequence(ops, harness);
      }),
      { numRuns: 50 },
    );
  });

  it('LevelRaftStore: writes issued without awaiting are applied in call order', async () => {
    const dir = join(root, 'concurrent');
    const store = await LevelRaftStore.open(dir);
    await store.load();
    const entry = (index: number): { index: number; term: number; type: 0; data: Uint8Array } => ({ index, term: 1, type: 0, data: Uint8Array.of(index) });
    const writes = [
      store.persist({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: [1, 2, 3, 4, 5].map(entry), snapshot: null }),
      store.saveSnapshot({ meta: { index: 3, term: 1, conf: { voters: ['a'], learners: [] } }, data: Uint8Array.of(9) }, 3),
      store.persist({ hardState: { term: 1, vote: 'a', commit: 5 }, entries: [6].map(entry), snapshot: null }),
    ];
    await Promise.all(writes);
    await store.close();
    const reopened = await LevelRaftStore.open(dir);
    const state = await reopened.load();
    expect(state.snapshot?.meta.index).toBe(3);
    expect(state.entries.map((e) => e.index)).toEqual([4, 5, 6]);
    expect(state.hardState.commit).toBe(5);
    await reopened.close();
  });

  it('LevelRaftStore: app meta records survive a reopen', async () => {
    const dir = join(root, 'missing-parent', 'app-meta'); // parents are created
    const store = await LevelRaftStore.open(dir);
    expect(await store.readAppMeta('cluster-id')).toBeNull();
    await store.writeAppMeta('cluster-id', Buffer.from('k1'));
    await store.close();
    const reopened = await LevelRaftStore.open(dir);
    expect(Buffer.from((await reopened.readAppMeta('cluster-id'))!).toString()).toBe('k1');
    expect((await reopened.load()).entries).toEqual([]);
    await reopened.close();
  });
});
