/**
 * How stored jobs and run-side figures become Chronos response bodies: the job JSON with the
 * live counters, the summary entry, the stat shapes of Chronos 2.3+ (spec §1.2 #4, #10, #11).
 *
 * Pure module: formatting only.
 */
import { formatInstant, lastOutcomeOf, toChronosJson, type ChronosJob, type ChronosVersion, type JsonObject, type LastOutcome } from '../model/index.js';
import type { JobStats, RunRecord } from '../runner/port.js';

/**
 * The counters Chronos reports with a job: from the run side when it exists, else the stored
 * (client-writable) values, which start at 0 / ''.
 */
export function countersOf(job: ChronosJob, stats: JobStats | null): Pick<JobStats, 'successCount' | 'errorCount' | 'lastSuccess' | 'lastError' | 'errorsSinceLastSuccess'> {
  if (stats !== null) {
    const { successCount, errorCount, lastSuccess, lastError, errorsSinceLastSuccess } = stats;
    return { successCount, errorCount, lastSuccess, lastError, errorsSinceLastSuccess };
  }
  return {
    successCount: job.successCount,
    errorCount: job.errorCount,
    lastSuccess: formatInstant(job.lastSuccessMs),
    lastError: formatInstant(job.lastErrorMs),
    errorsSinceLastSuccess: job.errorsSinceLastSuccess,
  };
}

export function jobJson(job: ChronosJob, version: ChronosVersion, stats: JobStats | null, mirrorFetch = true): JsonObject {
  const json = toChronosJson(job, version, { mirrorFetch });
  return Object.assign(json, countersOf(job, stats));
}

/** success / failure / fresh from ISO instants ('' = never), as lastOutcomeOf decides. */
export function outcomeOf(counters: { lastSuccess: string; lastError: string }): LastOutcome {
  const ms = (text: string): number | null => (text === '' ? null : Date.parse(text));
  return lastOutcomeOf({ lastSuccessMs: ms(counters.lastSuccess), lastErrorMs: ms(counters.lastError) });
}

/** One entry of C3's `GET /jobs/summary`. */
export function summaryJson(job: ChronosJob, stats: JobStats | null): JsonObject {
  return {
    name: job.name,
    status: outcomeOf(countersOf(job, stats)),
    state: stats?.state ?? 'idle',
    schedule: job.schedule ?? '',
    parents: [...job.parents],
    disabled: job.disabled,
  };
}

/** The percentile names `/stats/{percentile}` and the stat histogram use. */
export const PERCENTILE_NAMES = ['75thPercentile', '95thPercentile', '98thPercentile', '99thPercentile', 'median', 'mean', 'count'] as const;
export type PercentileName = (typeof PERCENTILE_NAMES)[number];

export function isPercentileName(text: string): text is PercentileName {
  return (PERCENTILE_NAMES as readonly string[]).includes(text);
}

/** The histogram in ms (Chronos' unit for `/job/stat`); `mean` is the median, as Chronos wrote it. */
export function histogramJson(stats: JobStats): Record<PercentileName, number> {
  const p = stats.percentiles;
  const ms = (seconds: number | undefined): number => Math.round((seconds ?? 0) * 1000);
  return {
    '75thPercentile': ms(p?.p75),
    '95thPercentile': ms(p?.p95),
    '98thPercentile': ms(p?.p98),
    '99thPercentile': ms(p?.p99),
    median: ms(p?.median),
    mean: ms(p?.median),
    count: p === null ? 0 : stats.successCount,
  };
}

/** `time` of a `/stats/{percentile}` entry: seconds (count is a count). */
export function percentileSeconds(stats: JobStats, name: PercentileName): number {
  if (name === 'count') return histogramJson(stats).count;
  return histogramJson(stats)[name] / 1000;
}

/** `MM/dd/yy HH:mm:ss` in UTC, or `N/A` (Chronos' taskStatHistory format). */
export function statTime(ms: number | undefined): string {
  if (ms === undefined) return 'N/A';
  const date = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${two(date.getUTCFullYear() % 100)} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

/** `1d2h3m4s` (zero units left out; `0s` for nothing). */
export function statDuration(ms: number): string {
  let seconds = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join('');
}

function statStatus(state: string): string {
  switch (state) {
    case 'succeeded':
      return 'Success';
    case 'failed':
    case 'killed':
      return 'Fail';
    case 'running':
    case 'launching':
    case 'retrying':
      return 'Running';
    default:
      return 'Idle';
  }
}

/** One `taskStatHistory` entry per run (its latest task). */
export function taskStatJson(run: RunRecord): JsonObject {
  const json: JsonObject = {
    taskId: run.taskIds[run.taskIds.length - 1] ?? run.runId,
    jobName: run.jobName,
    slaveId: run.agentId ?? '',
    startTime: statTime(run.startedAtMs),
    endTime: statTime(run.finishedAtMs),
  };
  if (run.startedAtMs !== undefined && run.finishedAtMs !== undefined) json['duration'] = statDuration(run.finishedAtMs - run.startedAtMs);
  json['status'] = statStatus(run.state);
  return json;
}
