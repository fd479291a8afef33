/**
 * Chronos REST API goals (issue 6): on a 3-replica Kairos cluster (the real CLI), against the
 * leader —
 *  1. single-job reads/s (`GET /scheduler/job/{name}`, linearizable: a read barrier each) vs a
 *     bare Fastify hello-world in its own process, same concurrency, same run (goal ≥ 20,000/s);
 *  2. job creations/s (`POST /scheduler/iso8601`, each a Raft commit) with 10,000 jobs stored
 *     (goal ≥ 2,000/s);
 *  3. `GET /scheduler/jobs/search?name=…` p99 with 50,000 jobs stored, a name that matches one job
 *     so every request scans the whole store (goal ≤ 20 ms).
 * Jobs are scheduled in 2030 (ISO8601) or yearly (cron) so the trigger engine stays idle.
 */
import { join } from 'node:path';
import { kairosCli, KairosCluster } from './kairos-raft.js';
import { runHttpClosedLoop, type LoadResult, type LoadTarget } from './lib/load.js';
import { freePort } from './lib/ports.js';
import { startProcess, waitForHttp } from './lib/process.js';
import { repoRoot } from './lib/results.js';
import type { Scenario, ScenarioContext, ScenarioReport } from './lib/scenario.js';
import { median } from './lib/stats.js';
import { formatRatio, type Table } from './lib/table.js';

interface Plan {
  runs: number;
  durationMs: number;
  warmupMs: number;
  readConcurrency: number;
  createConcurrency: number;
  createAtJobs: number;
  searchAtJobs: number;
}

const FULL: Plan = { runs: 3, durationMs: 5_000, warmupMs: 1_000, readConcurrency: 64, createConcurrency: 128, createAtJobs: 10_000, searchAtJobs: 50_000 };
const QUICK: Plan = { runs: 1, durationMs: 1_500, warmupMs: 300, readConcurrency: 32, createConcurrency: 64, createAtJobs: 1_000, searchAtJobs: 3_000 };

function jobBody(index: number): string {
  const schedule = index % 2 === 0 ? 'R/2030-01-01T00:00:00Z/PT1H' : '0 0 1 1 *';
  return JSON.stringify({ name: `bench-job-${index}-x`, command: `echo ${index}`, schedule, scheduleTimeZone: index % 3 === 0 ? 'Europe/Paris' : 'UTC', owner: 'bench@example.com' });
}

