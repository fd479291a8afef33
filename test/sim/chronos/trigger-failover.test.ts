/**
 * Goal: the Chronos trigger keeps its promise across leader failovers — for every job, the set
 * of run records equals the set of expected instants (within epsilon they run, late; beyond
 * it they are recorded as skipped; none missing, none doubled) — under hundreds of leader
 * kills and partitions, lost proposals, crashes before/after commit and stale late commits.
 * Method: for each seed a TriggerWorld (trigger-world.ts) runs the real TriggerEngine and
 * reducer over 6 virtual hours of storms and calms, then a calm hour and a half; the checker
 * (trigger-checker.ts) replays the committed log against each job's schedule. A failing seed
 * prints the command that replays it alone.
 *
 * Knobs: KAIROS_TRIGGER_SEED=n runs one seed; KAIROS_TRIGGER_SEEDS=k runs seeds 1..k (default 20).
 */
import { describe, expect, it } from 'vitest';
import { checkWorld } from './trigger-checker.js';
import { EPOCH_MS, HOUR, MINUTE, standardJobs, TriggerWorld, type WorldStats } from './trigger-world.js';

const RUN_MS = 6 * HOUR;
const SETTLE_MS = 90 * MINUTE;

function seedsToRun(): number[] {
  const single = process.env['KAIROS_TRIGGER_SEED'];
  if (single !== undefined) return [Number(single)];
  const count = Number(process.env['KAIROS_TRIGGER_SEEDS'] ?? 20);
  return Array.from({ length: count }, (_, i) => i + 1);
}

function replayHint(seed: number): string {
  return `replay: KAIROS_TRIGGER_SEED=${seed} npx vitest run --project sim test/sim/chronos/trigger-failover.test.ts`;
}

describe('trigger failover simulation', () => {
  it('records every scheduled instant exactly once across failovers', async () => {
    const totals: WorldStats = { kills: 0, partitions: 0, leaderships: 0, proposals: 0, lostProposals: 0, lateCommits: 0, warmTakeovers: 0 };
    let runs = 0;
    let skips = 0;
    for (const seed of seedsToRun()) {
      const world = new TriggerWorld(seed, standardJobs());
      await world.run(RUN_MS, SETTLE_MS);
      const problems = checkWorld(world, EPOCH_MS + RUN_MS + SETTLE_MS - 2 * MINUTE);
      if (problems.length > 0) {
        throw new Error(`seed ${seed} broke the trigger promise (${replayHint(seed)}):\n  ${problems.slice(0, 20).join('\n  ')}`);
      }
      for (const key of Object.keys(totals) as Array<keyof WorldStats>) totals[key] += world.stats[key];
      for (const entry of world.log) {
        if (entry.outcome !== 'applied') continue;
        if (entry.command.t === 'run.scheduled') runs += 1;
        if (entry.command.t === 'run.skipped') skips += 1;
      }
    }
    process.stdout.write(`trigger-failover: ${JSON.stringify({ ...totals, runs, skips })}\n`);
    expect(runs).toBeGreaterThan(0);
    if (seedsToRun().length >= 12) {
      // The weather must actually have been bad: hundreds of leader faults, losses, late commits.
      expect(totals.kills + totals.partitions).toBeGreaterThanOrEqual(300);
      expect(totals.lostProposals).toBeGreaterThan(0);
      expect(totals.lateCommits).toBeGreaterThan(0);
      expect(totals.warmTakeovers).toBeGreaterThan(100);
      expect(skips).toBeGreaterThan(0);
    }
  });
});
