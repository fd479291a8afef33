/**
 * Goal: the run side keeps the exactly-once promise end to end — every scheduled instant of a
 * job yields exactly one run record (or an explicit skip), each run's task is launched at most
 * once per attempt, every run completes, and a dependent child runs once per parent success —
 * while leaders are killed every few seconds (between ACCEPT and `run.launched`, with proposals
 * in flight that later commit or are lost).
 * Method: RunsWorld (runs-world.ts) runs the real job store, run part and leader services over
 * virtual time against a fake master engine; this file replays the result against the schedule.
 *
 * Knobs: KAIROS_RUNS_SEED=n runs one seed; KAIROS_RUNS_SEEDS=k runs seeds 1..k (default 10).
 */
import { describe, expect, it } from 'vitest';
import { parseSchedule, firesBetween } from '../../../src/chronos/schedule/index.js';
import { scheduledRunKey } from '../../../src/chronos/trigger/index.js';
import { EPOCH_MS, RunsWorld } from './runs-world.js';

const FAULTY_MS = 180_000;
const CALM_MS = 60_000;

function seeds(): number[] {
  const one = process.env['KAIROS_RUNS_SEED'];
  if (one !== undefined) return [Number(one)];
  return Array.from({ length: Number(process.env['KAIROS_RUNS_SEEDS'] ?? 10) }, (_, i) => i + 1);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

describe('chronos runs across leader kills', () => {
  it('runs every scheduled instant exactly once, launches each task once, fires children per parent success', async () => {
    let kills = 0;
    let lost = 0;
    let runs = 0;
    for (const seed of seeds()) {
      const world = new RunsWorld(seed);
      const schedule = `R70/${iso(EPOCH_MS + 5_000)}/PT3S`;
      world.putJob({ name: 'every3', command: 'true', schedule, epsilon: 'PT60S', concurrent: true });
      world.putJob({ name: 'child', command: 'true', parents: ['every3'], concurrent: true }, 'dependent');
      await world.run(FAULTY_MS, CALM_MS, [2_000, 9_000]);
      const hint = `replay: KAIROS_RUNS_SEED=${seed} npx vitest run --project sim test/sim/chronos/runs-failover.test.ts`;

      const instants = firesBetween(parseSchedule(schedule, '', { nowMs: EPOCH_MS }), EPOCH_MS, EPOCH_MS + FAULTY_MS + CALM_MS, 1000);
      expect(instants, hint).toHaveLength(70);
      const records = world.part.runsOf('every3').filter((r) => r.cause === 'schedule');
      expect(records.map((r) => r.key).sort(), hint).toEqual(instants.map((t) => scheduledRunKey('every3', t)).sort());
      expect(records.filter((r) => r.machine.value !== 'succeeded').map((r) => `${r.key}:${r.machine.value}`), hint).toEqual([]);
      for (const [taskId, count] of world.master.launches) expect(count, `${taskId} launched ${count}× (${hint})`).toBe(1);
      expect(world.master.duplicateAccepts, hint).toBe(0);
      expect(world.part.stats('every3').successCount, hint).toBe(70);
      const children = world.part.runsOf('child');
      expect(children.length, hint).toBe(70);
      expect(new Set(children.map((r) => r.key)).size, hint).toBe(70);
      expect(world.part.stats('child').successCount, hint).toBe(70);
      // R70 exhausted and its last run final: Chronos disables the job; the child stays enabled.
      expect(world.jobs.job('every3')?.disabled, hint).toBe(true);
      expect(world.jobs.job('child')?.disabled, hint).toBe(false);
      kills += world.stats.kills;
      lost += world.stats.lostProposals;
      runs += records.length;
    }
    process.stdout.write(`runs-failover: ${JSON.stringify({ seeds: seeds().length, kills, lostProposals: lost, runs })}\n`);
    expect(kills).toBeGreaterThan(seeds().length * 10);
  });
});
