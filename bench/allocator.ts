/**
 * Goals 4 and 5 (BENCHMARKS.md): the allocation cycle and the leader's event loop.
 *   1. Cycle time for DRF, round-robin and priority on identical input, at 1k and 10k agents ×
 *      10/100/1,000 frameworks and at 20k × 2k — agents shaped like Mesos's allocator benchmark
 *      (cpus:2; mem:1024; disk:4096; ports:[31000-32000]), all frameworks in one role, nothing
 *      allocated: the Mesos 1.7 blog setting (≈1.1 s at 10k × 1k, ≈3.8 s at 20k × 2k on Mesos
 *      1.8). Inline = the pure call on this thread; pool = one Piscina worker, end to end
 *      (transfer in, compute, transfer back). Median of RUNS cycles, each on a fresh copy.
 *   2. The same at 10k × 1k on a busier cluster: 20 weighted roles, quota on two, 10% of agents
 *      with reservations, half the agents partly used, 10% of frameworks suppressed, five live
 *      refusal filters per framework, rack constraints on 5% of frameworks.
 *   3. Event-loop delay p99 (perf_hooks monitorEventLoopDelay, 1 ms resolution) on this thread
 *      while DRF cycles at 10k × 1k run back to back: pool with a fresh transferred view per cycle,
 *      pool with one reused SharedArrayBuffer view, inline, and an idle loop (the floor that
 *      other processes on the shared machine impose).
 * Packing plain objects into the typed-array view is timed separately: the master can keep the
 * arrays up to date incrementally instead of re-packing each cycle.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { allocate, packClusterView, policyByName, POLICY_NAMES, toSharedView } from '../src/allocator/index.js';
import { AllocatorPool } from '../src/allocator/pool.js';
import type { AgentInput, ClusterInput, FrameworkInput } from '../src/allocator/pack.js';
import type { ClusterView, PolicyName } from '../src/allocator/types.js';
import { SeededRng } from '../src/lib/rng.js';
import { describeEnvironment, writeResults } from './lib/results.js';
import type { Scenario, ScenarioReport } from './lib/scenario.js';
import { median } from './lib/stats.js';
import { renderTable, type Table } from './lib/table.js';

const NOW_MS = 1_700_000_000_000;
const MESOS_AGENT = { cpus: 2, mem: 1024, disk: 4096, ports: 1001 };

export interface AllocatorBenchOptions {
  /** Fewer sizes, runs and seconds: checks the bench works, not for quoting. */
  readonly quick?: boolean;
  readonly progress?: (message: string) => void;
}

interface CycleFigure {
  readonly scenario: string;
  readonly agents: number;
  readonly frameworks: number;
  readonly policy: PolicyName;
  readonly offers: number;
  readonly inlineMsMedian: number;
  /** Process CPU time of the inline call: the figure least disturbed by other load. */
  readonly inlineCpuMsMedian: number;
  readonly poolMsMedian: number;
  readonly workerComputeMsMedian: number;
  readonly inlineMsRuns: number[];
  readonly inlineCpuMsRuns: number[];
  readonly poolMsRuns: number[];
}

interface LoopFigure {
  readonly cycles: number;
  /** performance.eventLoopUtilization over the window: how much of it the main loop was busy. */
  readonly mainLoopUtilization: number;
  readonly delayMsP50: number;
  readonly delayMsP99: number;
  readonly delayMsMax: number;
}

/** Mesos benchmark cluster: identical agents, frameworks in one role, idle/offer times spread. */
export function mesosCluster(agentCount: number, frameworkCount: number): ClusterInput {
  const rng = new SeededRng(agentCount * 31 + frameworkCount);
  const agents: AgentInput[] = Array.from({ length: agentCount }, () => ({
    total: MESOS_AGENT,
    idleSinceMs: NOW_MS - rng.int(0, 600_000),
    priority: rng.int(0, 3),
  }));
  const frameworks: FrameworkInput[] = Array.from({ length: frameworkCount }, () => ({
    role: '*',
    lastOfferMs: NOW_MS - rng.int(0, 600_000),
    priority: rng.int(0, 9),
  }));
  return { agents, frameworks, roles: [{ name: '*' }] };
}

