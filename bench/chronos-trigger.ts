/**
 * Goal 8 (BENCHMARKS.md): 100,000 registered jobs (cron + ISO8601, 20 time zones), 1,000 of them
 * due in the same second: trigger lateness p50 ≤ 10 ms, p99 ≤ 100 ms, and zero missed, zero
 * doubled across 3 leader kills — one heap timer (src/chronos/engine) against a naive engine
 * with one Node timer per job, side by side in the same run.
 *
 * Method: the jobs are built once around a fixed quiet instant M (a minute boundary): 500 cron
 * jobs fire exactly at M and 500 ISO8601 jobs are spread over [M, M+1 s), each in one of 20
 * zones; the other 99,000 (cron patterns and ISO periods, same zones) are checked not to fire
 * near M. Each run gives the engine a clock shifted so that virtual M comes 2.5 s after the
 * engine starts (real timers, real event loop; Raft is an in-memory reducer that applies each
 * proposal on the next turn of the event loop). A full GC runs before the engine starts and
 * again once it is armed, for both engines, so one run's garbage is not collected in another's
 * measured second. Lateness = the moment a run record is handed to `propose` − its instant.
 * The naive engine arms one setTimeout per job and computes that job's due runs when it fires.
 * Both run `runs` times alternately; medians of the per-run p50/p99 are reported. The failover
 * run kills the heap engine's leader 3 times around M (proposals commit after 1–3 ms; a killed
 * leader's pending proposal commits or not by a coin; a new leader starts 50 ms later and
 * rebuilds its heap from the log) and counts, per due job, the run records of its instant.
 * Node's timer floor (setTimeout(1) lateness) is measured in the same process.
 *
 * Run: `npx tsx bench/chronos-trigger.ts [--quick]`, or `npm run build && node dist/bench/chronos-trigger.js`.
 * Wiring: `run()` returns the figures; `chronosTriggerScenario` is the bench/run.ts Scenario.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock, TimerHandle } from '../src/lib/clock.js';
import { SeededRng } from '../src/lib/rng.js';
import { LatenessRecorder, TriggerEngine, type LatenessSummary } from '../src/chronos/engine/index.js';
import { nextFire, parseSchedule, resolveTimeZone } from '../src/chronos/schedule/index.js';
import {
  appendDueForJob,
  applyTriggerCommand,
  createTriggerState,
  nextDueMs,
  type DueRuns,
  type TriggerCommand,
  type TriggerJob,
  type TriggerState,
} from '../src/chronos/trigger/index.js';
import { describeEnvironment, writeResults } from './lib/results.js';
import type { Scenario, ScenarioReport } from './lib/scenario.js';
import { renderTable, type Table } from './lib/table.js';

const ZONES = [
  'UTC', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
  'America/Sao_Paulo', 'America/St_Johns', 'Europe/London', 'Europe/Berlin', 'Europe/Moscow',
  'Africa/Johannesburg', 'Asia/Dubai', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Shanghai',
  'Asia/Tokyo', 'Australia/Sydney', 'Australia/Adelaide', 'Pacific/Auckland', 'Pacific/Chatham',
] as const;
/** Background cron patterns: none matches the local minute of M in any zone (checked anyway). */
const BACKGROUND_CRON = ['0 0 * * *', '*/7 3 * * *', '30 2 * * *', '0 9-17 * * 1-5', '15 14 1 * *', '0 0 1 1 *', '0 22 * * MON-FRI', '*/15 20-23 * * *', '0 12 * * SUN', '5 4 29 2 *'];
const BACKGROUND_PERIODS = ['P1D', 'PT6H', 'P1W', 'PT2H', 'P1M'];
/** A minute boundary with no DST change nearby in any zone. */
const DUE_AT_MS = Date.UTC(2025, 5, 16, 9, 41, 0);
const LEAD_MS = 2_500;
const EPSILON_MS = 60_000;

export interface TriggerBenchOptions {
  readonly jobs?: number;
  readonly dueJobs?: number;
  readonly runs?: number;
  readonly progress?: (message: string) => void;
}

