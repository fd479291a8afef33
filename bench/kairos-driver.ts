/**
 * Goal 3, second half (BENCHMARKS.md): ≥ 20,000 committed writes/s through the node driver. A
 * 3-replica Kairos cluster runs bench/kairos-driver-replica.js (the real master plus an IPC
 * hook); the leader runs a closed loop of RaftNode.propose() at 1, 100 and 1,000 in flight, so
 * HTTP is out of the path. Median of 5 runs; ratio to the synced LevelDB batch floor when the
 * floors scenario ran first in the same invocation.
 */
import { join } from 'node:path';
import { KairosCluster, kairosCli } from './kairos-raft.js';
import type { LoadResult } from './lib/load.js';
import { repoRoot } from './lib/results.js';
import type { Scenario, ScenarioContext, ScenarioReport } from './lib/scenario.js';
import { median, ratio } from './lib/stats.js';
import { formatRatio, type Cell, type Table } from './lib/table.js';

const CONCURRENCY_LEVELS = [1, 100, 1000];
const VALUE_BYTES = 100;

interface DriverReply {
  result?: LoadResult;
  error?: string;
}

async function measure(cluster: KairosCluster, concurrency: number, durationMs: number, warmupMs: number): Promise<LoadResult> {
  const leader = await cluster.waitForLeader(10_000);
  const reply = await cluster
    .processOf(leader.member)
    .request<DriverReply>({ type: 'load', concurrency, durationMs, warmupMs, valueBytes: VALUE_BYTES }, durationMs + warmupMs + 30_000);
  if (reply.result === undefined) throw new Error(`driver load on ${leader.member} failed: ${reply.error ?? 'no result'}`);
  return reply.result;
}

function driverTable(rows: { concurrency: number; runs: LoadResult[] }[], batchFloor: number | undefined, runs: number, durationMs: number): Table {
  const tableRows: Cell[][] = rows.map(({ concurrency, runs: results }) => {
    const throughput = median(results.map((result) => result.throughputPerSec));
    return [
      concurrency, throughput,
      median(results.map((result) => result.latencyMs.p50)), median(results.map((result) => result.latencyMs.p99)),
      results.reduce((total, result) => total + result.errors, 0),
      formatRatio(ratio(throughput, batchFloor)),
    ];
  });
  return {
    title: 'Raft writes through the node driver (propose(), no HTTP), 3 replicas (goal 3: ≥ 20,000/s)',
    header: ['in flight', 'writes/s', 'p50 ms', 'p99 ms', 'errors', '÷ synced-batch floor'],
    rows: tableRows,
    notes: [`Median of ${runs} runs × ${durationMs} ms, ${VALUE_BYTES} B values; floor ${batchFloor === undefined ? 'not measured in this run' : `${Math.round(batchFloor)} entries/s`}.`],
  };
}

function batchFloorOf(context: ScenarioContext): number | undefined {
  const floors = context.earlier.get('floors') as { level?: { batchEntriesPerSec: number } } | undefined;
  return floors?.level?.batchEntriesPerSec;
}

export const raftDriverScenario: Scenario = {
  name: 'raft-driver',
  description: 'committed writes/s through RaftNode.propose() on a 3-replica cluster, no HTTP (goal 3)',
  async run(context): Promise<ScenarioReport> {
    const cli = kairosCli();
    if (cli.path === null) {
      context.progress(`raft-driver skipped: ${cli.reason}`);
      return { tables: [], figures: { skipped: [cli.reason] } };
    }
    const script = join(repoRoot(), 'dist', 'bench', 'kairos-driver-replica.js');
    const cluster = new KairosCluster(context.workDir, cli.path, { script, leadingArgs: [], ipc: true });
    const runs = context.quick ? 1 : 5;
    const durationMs = context.quick ? 1000 : 2000;
    const warmupMs = 300;
    context.progress(`starting ${cluster.label}`);
    await cluster.start();
    try {
      const rows: { concurrency: number; runs: LoadResult[] }[] = [];
      for (const concurrency of CONCURRENCY_LEVELS) {
        const results: LoadResult[] = [];
        for (let run = 0; run < runs; run++) {
          const result = await measure(cluster, concurrency, durationMs, warmupMs);
          context.progress(`${cluster.label} c=${concurrency} run ${run + 1}: ${Math.round(result.throughputPerSec)} w/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, ${result.errors} errors${result.errors > 0 ? ` (${result.errorExamples.join('; ')})` : ''}`);
          results.push(result);
        }
        rows.push({ concurrency, runs: results });
      }
      const batchFloor = batchFloorOf(context);
      return { tables: [driverTable(rows, batchFloor, runs, durationMs)], figures: { runs, durationMs, valueBytes: VALUE_BYTES, batchFloor, levels: rows } };
    } catch (error) {
      context.keepWorkDir();
      throw error;
    } finally {
      await cluster.stop();
    }
  },
};