/** A busier cluster: roles, weights, quota, reservations, partial use, suppression, filters. */
export function busyCluster(agentCount: number, frameworkCount: number): ClusterInput {
  const rng = new SeededRng(7);
  const roles = Array.from({ length: 20 }, (_unused, index) => ({
    name: `role-${index}`,
    weight: 1 + (index % 3),
    ...(index < 2 ? { quotaGuarantee: { cpus: agentCount / 10, mem: agentCount * 50 } } : {}),
  }));
  const agents: AgentInput[] = Array.from({ length: agentCount }, (_unused, index) => {
    const used = index % 2 === 0 ? rng.next() * 0.8 : 0;
    return {
      total: MESOS_AGENT,
      allocated: { cpus: 2 * used, mem: 1024 * used, disk: 4096 * used, ports: Math.floor(1001 * used) },
      attributes: { rack: `rack-${index % 40}` },
      idleSinceMs: NOW_MS - rng.int(0, 600_000),
      ...(index % 10 === 0 ? { reservations: [{ role: `role-${rng.int(0, 19)}`, resources: { cpus: 0.2, mem: 100 } }] } : {}),
    };
  });
  const frameworks: FrameworkInput[] = Array.from({ length: frameworkCount }, (_unused, index) => ({
    role: `role-${index % 20}`,
    suppressed: index % 10 === 9,
    allocated: { cpus: rng.int(0, 20), mem: rng.int(0, 10_000) },
    filters: Array.from({ length: 5 }, () => ({ agent: rng.int(0, agentCount - 1), expiresAtMs: NOW_MS + 5000 })),
    ...(index % 21 === 0 ? { constraints: [{ attribute: 'rack', operator: 'EQUALS' as const, value: `rack-${index % 40}` }] } : {}),
  }));
  return { agents, frameworks, roles };
}

/** A fresh copy whose buffers may be transferred without touching the original. */
export function copyView(view: ClusterView): ClusterView {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(view)) {
    if (ArrayBuffer.isView(value)) copy[key] = (value as Float64Array).slice();
    else if (typeof value === 'object' && value !== null) {
      copy[key] = Object.fromEntries(Object.entries(value).map(([inner, array]) => [inner, (array as Int32Array).slice()]));
    } else copy[key] = value;
  }
  return copy as unknown as ClusterView;
}

function timeInline(view: ClusterView, policy: PolicyName): { ms: number; cpuMs: number; offers: number } {
  const copy = copyView(view);
  const startedCpu = process.cpuUsage();
  const startedMs = performance.now();
  const batch = allocate(copy, policyByName(policy), NOW_MS, { rng: new SeededRng(1) });
  const ms = performance.now() - startedMs;
  const cpu = process.cpuUsage(startedCpu);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, offers: batch.count };
}

async function timePooled(pool: AllocatorPool, view: ClusterView, policy: PolicyName): Promise<{ ms: number; computeMs: number }> {
  const copy = copyView(view);
  const startedMs = performance.now();
  const result = await pool.allocate({ policy, view: copy, nowMs: NOW_MS, shuffleSeed: 1 });
  return { ms: performance.now() - startedMs, computeMs: result.computeMs };
}

async function measureCycles(
  scenario: string,
  input: ClusterInput,
  pool: AllocatorPool,
  runs: number,
): Promise<CycleFigure[]> {
  const { view } = packClusterView(input);
  const figures: CycleFigure[] = [];
  for (const policy of POLICY_NAMES) {
    timeInline(view, policy); // warm-up: JIT
    await timePooled(pool, view, policy);
    const inline = Array.from({ length: runs }, () => timeInline(view, policy));
    const pooled: Array<{ ms: number; computeMs: number }> = [];
    for (let run = 0; run < runs; run++) pooled.push(await timePooled(pool, view, policy));
    figures.push({
      scenario,
      agents: view.agentCount,
      frameworks: view.frameworkCount,
      policy,
      offers: inline[0]!.offers,
      inlineMsMedian: median(inline.map((sample) => sample.ms)),
      inlineCpuMsMedian: median(inline.map((sample) => sample.cpuMs)),
      poolMsMedian: median(pooled.map((sample) => sample.ms)),
      workerComputeMsMedian: median(pooled.map((sample) => sample.computeMs)),
      inlineMsRuns: inline.map((sample) => sample.ms),
      inlineCpuMsRuns: inline.map((sample) => sample.cpuMs),
      poolMsRuns: pooled.map((sample) => sample.ms),
    });
  }
  return figures;
}