export interface EngineFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly startMs: number;
  readonly perRun: readonly LatenessSummary[];
}

export interface TriggerBenchFigures {
  readonly jobs: number;
  readonly dueJobs: number;
  readonly zones: number;
  readonly runs: number;
  readonly buildMs: number;
  readonly heap: EngineFigures;
  readonly naive: EngineFigures;
  readonly naiveOverHeapP99: number;
  readonly timerFloor: { readonly p50Ms: number; readonly p99Ms: number };
  readonly heapP99OverTimerFloorP99: number;
  readonly failover: { readonly kills: number; readonly missed: number; readonly doubled: number; readonly p50Ms: number; readonly p99Ms: number; readonly takeoverMs: readonly number[] };
}

/** A full GC before each measured second, so one run's garbage is not collected in the next one's. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Real timers, virtual epoch: virtual DUE_AT_MS arrives LEAD_MS after construction. */
class ShiftedClock implements Clock {
  private base = DUE_AT_MS - LEAD_MS - performance.now();
  /** Virtual DUE_AT_MS now comes LEAD_MS from this call. */
  rebase(): void {
    this.base = DUE_AT_MS - LEAD_MS - performance.now();
  }
  nowMs(): number {
    return this.base + performance.now();
  }
  monotonicMs(): number {
    return performance.now();
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const handle = setTimeout(fn, Math.min(delayMs, 2 ** 31 - 1));
    return { cancel: () => clearTimeout(handle) };
  }
}

function localWallClock(zoneId: string, atMs: number): Date {
  return new Date(atMs + resolveTimeZone(zoneId).offsetAt(atMs));
}

function dueJob(index: number, dueJobs: number): TriggerJob {
  const zone = ZONES[index % ZONES.length] as string;
  const half = Math.floor(dueJobs / 2);
  if (index < half) {
    const local = localWallClock(zone, DUE_AT_MS);
    return job(`due-cron-${index}`, `${local.getUTCMinutes()} ${local.getUTCHours()} * * *`, zone);
  }
  const atMs = DUE_AT_MS + Math.floor(((index - half) * 1_000) / (dueJobs - half));
  const start = localWallClock(zone, atMs).toISOString().replace('Z', '');
  return job(`due-iso-${index}`, `R/${start}/P1D`, zone);
}

function backgroundJob(index: number): TriggerJob {
  const zone = ZONES[index % ZONES.length] as string;
  if (index % 2 === 0) return job(`cron-${index}`, BACKGROUND_CRON[(index >> 1) % BACKGROUND_CRON.length] as string, zone);
  const hoursAway = 1 + (index % 20);
  const start = localWallClock(zone, DUE_AT_MS - 40 * 86_400_000 + hoursAway * 3_600_000 + 17 * 60_000 + (index % 60_000)).toISOString().replace('Z', '');
  return job(`iso-${index}`, `R/${start}/${BACKGROUND_PERIODS[index % BACKGROUND_PERIODS.length]}`, zone);
}

function job(name: string, schedule: string, zone: string): TriggerJob {
  return { name, schedule: parseSchedule(schedule, zone), epsilonMs: EPSILON_MS, disabled: false, concurrent: true };
}

/** The job set; throws if a background job would fire in the measured window. */
function buildJobs(total: number, dueJobs: number): Map<string, TriggerJob> {
  const jobs = new Map<string, TriggerJob>();
  for (let i = 0; i < dueJobs; i++) jobs.set(dueJob(i, dueJobs).name, dueJob(i, dueJobs));
  for (let i = dueJobs; i < total; i++) {
    const background = backgroundJob(i);
    const next = nextFire(background.schedule!, DUE_AT_MS - LEAD_MS - EPSILON_MS);
    if (next !== null && next < DUE_AT_MS + 30_000) throw new Error(`background job ${background.name} fires at ${next}`);
    jobs.set(background.name, background);
  }
  return jobs;
}

