/**
 * Shared helpers for the trigger tests: build trigger jobs from schedule text, track them,
 * apply commands, and list which instants a log of applied commands covered.
 */
import { nextFire, parseSchedule } from '../../../../src/chronos/schedule/index.js';
import {
  applyTriggerCommand,
  createTriggerState,
  type TriggerApplyResult,
  type TriggerCommand,
  type TriggerJob,
  type TriggerState,
} from '../../../../src/chronos/trigger/index.js';

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const utc = (text: string): number => Date.parse(text);

export interface JobOptions {
  readonly zone?: string;
  readonly epsilonMs?: number;
  readonly disabled?: boolean;
  readonly concurrent?: boolean;
  readonly pinnedStartMs?: number;
}

export function triggerJob(name: string, schedule: string | null, options: JobOptions = {}): TriggerJob {
  const parseOptions = options.pinnedStartMs === undefined ? {} : { nowMs: options.pinnedStartMs };
  return {
    name,
    schedule: schedule === null ? null : parseSchedule(schedule, options.zone ?? '', parseOptions),
    epsilonMs: options.epsilonMs ?? MINUTE,
    disabled: options.disabled ?? false,
    concurrent: options.concurrent ?? true,
  };
}

/** A state tracking each job from `firedThroughMs`. */
export function stateTracking(jobs: readonly TriggerJob[], firedThroughMs: number): TriggerState {
  const state = createTriggerState();
  for (const job of jobs) applyTriggerCommand(state, { t: 'trigger.track', job: job.name, firedThroughMs });
  return state;
}

export function applyAll(state: TriggerState, commands: readonly TriggerCommand[]): TriggerApplyResult[] {
  return commands.map((command) => applyTriggerCommand(state, command));
}

/** What an applied command recorded for scheduled instants. */
export interface Coverage {
  readonly runs: Array<{ at: number; proposedAtMs: number }>;
  readonly skips: Array<{ afterMs: number; throughMs: number; count: number; reason: string; proposedAtMs: number }>;
}

export function coverageOf(applied: readonly TriggerCommand[], job: string): Coverage {
  const coverage: Coverage = { runs: [], skips: [] };
  for (const command of applied) {
    if (command.job !== job) continue;
    if (command.t === 'run.scheduled' && command.trigger.kind === 'schedule') {
      coverage.runs.push({ at: command.trigger.scheduledAtMs, proposedAtMs: command.proposedAtMs });
    } else if (command.t === 'run.skipped') {
      coverage.skips.push({ ...command });
    }
  }
  return coverage;
}

/** All instants of a job's schedule in (afterMs, untilMs]. */
export function instantsOf(job: TriggerJob, afterMs: number, untilMs: number, limit = 1_000_000): number[] {
  const out: number[] = [];
  if (job.schedule === null) return out;
  for (let t = nextFire(job.schedule, afterMs); t !== null && t <= untilMs && out.length < limit; t = nextFire(job.schedule, t)) out.push(t);
  return out;
}

/**
 * Checks the exactly-once promise for one job against the instants expected in (afterMs, untilMs]:
 * each is covered by exactly one run or one skip range, runs within epsilon, 'missed' skips beyond
 * it. Returns the problems found (empty = fine).
 */
export function coverageProblems(job: TriggerJob, coverage: Coverage, afterMs: number, untilMs: number): string[] {
  const problems: string[] = [];
  const covered = new Map<number, number>();
  const bump = (t: number): void => void covered.set(t, (covered.get(t) ?? 0) + 1);
  for (const run of coverage.runs) {
    bump(run.at);
    if (run.proposedAtMs - run.at > job.epsilonMs) problems.push(`run ${run.at} recorded ${run.proposedAtMs - run.at} ms late (epsilon ${job.epsilonMs})`);
    if (run.proposedAtMs < run.at) problems.push(`run ${run.at} recorded early at ${run.proposedAtMs}`);
  }
  for (const skip of coverage.skips) {
    const inside = instantsOf(job, skip.afterMs, skip.throughMs);
    if (inside.length !== skip.count) problems.push(`skip (${skip.afterMs}, ${skip.throughMs}] says ${skip.count}, holds ${inside.length}`);
    for (const t of inside) {
      bump(t);
      if (skip.reason === 'missed' && skip.proposedAtMs - t <= job.epsilonMs) problems.push(`instant ${t} skipped as missed but only ${skip.proposedAtMs - t} ms late`);
    }
  }
  const expected = instantsOf(job, afterMs, untilMs);
  for (const t of expected) {
    const times = covered.get(t) ?? 0;
    if (times !== 1) problems.push(`instant ${t} covered ${times} times`);
  }
  const expectedSet = new Set(expected);
  for (const t of covered.keys()) if (!expectedSet.has(t)) problems.push(`record for unexpected instant ${t}`);
  return problems;
}