/**
 * DRF cycles back to back for `durationMs` while the loop-delay histogram records. `nextView`
 * is what the leader does per cycle: copy a view (to transfer it) or reuse a shared one.
 */
async function measureEventLoop(pool: AllocatorPool, nextView: () => ClusterView, durationMs: number): Promise<LoopFigure> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  await pool.allocate({ policy: 'drf', view: nextView(), nowMs: NOW_MS }); // warm-up
  const utilizationAtStart = performance.eventLoopUtilization();
  histogram.enable();
  const endMs = performance.now() + durationMs;
  let cycles = 0;
  while (performance.now() < endMs) {
    await pool.allocate({ policy: 'drf', view: nextView(), nowMs: NOW_MS, shuffleSeed: cycles });
    cycles++;
    await yieldToLoop();
  }
  histogram.disable();
  const toMs = (ns: number): number => ns / 1e6;
  return {
    cycles,
    mainLoopUtilization: performance.eventLoopUtilization(utilizationAtStart).utilization,
    delayMsP50: toMs(histogram.percentile(50)),
    delayMsP99: toMs(histogram.percentile(99)),
    delayMsMax: toMs(histogram.max),
  };
}

/** The same histogram on an idle loop: the floor the machine's scheduler alone imposes. */
async function measureIdleLoop(durationMs: number): Promise<LoopFigure> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const utilizationAtStart = performance.eventLoopUtilization();
  histogram.enable();
  const endMs = performance.now() + durationMs;
  while (performance.now() < endMs) await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  const toMs = (ns: number): number => ns / 1e6;
  const mainLoopUtilization = performance.eventLoopUtilization(utilizationAtStart).utilization;
  return { cycles: 0, mainLoopUtilization, delayMsP50: toMs(histogram.percentile(50)), delayMsP99: toMs(histogram.percentile(99)), delayMsMax: toMs(histogram.max) };
}

function timePacking(input: ClusterInput, runs: number): number {
  return median(
    Array.from({ length: runs }, () => {
      const startedMs = performance.now();
      packClusterView(input);
      return performance.now() - startedMs;
    }),
  );
}

/** Runs the allocator benchmark and returns its raw figures. */
export async function run(options: AllocatorBenchOptions = {}): Promise<Record<string, unknown>> {
  const quick = options.quick === true;
  const progress = options.progress ?? ((): void => {});
  const runs = quick ? 2 : 5;
  const grid: Array<[number, number]> = quick
    ? [[1000, 10], [1000, 100], [10_000, 1000]]
    : [[1000, 10], [1000, 100], [1000, 1000], [10_000, 10], [10_000, 100], [10_000, 1000], [20_000, 2000]];
  const loadAtStart = loadavg()[0];
  const pool = new AllocatorPool({ mode: 'pool', timeoutMs: 60_000 });
  const inlinePool = new AllocatorPool({ mode: 'inline' });
  try {
    const cycles: CycleFigure[] = [];
    for (const [agents, frameworks] of grid) {
      progress(`allocator: ${agents} agents × ${frameworks} frameworks`);
      cycles.push(...(await measureCycles('mesos', mesosCluster(agents, frameworks), pool, runs)));
    }
    progress('allocator: busy cluster 10k × 1k');
    cycles.push(...(await measureCycles('busy', busyCluster(10_000, 1000), pool, runs)));
    const packMs = {
      mesos10kx1k: timePacking(mesosCluster(10_000, 1000), runs),
      busy10kx1k: timePacking(busyCluster(10_000, 1000), runs),
    };
    progress('allocator: event-loop delay, pool then inline');
    const loopView = packClusterView(mesosCluster(10_000, 1000)).view;
    const loopDurationMs = quick ? 1000 : 5000;
    const sharedView = toSharedView(loopView);
    const eventLoop = {
      idle: await measureIdleLoop(loopDurationMs),
      pool: await measureEventLoop(pool, () => copyView(loopView), loopDurationMs),
      poolShared: await measureEventLoop(pool, () => sharedView, loopDurationMs),
      inline: await measureEventLoop(inlinePool, () => copyView(loopView), loopDurationMs),
    };
    const drf = (agents: number, frameworks: number): CycleFigure | undefined =>
      cycles.find((c) => c.scenario === 'mesos' && c.policy === 'drf' && c.agents === agents && c.frameworks === frameworks);
    return {
      runs,
      loadAverage1m: { start: loadAtStart, end: loadavg()[0] },
      cycles,
      packMs,
      eventLoop,
      goals: {
        drf10kx1kInlineMs: drf(10_000, 1000)?.inlineMsMedian,
        drf10kx1kInlineCpuMs: drf(10_000, 1000)?.inlineCpuMsMedian,
        drf10kx1kPoolMs: drf(10_000, 1000)?.poolMsMedian,
        drf10kx1kGoalMs: 100,
        drf20kx2kInlineMs: drf(20_000, 2000)?.inlineMsMedian,
        drf20kx2kInlineCpuMs: drf(20_000, 2000)?.inlineCpuMsMedian,
        drf20kx2kPoolMs: drf(20_000, 2000)?.poolMsMedian,
        drf20kx2kGoalMs: 500,
        mesos18At10kx1kMs: 1100,
        mesos18At20kx2kMs: 3800,
        loopDelayP99RatioPoolOverInline: eventLoop.pool.delayMsP99 / eventLoop.inline.delayMsP99,
        loopDelayP99RatioPoolSharedOverInline: eventLoop.poolShared.delayMsP99 / eventLoop.inline.delayMsP99,
        loopDelayP99GoalMs: 10,
      },
    };
  } finally {
    await pool.close();
  }
}

