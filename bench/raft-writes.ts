/**
 * Goals 2 and 3 (BENCHMARKS.md): committed writes over HTTP, closed loop at 1, 10, 100 and 1,000
 * in flight, against the leader of a 3-member etcd cluster (v3 JSON gateway) and of a 3-replica
 * Kairos cluster (PUT /raft/kv/:key), both up at once. Runs alternate between the systems (and
 * their order flips each run) so that noise on the shared machine hits both alike; each cell is
 * the median over runs. Ratios are ours ÷ etcd from this same run, plus ÷ the disk floors when
 * the floors scenario ran first.
 */
import type { ClusterUnderTest } from './lib/cluster.js';
import { runHttpClosedLoop, type LoadResult } from './lib/load.js';
import type { Scenario, ScenarioContext, ScenarioReport } from './lib/scenario.js';
import { median, ratio } from './lib/stats.js';
import { formatRatio, type Cell, type Table } from './lib/table.js';
import { availableSystems, buildClusters, isKairos, startAll, stopAll } from './raft-systems.js';

const CONCURRENCY_LEVELS = [1, 10, 100, 1000];
const VALUE_BYTES = 100;

interface WritesPlan {
  runs: number;
  durationMs: number;
  warmupMs: number;
}

/** Medians over runs of one system at one concurrency. */
export interface WritesCell {
  concurrency: number;
  throughputPerSec: number;
  latencyMsP50: number;
  latencyMsP99: number;
  errors: number;
  runs: LoadResult[];
}

async function measureOnce(cluster: ClusterUnderTest, concurrency: number, plan: WritesPlan): Promise<LoadResult> {
  const leader = await cluster.waitForLeader(10_000);
  return runHttpClosedLoop(cluster.writeTarget(leader.member, VALUE_BYTES), {
    concurrency, durationMs: plan.durationMs, warmupMs: plan.warmupMs, requestTimeoutMs: 10_000,
  });
}

function toCell(concurrency: number, runs: LoadResult[]): WritesCell {
  return {
    concurrency,
    throughputPerSec: median(runs.map((run) => run.throughputPerSec)),
    latencyMsP50: median(runs.map((run) => run.latencyMs.p50)),
    latencyMsP99: median(runs.map((run) => run.latencyMs.p99)),
    errors: runs.reduce((total, run) => total + run.errors, 0),
    runs,
  };
}

async function measureAll(clusters: ClusterUnderTest[], plan: WritesPlan, context: ScenarioContext): Promise<Map<string, WritesCell[]>> {
  const cells = new Map<string, WritesCell[]>(clusters.map((cluster) => [cluster.label, []]));
  for (const concurrency of CONCURRENCY_LEVELS) {
    const runsByLabel = new Map<string, LoadResult[]>(clusters.map((cluster) => [cluster.label, []]));
    for (let run = 0; run < plan.runs; run++) {
      const order = run % 2 === 0 ? clusters : [...clusters].reverse();
      for (const cluster of order) {
        const result = await measureOnce(cluster, concurrency, plan);
        context.progress(`${cluster.label} c=${concurrency} run ${run + 1}: ${Math.round(result.throughputPerSec)} w/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, ${result.errors} errors${result.errors > 0 ? ` (${result.errorExamples.join('; ')})` : ''}`);
        runsByLabel.get(cluster.label)?.push(result);
      }
    }
    for (const [label, runs] of runsByLabel) cells.get(label)?.push(toCell(concurrency, runs));
  }
  return cells;
}

function writesTable(clusters: ClusterUnderTest[], cells: Map<string, WritesCell[]>, plan: WritesPlan, notes: string[]): Table {
  const reference = clusters.find((cluster) => !isKairos(cluster));
  const ours = clusters.find(isKairos);
  const referenceCells = reference === undefined ? [] : (cells.get(reference.label) ?? []);
  const ourCells = ours === undefined ? [] : (cells.get(ours.label) ?? []);
  const rows: Cell[][] = CONCURRENCY_LEVELS.map((concurrency, index) => {
    const etcd = referenceCells[index];
    const kairos = ourCells[index];
    return [
      concurrency,
      etcd?.throughputPerSec, etcd?.latencyMsP50, etcd?.latencyMsP99,
      kairos?.throughputPerSec, kairos?.latencyMsP50, kairos?.latencyMsP99,
      formatRatio(ratio(kairos?.throughputPerSec, etcd?.throughputPerSec)),
      formatRatio(ratio(kairos?.latencyMsP50, etcd?.latencyMsP50)),
      `${etcd?.errors ?? 'n/a'} / ${kairos?.errors ?? 'n/a'}`,
    ];
  });
  return {
    title: 'Raft writes over HTTP, closed loop, 3 members on loopback (goals 2–3)',
    header: ['in flight', 'etcd w/s', 'etcd p50 ms', 'etcd p99 ms', 'Kairos w/s', 'Kairos p50 ms', 'Kairos p99 ms', 'w/s ours÷etcd', 'p50 ours÷etcd', 'errors etcd/Kairos'],
    rows,
    notes: [
      `${reference?.label ?? 'etcd: not run'} vs ${ours?.label ?? 'Kairos: not run'}. Median of ${plan.runs} runs × ${plan.durationMs} ms (after ${plan.warmupMs} ms warm-up), ${VALUE_BYTES} B values, sent to the leader.`,
      ...notes,
    ],
  };
}

/** Ratios to the floors measured earlier in this run (goal 2: p50 ÷ fsync; goal 3: ÷ batch floor). */
function floorNotes(context: ScenarioContext, cells: Map<string, WritesCell[]>): string[] {
  const floors = context.earlier.get('floors') as { fsyncAppendMicros?: { p50: number }; level?: { batchEntriesPerSec: number } } | undefined;
  if (floors?.fsyncAppendMicros === undefined || floors.level === undefined) return ['Floor ratios: run the floors scenario in the same invocation to get them.'];
  const fsyncMs = floors.fsyncAppendMicros.p50 / 1000;
  const notes: string[] = [];
  for (const [label, list] of cells) {
    const single = list[0];
    const busiest = list[list.length - 1];
    notes.push(
      `${label}: p50 at 1 in flight ÷ fsync floor (${fsyncMs.toFixed(3)} ms) = ${formatRatio(ratio(single?.latencyMsP50, fsyncMs))}; ` +
        `w/s at 1,000 in flight ÷ synced-batch floor (${Math.round(floors.level.batchEntriesPerSec)} entries/s) = ${formatRatio(ratio(busiest?.throughputPerSec, floors.level.batchEntriesPerSec))}.`,
    );
  }
  return notes;
}

export const raftWritesScenario: Scenario = {
  name: 'raft-writes',
  description: 'committed writes over HTTP at 1/10/100/1,000 in flight: etcd vs Kairos (goals 2–3)',
  async run(context): Promise<ScenarioReport> {
    const systems = availableSystems(context);
    const plan: WritesPlan = context.quick ? { runs: 1, durationMs: 1000, warmupMs: 300 } : { runs: 5, durationMs: 2000, warmupMs: 300 };
    const clusters = buildClusters(context, systems, [false]);
    if (clusters.length === 0) return { tables: [], figures: { skipped: systems.skipped } };
    const started = await startAll(clusters, context, systems.skipped);
    try {
      const cells = await measureAll(started, plan, context);
      const table = writesTable(started, cells, plan, [...floorNotes(context, cells), ...systems.skipped]);
      return { tables: [table], figures: { plan, valueBytes: VALUE_BYTES, skipped: systems.skipped, systems: Object.fromEntries(cells) } };
    } finally {
      await stopAll(started);
    }
  },
};
