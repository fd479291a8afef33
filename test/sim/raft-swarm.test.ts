/**
 * The Raft seed swarm. Goal: no seed — each with its own cluster size, Raft options, network
 * and disk hostility, nemesis mix, membership changes and client workload — can make the real
 * RaftCore break a safety property (checked after every step: election safety, log matching,
 * leader completeness, state-machine safety, disk monotonicity, durability), fail to recover
 * once the faults stop (liveness phase), or produce a non-linearizable KV history.
 * Method: run seeds KAIROS_SEED_BASE.. (KAIROS_SEEDS of them, default 2000) plus every seed
 * pinned in test/fixtures/failing-seeds.json; on failure print one replay line per seed.
 * KAIROS_SEED=n runs that seed alone and, with KAIROS_TRACE=1, prints its event trace.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { describeFaultMix, replayCommand, runSeed, type SeedResult } from './harness/run-seed.js';

const pinnedFile = new URL('../fixtures/failing-seeds.json', import.meta.url);
const pinned = (JSON.parse(readFileSync(pinnedFile, 'utf8')) as { seeds: Array<{ seed: number }> }).seeds.map((s) => s.seed);
const singleSeed = process.env.KAIROS_SEED;
const seedCount = Number(process.env.KAIROS_SEEDS ?? 2000);
const seedBase = Number(process.env.KAIROS_SEED_BASE ?? 1);
const chunkSize = 250;

function report(failures: SeedResult[]): string {
  return failures
    .map((r) => `seed ${r.seed}: ${r.failure?.split('\n')[0]}\n  replay: ${replayCommand(r.seed)}`)
    .join('\n');
}

/** Sums of every seed's stats, printed per chunk so a run shows what it exercised. */
function summarise(totals: Record<string, number>, result: SeedResult): void {
  for (const [name, value] of Object.entries(result.stats)) totals[name] = (totals[name] ?? 0) + Number(value);
}

function runSeeds(seeds: number[]): SeedResult[] {
  const failures: SeedResult[] = [];
  const totals: Record<string, number> = {};
  for (const seed of seeds) {
    const result = runSeed(seed);
    summarise(totals, result);
    if (!result.ok) {
      failures.push(result);
      console.error(`FAILED seed ${seed}: ${result.failure}\n  mix: ${describeFaultMix(result.mix)}\n  replay: ${replayCommand(seed)}`);
    }
  }
  if (seeds.length > 0) {
    const parts = Object.entries(totals).map(([name, value]) => `${name}=${Math.round(value)}`);
    console.log(`${seeds.length} seeds: ${parts.join(' ')}`);
  }
  return failures;
}

if (singleSeed !== undefined) {
  test(`seed ${singleSeed}`, () => {
    const seed = Number(singleSeed);
    const result = runSeed(seed, process.env.KAIROS_TRACE === '1' ? { traceLines: 3000 } : {});
    console.log(`seed ${seed}: ${describeFaultMix(result.mix)}\nstats: ${JSON.stringify(result.stats)}`);
    if (!result.ok && result.trace !== '') console.log(`trace (newest last):\n${result.trace}`);
    expect(result.failure, replayCommand(seed)).toBeNull();
  });
} else {
  describe('raft seed swarm', () => {
    test('pinned seeds from test/fixtures/failing-seeds.json', () => {
      const failures = runSeeds(pinned);
      expect(failures.length, report(failures)).toBe(0);
    });
    for (let from = seedBase; from < seedBase + seedCount; from += chunkSize) {
      const to = Math.min(from + chunkSize, seedBase + seedCount) - 1;
      test(`seeds ${from}..${to}`, () => {
        const seeds = Array.from({ length: to - from + 1 }, (_, k) => from + k);
        const failures = runSeeds(seeds);
        expect(failures.length, report(failures)).toBe(0);
      });
    }
  });
}
