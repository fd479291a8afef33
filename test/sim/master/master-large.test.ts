/**
 * The master simulation at cluster scale: one seed (KAIROS_LARGE_SEEDS=k for more) with 120
 * agents and 10 frameworks and every fault on — the hundreds-of-agents case of issue 4, kept to
 * one seed because heartbeats alone are ~100k events per seed.
 */
import { describe, expect, it, vi } from 'vitest';
import { runSeed } from './run-seed.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const { nextUuid } = await import('./ids.js');
  return { ...actual, randomUUID: nextUuid, default: { ...actual, randomUUID: nextUuid } };
});

const ALL_FAULTS = { leaderKills: true, followerKills: true, isolations: true, linkCuts: true, partitions: true, agentCrashes: true, frameworkAways: true, slowNetwork: true, stragglers: true };

describe('a large simulated cluster under every fault', () => {
  it('keeps the invariants and settles', async () => {
    const count = Number(process.env['KAIROS_LARGE_SEEDS'] ?? 1);
    for (let seed = 1; seed <= count; seed++) {
      const result = await runSeed(seed, { agents: 120, frameworks: 10, faultyMs: 15_000, mix: ALL_FAULTS });
      const hint = `large seed ${seed}: ${JSON.stringify(result.stats)}`;
      process.stdout.write(`master-large: ${hint}\n`);
      expect(result.violations, hint).toEqual([]);
      expect(result.liveness, hint).toEqual([]);
      expect(result.stats.launches, hint).toBeGreaterThan(100);
    }
  });
});
