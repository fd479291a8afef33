/**
 * AllocatorPool. Goal: a pooled cycle returns exactly what the inline cycle returns for the
 * same input (same policy code on the other thread), the view's buffers are transferred (not
 * copied), a second cycle while one is in flight is refused, a cycle over its timeout is
 * rejected with TimeoutError and the pool still works afterwards. Method: a real one-thread
 * Piscina pool over the transpiled worker, small generated clusters, and a cluster large enough
 * that a 1 ms timeout must fire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllocatorPool } from '../../../src/allocator/pool.js';
import { offersToObjects, packClusterView, packPendingTasks, toSharedView, type ClusterInput } from '../../../src/allocator/index.js';
import { ConflictError, TimeoutError } from '../../../src/lib/errors.js';
import { agents, frameworks } from './fixtures.js';
import { buildAllocatorWorker } from './worker-build.js';

const NOW = 42_000;
const input = (agentCount: number, frameworkCount: number): ClusterInput => ({
  agents: agents(agentCount),
  frameworks: frameworks(frameworkCount),
  roles: [{ name: '*' }],
});

describe('AllocatorPool', () => {
  let pool: AllocatorPool;
  const inline = new AllocatorPool({ mode: 'inline' });

  beforeAll(() => {
    pool = new AllocatorPool({ mode: 'pool', workerUrl: buildAllocatorWorker(), timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives the same offers as inline, for every policy', async () => {
    for (const policy of ['drf', 'round-robin', 'priority'] as const) {
      const expected = await inline.allocate({ policy, view: packClusterView(input(200, 13)).view, nowMs: NOW, shuffleSeed: 5 });
      const pooled = await pool.allocate({ policy, view: packClusterView(input(200, 13)).view, nowMs: NOW, shuffleSeed: 5 });
      expect(offersToObjects(pooled.value)).toEqual(offersToObjects(expected.value));
      expect(pooled.value.count).toBe(200);
    }
  });

  it('places tasks in the worker too', async () => {
    const { view, dictionary } = packClusterView(input(3, 1));
    const tasks = packPendingTasks([{ framework: 0, resources: { cpus: 2 } }, { framework: 0, resources: { cpus: 9 } }], dictionary);
    const result = await pool.placeTasks(view, tasks, 'round-robin');
    expect(Array.from(result.value.agentIndex)).toEqual([0, -1]);
  });

  it('transfers the view instead of copying it', async () => {
    const { view } = packClusterView(input(10, 2));
    await pool.allocate({ policy: 'drf', view, nowMs: NOW });
    expect(view.agentTotal.byteLength).toBe(0); // detached on this side
  });

  it('reads a shared view in place, cycle after cycle', async () => {
    const shared = toSharedView(packClusterView(input(50, 3)).view);
    const first = await pool.allocate({ policy: 'drf', view: shared, nowMs: NOW });
    const second = await pool.allocate({ policy: 'drf', view: shared, nowMs: NOW });
    expect(shared.agentTotal.length).toBe(50 * 5);
    expect(offersToObjects(second.value)).toEqual(offersToObjects(first.value));
  });

  it('refuses a second cycle while one is in flight', async () => {
    const first = pool.allocate({ policy: 'drf', view: packClusterView(input(2000, 50)).view, nowMs: NOW });
    expect(pool.isBusy).toBe(true);
    await expect(pool.allocate({ policy: 'drf', view: packClusterView(input(1, 1)).view, nowMs: NOW })).rejects.toBeInstanceOf(ConflictError);
    await first;
    expect(pool.isBusy).toBe(false);
  });

  it('times out a slow cycle and keeps working', async () => {
    const view = packClusterView(input(20_000, 500)).view;
    await expect(pool.allocate({ policy: 'drf', view, nowMs: NOW }, 1)).rejects.toBeInstanceOf(TimeoutError);
    expect(pool.isBusy).toBe(false);
    // Piscina replaced the aborted worker; the next cycle (default timeout) succeeds.
    const after = await pool.allocate({ policy: 'drf', view: packClusterView(input(5, 1)).view, nowMs: NOW });
    expect(after.value.count).toBe(5);
  });
});