function tablesOf(figures: Record<string, unknown>): Table[] {
  const cycles = figures['cycles'] as CycleFigure[];
  const loop = figures['eventLoop'] as Record<'idle' | 'pool' | 'poolShared' | 'inline', LoopFigure>;
  return [
    {
      title: 'Allocation cycle (median ms); Mesos 1.8: ≈1,100 ms at 10k × 1k, ≈3,800 ms at 20k × 2k',
      header: ['cluster', 'agents', 'frameworks', 'policy', 'offers', 'inline ms', 'inline CPU ms', 'pool ms', 'worker compute ms'],
      rows: cycles.map((c) => [
        c.scenario, c.agents, c.frameworks, c.policy, c.offers,
        c.inlineMsMedian, c.inlineCpuMsMedian, c.poolMsMedian, c.workerComputeMsMedian,
      ]),
    },
    {
      title: 'Event-loop delay while DRF cycles run back to back at 10k × 1k (goal p99 ≤ 10 ms, pool ÷ inline ≤ 0.05)',
      header: ['mode', 'cycles', 'main loop utilization', 'p50 ms', 'p99 ms', 'max ms'],
      rows: (['idle', 'pool', 'poolShared', 'inline'] as const).map((mode) => {
        const figure = loop[mode];
        return [mode, figure.cycles, figure.mainLoopUtilization, figure.delayMsP50, figure.delayMsP99, figure.delayMsMax];
      }),
      notes: [
        'idle: no cycles at all — the delay the shared machine imposes by itself, the floor for the pool rows',
        'pool: a fresh copy of the view per cycle, transferred; poolShared: one SharedArrayBuffer view reused (toSharedView)',
      ],
    },
  ];
}

export const allocatorScenario: Scenario = {
  name: 'allocator',
  description: 'DRF / round-robin / priority cycle time, pool vs inline, and leader event-loop delay (goals 4–5)',
  async run(context): Promise<ScenarioReport> {
    const figures = await run({ quick: context.quick, progress: context.progress });
    return { tables: tablesOf(figures), figures };
  },
};

// Standalone: `node dist/bench/allocator.js [--quick]` prints the tables and (unless --quick)
// writes bench/results/allocator.json the way bench/run.ts does.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const environment = describeEnvironment();
  const loadAtStart = loadavg()[0] ?? 0;
  const figures = await run({ quick, progress: (message) => process.stderr.write(`${message}\n`) });
  const tables = tablesOf(figures);
  for (const table of tables) process.stdout.write(`\n${renderTable(table)}`);
  if (!quick) {
    const { name, description } = allocatorScenario;
    const loadAverage = { start: loadAtStart, end: loadavg()[0] ?? 0 };
    process.stderr.write(`wrote ${writeResults({ scenario: name, description, environment, loadAverage, tables, figures })}\n`);
  }
}