/** Creates jobs up to `total` (names bench-job-<i>-x), `concurrency` requests in flight. */
async function seedJobs(port: number, from: number, total: number, concurrency: number, progress: (message: string) => void): Promise<number> {
  let next = from;
  let failures = 0;
  const examples = new Set<string>();
  const createOne = async (index: number): Promise<void> => {
    // A put is idempotent (same name, same body), so a timed-out or refused one is simply retried.
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`http://127.0.0.1:${port}/scheduler/iso8601`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: jobBody(index), signal: AbortSignal.timeout(30_000) }).catch((error: Error) => error);
      const status = response instanceof Error ? 0 : response.status;
      const text = response instanceof Error ? response.message : await response.text();
      if (status === 204) return;
      failures += 1;
      if (examples.size < 5) examples.add(`HTTP ${status} ${text.slice(0, 120)}`);
      if (attempt >= 5 || (status >= 400 && status < 500)) throw new Error(`seeding job ${index}: ${[...examples].join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const worker = async (): Promise<void> => {
    while (next < total) await createOne(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failures > 0) progress(`seeding: ${failures} creations retried (${[...examples].join('; ')})`);
  return next;
}

function getTarget(port: number, path: (worker: number, sequence: number) => string): LoadTarget {
  return { host: '127.0.0.1', port, method: 'GET', headers: {}, next: (worker, sequence) => ({ path: path(worker, sequence), body: '' }), isSuccess: (status) => status === 200 };
}

function describeRun(label: string, result: LoadResult): string {
  return `${label}: ${Math.round(result.throughputPerSec)}/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, ${result.errors} errors${result.errors > 0 ? ` (${result.errorExamples.join('; ')})` : ''}`;
}

async function run(context: ScenarioContext): Promise<ScenarioReport> {
  const plan = context.quick ? QUICK : FULL;
  const cli = kairosCli();
  if (cli.path === null) throw new Error(cli.reason);
  const cluster = new KairosCluster(context.workDir, cli.path);
  const helloPort = await freePort();
  const hello = startProcess({ name: 'hello', command: process.execPath, args: [join(repoRoot(), 'dist', 'bench', 'chronos-api-hello.js'), String(helloPort)], logPath: join(context.workDir, 'hello.log') });
  try {
    await cluster.start();
    await waitForHttp(`http://127.0.0.1:${helloPort}/hello`, { timeoutMs: 15_000, what: 'hello-world server' });
    const leader = await cluster.waitForLeader(30_000);
    const port = cluster.writeTarget(leader.member, 0).port;
    await waitForHttp(`http://127.0.0.1:${port}/scheduler/jobs/search?limit=1`, { timeoutMs: 30_000, what: 'the Chronos API on the leader' });
    const options = { durationMs: plan.durationMs, warmupMs: plan.warmupMs, requestTimeoutMs: 10_000 };

    // 2. creations at N jobs (seed N first, then measure new creations on top of them).
    context.progress(`seeding ${plan.createAtJobs} jobs`);
    const seedStart = performance.now();
    let created = await seedJobs(port, 0, plan.createAtJobs, plan.createConcurrency, context.progress);
    const seedRate = (plan.createAtJobs * 1000) / (performance.now() - seedStart);
    context.progress(`seeded at ${Math.round(seedRate)} creations/s`);
    const createRuns: LoadResult[] = [];
    for (let r = 0; r < plan.runs; r++) {
      const base = created;
      let counter = 0;
      const target: LoadTarget = {
        host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json' },
        next: () => ({ path: '/scheduler/iso8601', body: jobBody(base + counter++) }),
        isSuccess: (status) => status === 204,
      };
      const result = await runHttpClosedLoop(target, { ...options, concurrency: plan.createConcurrency });
      created = base + counter;
      context.progress(describeRun(`create run ${r + 1} (from ${base} jobs)`, result));
      createRuns.push(result);
    }

    // 1. single-job reads vs hello-world, alternating order per run.
    const readRuns: LoadResult[] = [];
    const helloRuns: LoadResult[] = [];
    const readTarget = getTarget(port, (worker, sequence) => `/scheduler/job/bench-job-${(worker * 7919 + sequence) % plan.createAtJobs}-x`);
    const helloTarget = getTarget(helloPort, () => '/hello');
    for (let r = 0; r < plan.runs; r++) {
      const order: Array<['read' | 'hello', LoadTarget]> = r % 2 === 0 ? [['read', readTarget], ['hello', helloTarget]] : [['hello', helloTarget], ['read', readTarget]];
      for (const [label, target] of order) {
        const result = await runHttpClosedLoop(target, { ...options, concurrency: plan.readConcurrency });
        context.progress(describeRun(`${label} run ${r + 1}`, result));
        (label === 'read' ? readRuns : helloRuns).push(result);
      }
    }

    // 3. search at M jobs.
    context.progress(`seeding up to ${plan.searchAtJobs} jobs`);
    created = await seedJobs(port, created, Math.max(created, plan.searchAtJobs), plan.createConcurrency, context.progress);
    const searchRuns: LoadResult[] = [];
    for (let r = 0; r < plan.runs; r++) {
      const result = await runHttpClosedLoop(
        getTarget(port, (_worker, sequence) => `/scheduler/jobs/search?name=-${(sequence * 7919) % plan.searchAtJobs}-`),
        { ...options, concurrency: 1 },
      );
      context.progress(describeRun(`search run ${r + 1} (${created} jobs)`, result));
      searchRuns.push(result);
    }

    const readsPerSec = median(readRuns.map((x) => x.throughputPerSec));
    const helloPerSec = median(helloRuns.map((x) => x.throughputPerSec));
    const createsPerSec = median(createRuns.map((x) => x.throughputPerSec));
    const searchP99 = median(searchRuns.map((x) => x.latencyMs.p99));
    const tables: Table[] = [{
      title: 'Chronos API on the leader of 3 replicas (medians over runs)',
      header: ['measure', 'Kairos', 'reference', 'ratio', 'goal'],
      rows: [
        [`single-job reads/s (GET /scheduler/job/{name}, ${plan.readConcurrency} in flight)`, readsPerSec, `${Math.round(helloPerSec)} (bare Fastify hello-world)`, formatRatio(readsPerSec / helloPerSec), '≥ 20,000/s'],
        [`job creations/s at ${plan.createAtJobs.toLocaleString('en-US')} jobs (${plan.createConcurrency} in flight)`, createsPerSec, '', '', '≥ 2,000/s'],
        [`search p99 at ${created.toLocaleString('en-US')} jobs, ms (1 in flight)`, searchP99, '', '', '≤ 20 ms'],
      ],
      notes: [
        `Reads pass a Raft read barrier (ReadIndex) each; p99 read latency ${median(readRuns.map((x) => x.latencyMs.p99)).toFixed(2)} ms vs hello-world ${median(helloRuns.map((x) => x.latencyMs.p99)).toFixed(2)} ms. ` +
          `Seeding the first ${plan.createAtJobs.toLocaleString('en-US')} jobs ran at ${Math.round(seedRate)} creations/s.`,
      ],
    }];
    return {
      tables,
      figures: { plan, readsPerSec, helloPerSec, createsPerSec, searchP99Ms: searchP99, jobsAtSearch: created, seedRate, readRuns, helloRuns, createRuns, searchRuns },
    };
  } catch (error) {
    context.keepWorkDir();
    throw error;
  } finally {
    await cluster.stop();
    await hello.stop(2_000);
  }
}

export const chronosApiScenario: Scenario = {
  name: 'chronos-api',
  description: 'Chronos REST API: single-job reads/s vs hello-world, creations/s at 10,000 jobs, search p99 at 50,000 jobs',
  run,
};