function freshState(jobs: Map<string, TriggerJob>): TriggerState {
  const state = createTriggerState();
  for (const name of jobs.keys()) applyTriggerCommand(state, { t: 'trigger.track', job: name, firedThroughMs: DUE_AT_MS - LEAD_MS - 1 });
  return state;
}

/** Applies committed commands; counts applied scheduled runs per job. */
class InMemoryLog {
  readonly state: TriggerState;
  readonly runsByJob = new Map<string, number>();
  recorded = 0;
  /** Followers' engines, told about every applied command (as the registry would). */
  readonly listeners: TriggerEngine[] = [];
  constructor(jobs: Map<string, TriggerJob>) {
    this.state = freshState(jobs);
    collectGarbage();
  }
  /** Like Raft: the entry is applied after the proposer's turn of the event loop, not inside it. */
  commitSoon(commands: readonly TriggerCommand[]): Promise<void> {
    return new Promise((resolve) => setImmediate(() => (this.commit(commands), resolve())));
  }

  commit(commands: readonly TriggerCommand[]): void {
    for (const command of commands) {
      if (applyTriggerCommand(this.state, command).outcome !== 'applied') continue;
      for (const listener of this.listeners) listener.jobChanged(command.job);
      if (command.t !== 'run.scheduled') continue;
      this.runsByJob.set(command.job, (this.runsByJob.get(command.job) ?? 0) + 1);
      this.recorded += 1;
    }
  }
}

async function waitFor(condition: () => boolean, deadlineMs: number): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function runHeap(jobs: Map<string, TriggerJob>, dueJobs: number): Promise<{ lateness: LatenessSummary; startMs: number }> {
  const log = new InMemoryLog(jobs);
  const engine = new TriggerEngine({
    clock: new ShiftedClock(),
    source: { jobs: () => jobs.values(), job: (name) => jobs.get(name), state: () => log.state },
    propose: (commands) => log.commitSoon(commands),
  });
  const started = performance.now();
  engine.start();
  const startMs = performance.now() - started;
  collectGarbage();
  await waitFor(() => log.recorded >= dueJobs, LEAD_MS + 10_000);
  engine.stop();
  return { lateness: engine.latenessSummary(), startMs };
}

/** The baseline: one Node timer per job, each computing its own job's due runs. */
async function runNaive(jobs: Map<string, TriggerJob>, dueJobs: number): Promise<{ lateness: LatenessSummary; startMs: number }> {
  const log = new InMemoryLog(jobs);
  const clock = new ShiftedClock();
  const lateness = new LatenessRecorder();
  const timers: TimerHandle[] = [];
  const arm = (job: TriggerJob): void => {
    const jobState = log.state.jobs.get(job.name);
    const due = jobState === undefined ? null : nextDueMs(job, jobState);
    if (due === null) return;
    timers.push(clock.setTimer(Math.max(0, due - clock.nowMs()), () => fire(job)));
  };
  const fire = (job: TriggerJob): void => {
    const into: DueRuns = { commands: [], runs: [], skipped: [] };
    appendDueForJob(into, job, log.state.jobs.get(job.name)!, clock.nowMs());
    const handedAtMs = clock.nowMs();
    for (const run of into.runs) if (run.trigger.kind === 'schedule') lateness.record(handedAtMs - run.trigger.scheduledAtMs);
    void log.commitSoon(into.commands).then(() => arm(job));
  };
  const started = performance.now();
  for (const job of jobs.values()) arm(job);
  const startMs = performance.now() - started;
  collectGarbage();
  await waitFor(() => log.recorded >= dueJobs, LEAD_MS + 10_000);
  for (const timer of timers) timer.cancel();
  return { lateness: lateness.summary(), startMs };
}

/**
 * Heap engine with 3 leader kills around M; counts run records per due job. Each successor is a
 * follower whose standby heap was built before the due second and kept current by the applied
 * commands, so a takeover arms a timer instead of recomputing 100,000 next fires.
 */
