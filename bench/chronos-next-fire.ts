/**
 * Goal 9 (BENCHMARKS.md): next-fire instants for 100,000 registered cron jobs (10 patterns ×
 * 20 zones) in ≤ 1 s on one core and ≤ 1 KiB of heap per registered job, against cron-parser 5
 * and croner on the same patterns.
 *
 * Method: a "registered job" is what a scheduler keeps per job — for Kairos the parsed
 * Schedule (compiled masks + shared zone) and its next fire; for cron-parser a CronExpression
 * prepared with the zone; for croner a paused Cron with the zone. Time = register all jobs then
 * compute every job's next fire after the same instant (a leader takeover). Heap per job =
 * heapUsed after a forced GC with the jobs held, minus before, ÷ jobs. The baselines are slow
 * and croner is heavy (≈81 KiB/job), so they run on a sample (default 10,000 / 2,000 jobs) and
 * their time is scaled linearly to 100,000 — stated in the notes. Kairos' answers are checked
 * against cron-parser's on the sample (all zones; the chosen instant is away from DST changes).
 *
 * Run: `npx tsx bench/chronos-next-fire.ts`, or `npm run build && node dist/bench/chronos-next-fire.js`.
 * Wiring: export `run()` (figures) and `chronosNextFireScenario` (bench/run.ts Scenario).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';
import { nextFire, parseSchedule, type Schedule } from '../src/chronos/schedule/index.js';
import type { Scenario, ScenarioReport } from './lib/scenario.js';
import type { Table } from './lib/table.js';

export const PATTERNS = [
  '0 0 * * *',
  '*/5 * * * *',
  '30 2 * * *',
  '0 9-17 * * 1-5',
  '15 14 1 * *',
  '0 0 1 1 *',
  '0 22 * * MON-FRI',
  '*/15 8-18 * * *',
  '0 12 * * SUN',
  '5 4 29 2 *',
] as const;

export const ZONES = [
  'UTC', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
  'America/Sao_Paulo', 'America/St_Johns', 'Europe/London', 'Europe/Berlin', 'Europe/Moscow',
  'Africa/Johannesburg', 'Asia/Dubai', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Shanghai',
  'Asia/Tokyo', 'Australia/Sydney', 'Australia/Adelaide', 'Pacific/Auckland', 'Pacific/Chatham',
] as const;

/** A quiet instant: no zone in the list changes offset within days of it. */
const NOW_MS = Date.UTC(2025, 5, 16, 9, 41, 17);

export interface ContenderFigures {
  readonly jobs: number;
  readonly registerMs: number;
  readonly nextFireMs: number;
  readonly totalMs: number;
  /** CPU time (user + system) of register + next fire: fairer than wall time on a shared box. */
  readonly totalCpuMs: number;
  /** totalMs scaled linearly to `targetJobs` (equal to totalMs when jobs = targetJobs). */
  readonly totalMsAtTarget: number;
  readonly heapBytesPerJob: number;
}

export interface NextFireFigures {
  readonly targetJobs: number;
  readonly ours: ContenderFigures;
  readonly cronParser: ContenderFigures;
  readonly croner: ContenderFigures;
  readonly sampleChecked: number;
  readonly sampleMismatches: number;
}

export interface NextFireOptions {
  readonly jobs?: number;
  readonly cronParserJobs?: number;
  readonly cronerJobs?: number;
}

function jobSpec(index: number): { expression: string; zone: string } {
  return { expression: PATTERNS[index % PATTERNS.length] as string, zone: ZONES[Math.floor(index / PATTERNS.length) % ZONES.length] as string };
}

