/**
 * Goal: the run side keeps the exactly-once promise end to end — every scheduled instant of a
 * job yields exactly one run record (or an explicit skip), each run's task is launched at most
 * once per attempt, every run completes, a dependent child runs once per parent success, and a
 * flaky job's retries (replicated back-off deadlines) run each attempt exactly once —
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
    let retries = 0;
    for (const seed of seeds()) {
      const world = new RunsWorld(seed);
      const schedule = `R70/${iso(EPOCH_MS + 5_000)}/PT3S`;
      world.putJob({ name: 'every3', command: 'true', schedule, epsilon: 'PT60S', concurrent: true });
      world.putJob({ name: 'child', command: 'true', parents: ['every3'], concurrent: true }, 'dependent');
      const flakySchedule = `R20/${iso(EPOCH_MS + 7_000)}/PT7S`;
      world.putJob({ name: 'flaky', command: 'false', schedule: flakySchedule, epsilon: 'PT120S', retries: 2, concurrent: true });
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
      // The flaky job: every instant has one run that ends succeeded or failed (retries exhausted),
      // each attempt launched exactly once (task ids ct:<due>:<attempt>:…), counted as Chronos does.
      const flaky = world.part.runsOf('flaky').filter((r) => r.cause === 'schedule');
      const flakyInstants = firesBetween(parseSchedule(flakySchedule, '', { nowMs: EPOCH_MS }), EPOCH_MS, EPOCH_MS + FAULTY_MS + CALM_MS, 1000);
      expect(flaky.map((r) => r.key).sort(), hint).toEqual(flakyInstants.map((t) => scheduledRunKey('flaky', t)).sort());
      for (const r of flaky) {
        expect(['succeeded', 'failed'], `${r.key} ended ${r.machine.value} (${hint})`).toContain(r.machine.value);
        expect(r.taskIds, hint).toEqual(r.taskIds.map((_, attempt) => `ct:${r.taskDueMs}:${attempt}:flaky:`));
        expect(r.taskIds.length, hint).toBe(r.machine.context.attempt + 1);
        if (r.machine.value === 'failed') expect(r.taskIds, hint).toHaveLength(3);
      }
      const flakyStats = world.part.stats('flaky');
      expect(flakyStats.successCount, hint).toBe(flaky.filter((r) => r.machine.value === 'succeeded').length);
      expect(flakyStats.errorCount, hint).toBe(flaky.filter((r) => r.machine.value === 'failed').length);
      retries += flaky.reduce((n, r) => n + r.taskIds.length - 1, 0);
      // R70 exhausted and its last run final: Chronos disables the job; the child stays enabled.
      expect(world.jobs.job('every3')?.disabled, hint).toBe(true);
      expect(world.jobs.job('child')?.disabled, hint).toBe(false);
      kills += world.stats.kills;
      lost += world.stats.lostProposals;
      runs += records.length;
    }
    process.stdout.write(`runs-failover: ${JSON.stringify({ seeds: seeds().length, kills, lostProposals: lost, runs, retries })}\n`);
    expect(kills).toBeGreaterThan(seeds().length * 10);
    expect(retries).toBeGreaterThan(0);
  });
});