async function runFailover(jobs: Map<string, TriggerJob>, dueJobs: number): Promise<TriggerBenchFigures['failover']> {
  const log = new InMemoryLog(jobs);
  const clock = new ShiftedClock();
  const rng = new SeededRng(8);
  const lateness = new LatenessRecorder();
  const takeoverMs: number[] = [];
  let pendingProposals = 0;
  const replicas = Array.from({ length: 4 }, () => {
    const replica = { alive: true, engine: null as unknown as TriggerEngine };
    replica.engine = new TriggerEngine({
      clock,
      lateness,
      source: { jobs: () => jobs.values(), job: (name) => jobs.get(name), state: () => log.state },
      propose: (commands) =>
        new Promise<void>((resolve) => {
          const survivesCrash = rng.next() < 0.5;
          pendingProposals += 1;
          clock.setTimer(rng.int(1, 3), () => {
            pendingProposals -= 1;
            if (!replica.alive && !survivesCrash) return;
            log.commit(commands);
            if (replica.alive) resolve();
          });
        }),
    });
    return replica;
  });
  for (const replica of replicas.slice(1)) {
    replica.engine.standby();
    log.listeners.push(replica.engine);
  }
  collectGarbage();
  clock.rebase();
  let current = 0;
  const takeOver = (index: number): void => {
    const started = performance.now();
    replicas[index]?.engine.start();
    takeoverMs.push(performance.now() - started);
  };
  takeOver(0);
  const kill = (): void => {
    const dead = replicas[current];
    if (dead === undefined) return;
    dead.alive = false;
    dead.engine.stop();
    current += 1;
    const next = current;
    clock.setTimer(50, () => takeOver(next));
  };
  const killAt = [DUE_AT_MS - 200, DUE_AT_MS + 250, DUE_AT_MS + 600];
  for (const at of killAt) clock.setTimer(at - clock.nowMs(), kill);
  await waitFor(() => log.recorded >= dueJobs && current === killAt.length && replicas[current]?.engine.stats().running === true, LEAD_MS + 20_000);
  // Let pending commits of killed leaders land: they must be duplicates.
  await waitFor(() => pendingProposals === 0, 2_000);
  replicas[current]?.engine.stop();
  let missed = 0;
  let doubled = 0;
  for (const name of jobs.keys()) {
    if (!name.startsWith('due-')) continue;
    const count = log.runsByJob.get(name) ?? 0;
    if (count === 0) missed += 1;
    if (count > 1) doubled += 1;
  }
  const summary = lateness.summary();
  return { kills: killAt.length, missed, doubled, p50Ms: summary.p50, p99Ms: summary.p99, takeoverMs };
}

async function timerFloor(samples = 300): Promise<{ p50Ms: number; p99Ms: number }> {
  const recorder = new LatenessRecorder(samples);
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1));
    recorder.record(performance.now() - started - 1);
  }
  const s = recorder.summary();
  return { p50Ms: s.p50, p99Ms: s.p99 };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

function engineFigures(results: Array<{ lateness: LatenessSummary; startMs: number }>): EngineFigures {
  return {
    p50Ms: median(results.map((r) => r.lateness.p50)),
    p99Ms: median(results.map((r) => r.lateness.p99)),
    maxMs: Math.max(...results.map((r) => r.lateness.max)),
    startMs: median(results.map((r) => r.startMs)),
    perRun: results.map((r) => r.lateness),
  };
}