const forceGc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapUsedAfterGc(): number {
  forceGc();
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** Registers `jobs` jobs with `register`, then computes each next fire with `next`. */
function measure<T>(jobs: number, targetJobs: number, register: (index: number) => T, next: (job: T) => number): ContenderFigures & { held: T[]; fires: number[] } {
  const heapBefore = heapUsedAfterGc();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const held: T[] = new Array<T>(jobs);
  for (let index = 0; index < jobs; index++) held[index] = register(index);
  const registered = performance.now();
  const fires: number[] = new Array<number>(jobs);
  for (let index = 0; index < jobs; index++) fires[index] = next(held[index] as T);
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const heapBytesPerJob = (heapUsedAfterGc() - heapBefore) / jobs;
  const totalMs = finished - started;
  return {
    jobs,
    registerMs: registered - started,
    nextFireMs: finished - registered,
    totalMs,
    totalCpuMs: (cpu.user + cpu.system) / 1000,
    totalMsAtTarget: (totalMs * targetJobs) / jobs,
    heapBytesPerJob,
    held,
    fires,
  };
}

function strip<T>(figures: ContenderFigures & { held: T[]; fires: number[] }): ContenderFigures {
  const { held: _held, fires: _fires, ...rest } = figures;
  return rest;
}

interface OursJob {
  readonly schedule: Schedule;
  nextFireMs: number;
}

/** Runs all three contenders; returns the figures (no printing). */
export function run(options: NextFireOptions = {}): NextFireFigures {
  const targetJobs = options.jobs ?? 100_000;
  const cronParserJobs = Math.min(options.cronParserJobs ?? 10_000, targetJobs);
  const cronerJobs = Math.min(options.cronerJobs ?? 2_000, targetJobs);
  // Warm-up so that one-time zone table construction and JIT are not billed to a contender.
  for (let index = 0; index < 2_000; index++) nextFire(parseSchedule(jobSpec(index).expression, jobSpec(index).zone), NOW_MS);

  const ours = measure<OursJob>(
    targetJobs,
    targetJobs,
    (index) => ({ schedule: parseSchedule(jobSpec(index).expression, jobSpec(index).zone), nextFireMs: 0 }),
    (job) => (job.nextFireMs = nextFire(job.schedule, NOW_MS) ?? Number.NaN),
  );
  const cronParser = measure(
    cronParserJobs,
    targetJobs,
    (index) => CronExpressionParser.parse(jobSpec(index).expression, { currentDate: new Date(NOW_MS), tz: jobSpec(index).zone }),
    (expression) => expression.next().getTime(),
  );
  const croner = measure(
    cronerJobs,
    targetJobs,
    (index) => new Cron(jobSpec(index).expression, { timezone: jobSpec(index).zone, paused: true }),
    (job) => job.nextRun(new Date(NOW_MS))?.getTime() ?? Number.NaN,
  );
  let sampleMismatches = 0;
  for (let index = 0; index < cronParserJobs; index++) if (ours.fires[index] !== cronParser.fires[index]) sampleMismatches++;
  return { targetJobs, ours: strip(ours), cronParser: strip(cronParser), croner: strip(croner), sampleChecked: cronParserJobs, sampleMismatches };
}

function figuresTable(figures: NextFireFigures): Table {
  const row = (name: string, contender: ContenderFigures): (string | number)[] => [
    name,
    contender.jobs,
    contender.registerMs,
    contender.nextFireMs,
    contender.totalMsAtTarget,
    (contender.totalCpuMs * figures.targetJobs) / contender.jobs,
    contender.heapBytesPerJob,
    `${(contender.totalMsAtTarget / figures.ours.totalMsAtTarget).toFixed(1)}×`,
  ];
  return {
    title: `Chronos next fire: ${figures.targetJobs.toLocaleString('en-US')} cron jobs, 10 patterns × 20 zones (goal 9: ≤ 1 s, ≤ 1 KiB/job)`,
    header: ['implementation', 'jobs measured', 'register ms', 'next-fire ms', `total ms at ${figures.targetJobs.toLocaleString('en-US')}`, 'CPU ms at target', 'heap B/job', 'this ÷ ours (time)'],
    rows: [row('Kairos src/chronos/schedule', figures.ours), row('cron-parser 5', figures.cronParser), row('croner', figures.croner)],
    notes: [
      'Baselines are measured on the sample shown and scaled linearly to the target; heap is per held job after a forced GC.',
      `Kairos agreed with cron-parser on ${figures.sampleChecked - figures.sampleMismatches} of ${figures.sampleChecked} sampled jobs.`,
    ],
  };
}

export const chronosNextFireScenario: Scenario = {
  name: 'chronos-next-fire',
  description: 'Next fire for 100,000 cron jobs in 20 zones: Kairos vs cron-parser vs croner (goal 9)',
  run(context): Promise<ScenarioReport> {
    context.progress('chronos-next-fire: 100,000 jobs');
    const figures = context.quick ? run({ jobs: 10_000, cronParserJobs: 2_000, cronerJobs: 500 }) : run();
    return Promise.resolve({ tables: [figuresTable(figures)], figures: { ...figures } });
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = run();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
