/**
 * Checks a finished TriggerWorld against the exactly-once promise and the documented policy:
 *   safety — for every job, each instant of its schedule up to the end is covered by exactly one
 *     applied record (a run, or a skip range), and no record names a time outside the schedule;
 *     runs were recorded no earlier than their instant and at most epsilon late; 'missed' skips
 *     only for instants more than epsilon late; 'concurrent' skips and non-concurrent runs agree
 *     with the replicated active-run count; a disabled job has no record;
 *   liveness — an instant of a concurrent job with epsilon ≥ 30 s that falls well inside a
 *     healthy window (one leader, no faults) ran, at most a second late.
 * Returns human-readable problems (empty = pass).
 */
import { nextFire } from '../../../src/chronos/schedule/index.js';
import { initialFiredThroughMs, type RunSkippedCommand, type TriggerJob } from '../../../src/chronos/trigger/index.js';
import { EPOCH_MS, SECOND, type HealthyWindow, type LogEntry, type TriggerWorld } from './trigger-world.js';

interface Coverage {
  /** instant → how it was covered. */
  readonly by: Map<number, Array<{ kind: 'run' | 'skip'; entry: LogEntry }>>;
}

function instantsIn(job: TriggerJob, afterMs: number, untilMs: number): number[] {
  const out: number[] = [];
  if (job.schedule === null) return out;
  for (let t = nextFire(job.schedule, afterMs); t !== null && t <= untilMs; t = nextFire(job.schedule, t)) out.push(t);
  return out;
}

function coverageOf(job: TriggerJob, log: readonly LogEntry[], problems: string[]): Coverage {
  const by = new Map<number, Array<{ kind: 'run' | 'skip'; entry: LogEntry }>>();
  const add = (t: number, kind: 'run' | 'skip', entry: LogEntry): void => {
    const list = by.get(t) ?? [];
    list.push({ kind, entry });
    by.set(t, list);
  };
  for (const entry of log) {
    const command = entry.command;
    if (entry.outcome !== 'applied' || command.job !== job.name) continue;
    if (command.t === 'run.scheduled' && command.trigger.kind === 'schedule') {
      const t = command.trigger.scheduledAtMs;
      if (job.schedule === null || nextFire(job.schedule, t - 1) !== t) problems.push(`run at ${iso(t)} is not an instant of the schedule`);
      checkRun(job, t, entry, problems);
      add(t, 'run', entry);
    } else if (command.t === 'run.skipped') {
      const inside = instantsIn(job, command.afterMs, command.throughMs);
      if (inside.length !== command.count) problems.push(`skip ${iso(command.afterMs)}..${iso(command.throughMs)} claims ${command.count}, holds ${inside.length}`);
      for (const t of inside) {
        checkSkip(job, t, command, entry, problems);
        add(t, 'skip', entry);
      }
    }
  }
  return { by };
}

function checkRun(job: TriggerJob, t: number, entry: LogEntry, problems: string[]): void {
  const command = entry.command;
  if (command.t !== 'run.scheduled') return;
  const late = command.proposedAtMs - t;
  if (late < 0) problems.push(`run ${iso(t)} recorded ${-late} ms early`);
  if (late > job.epsilonMs) problems.push(`run ${iso(t)} recorded ${late} ms late (epsilon ${job.epsilonMs})`);
  if (!job.concurrent && entry.activeBefore > 0) problems.push(`run ${iso(t)} of a non-concurrent job applied while ${entry.activeBefore} active`);
}

function checkSkip(job: TriggerJob, t: number, command: RunSkippedCommand, entry: LogEntry, problems: string[]): void {
  const late = command.proposedAtMs - t;
  if (command.reason === 'missed' && late <= job.epsilonMs) problems.push(`instant ${iso(t)} skipped as missed only ${late} ms late`);
  if (command.reason === 'concurrent' && (job.concurrent || entry.activeBefore === 0)) problems.push(`instant ${iso(t)} skipped as concurrent without an active run`);
}

function insideHealthy(windows: readonly HealthyWindow[], fromMs: number, toMs: number): boolean {
  return windows.some((w) => w.fromMs <= fromMs && toMs <= w.toMs);
}

/** Every problem found in the world's log for instants up to untilMs. */
export function checkWorld(world: TriggerWorld, untilMs: number): string[] {
  const problems: string[] = [];
  for (const { job } of world.jobs.values()) {
    const jobProblems: string[] = [];
    const coverage = coverageOf(job, world.log, jobProblems);
    if (job.disabled && coverage.by.size > 0) jobProblems.push(`disabled job has ${coverage.by.size} records`);
    const expected = job.disabled ? [] : instantsIn(job, initialFiredThroughMs(job, EPOCH_MS), untilMs);
    const expectedSet = new Set(expected);
    for (const t of expected) {
      const covers = coverage.by.get(t) ?? [];
      if (covers.length !== 1) jobProblems.push(`instant ${iso(t)} covered ${covers.length} times (${covers.map((c) => `${c.kind} by leader ${c.entry.leader}`).join(', ')})`);
      const live = job.concurrent && job.epsilonMs >= 30 * SECOND && insideHealthy(world.healthy, t - 10 * SECOND, t + 10 * SECOND);
      const run = covers.find((c) => c.kind === 'run');
      const runLate = run?.entry.command.t === 'run.scheduled' ? run.entry.command.proposedAtMs - t : Infinity;
      if (live && runLate > SECOND) jobProblems.push(`instant ${iso(t)} inside a healthy window did not run promptly (${covers.map((c) => c.kind).join(', ') || 'nothing'})`);
    }
    for (const t of coverage.by.keys()) if (t <= untilMs && !expectedSet.has(t)) jobProblems.push(`record for unexpected instant ${iso(t)}`);
    problems.push(...jobProblems.slice(0, 5).map((p) => `${job.name}: ${p}`));
  }
  return problems;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