export async function run(options: TriggerBenchOptions = {}): Promise<TriggerBenchFigures> {
  const total = options.jobs ?? 100_000;
  const dueJobs = options.dueJobs ?? 1_000;
  const runs = options.runs ?? 5;
  const progress = options.progress ?? ((): void => {});
  const buildStarted = performance.now();
  const jobs = buildJobs(total, dueJobs);
  const buildMs = performance.now() - buildStarted;
  progress(`chronos-trigger: ${total} jobs built in ${buildMs.toFixed(0)} ms`);
  const heapRuns: Array<{ lateness: LatenessSummary; startMs: number }> = [];
  const naiveRuns: Array<{ lateness: LatenessSummary; startMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    heapRuns.push(await runHeap(jobs, dueJobs));
    naiveRuns.push(await runNaive(jobs, dueJobs));
    progress(`chronos-trigger: run ${i + 1}/${runs}: heap p99 ${heapRuns[i]?.lateness.p99.toFixed(1)} ms, naive p99 ${naiveRuns[i]?.lateness.p99.toFixed(1)} ms`);
  }
  const failover = await runFailover(jobs, dueJobs);
  const floor = await timerFloor();
  const heap = engineFigures(heapRuns);
  const naive = engineFigures(naiveRuns);
  return {
    jobs: total, dueJobs, zones: ZONES.length, runs, buildMs, heap, naive,
    naiveOverHeapP99: naive.p99Ms / heap.p99Ms,
    timerFloor: floor,
    heapP99OverTimerFloorP99: heap.p99Ms / floor.p99Ms,
    failover,
  };
}

function tablesOf(f: TriggerBenchFigures): Table[] {
  return [
    {
      title: `Trigger lateness: ${f.jobs.toLocaleString('en-US')} jobs in ${f.zones} zones, ${f.dueJobs.toLocaleString('en-US')} due in one second (median of ${f.runs} runs)`,
      header: ['engine', 'p50 ms', 'p99 ms', 'max ms', 'start/rebuild ms', 'goal'],
      rows: [
        ['one heap timer', f.heap.p50Ms, f.heap.p99Ms, f.heap.maxMs, f.heap.startMs, 'p50 ≤ 10, p99 ≤ 100'],
        ['timer per job', f.naive.p50Ms, f.naive.p99Ms, f.naive.maxMs, f.naive.startMs, ''],
        ['ratio naive ÷ heap (p99)', '', f.naiveOverHeapP99, '', '', ''],
        ['Node setTimeout(1) floor', f.timerFloor.p50Ms, f.timerFloor.p99Ms, '', '', ''],
        ['heap p99 ÷ floor p99', '', f.heapP99OverTimerFloorP99, '', '', ''],
      ],
      notes: ['Lateness = run record handed to propose − scheduled instant; Raft is an in-memory reducer applying each proposal on the next event-loop turn.'],
    },
    {
      title: `Failover: ${f.failover.kills} leader kills around the due second`,
      header: ['missed', 'doubled', 'p50 ms', 'p99 ms', 'takeovers ms'],
      rows: [[f.failover.missed, f.failover.doubled, f.failover.p50Ms, f.failover.p99Ms, f.failover.takeoverMs.map((ms) => ms.toFixed(1)).join(' / ')]],
      notes: [
        'Lateness pooled over the 4 leaderships. Successors take over from a standby heap (follower mode); a cold rebuild instead costs the heap engine\'s start time above, during which due runs wait.',
      ],
    },
  ];
}

export const chronosTriggerScenario: Scenario = {
  name: 'chronos-trigger',
  description: 'Trigger lateness, 100,000 jobs / 1,000 due in one second: one heap timer vs a timer per job, 3 leader kills (goal 8)',
  async run(context): Promise<ScenarioReport> {
    const figures = await run(context.quick ? { jobs: 10_000, dueJobs: 200, runs: 1, progress: context.progress } : { progress: context.progress });
    return { tables: tablesOf(figures), figures: { ...figures } };
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const environment = describeEnvironment();
  const loadAtStart = loadavg()[0] ?? 0;
  const figures = await run(quick ? { jobs: 10_000, dueJobs: 200, runs: 1 } : { progress: (m) => process.stderr.write(`${m}\n`) });
  const tables = tablesOf(figures);
  for (const table of tables) process.stdout.write(`\n${renderTable(table)}`);
  if (!quick) {
    const loadAverage = { start: loadAtStart, end: loadavg()[0] ?? 0 };
    const { name, description } = chronosTriggerScenario;
    process.stderr.write(`wrote ${writeResults({ scenario: name, description, environment, loadAverage, tables, figures })}\n`);
  }
}
