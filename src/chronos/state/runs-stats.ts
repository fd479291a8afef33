/**
 * Per-job run statistics as Chronos reports them (spec §3.6, §3.15): success/error counters,
 * last success/error, errors since the last success, and elapsed-time percentiles over recent
 * successful runs. `TASK_KILLED` and skipped runs change nothing (Chronos: recorded only).
 *
 * Pure module: the instants come from commands.
 */
import type { JobRunStats } from './runs-types.js';

export function emptyStats(): JobRunStats {
  return { successCount: 0, errorCount: 0, errorsSinceLastSuccess: 0, lastSuccessMs: null, lastErrorMs: null, elapsedSeconds: [] };
}

/** A final success; `elapsedMs` null when the run never started (mark-success). */
export function recordSuccess(stats: JobRunStats, atMs: number, elapsedMs: number | null, maxSamples: number): void {
  stats.successCount += 1;
  stats.errorsSinceLastSuccess = 0;
  stats.lastSuccessMs = atMs;
  if (elapsedMs === null) return;
  stats.elapsedSeconds.push(Math.max(0, elapsedMs) / 1000);
  if (stats.elapsedSeconds.length > maxSamples) stats.elapsedSeconds.splice(0, stats.elapsedSeconds.length - maxSamples);
}

/** A final failure (retries exhausted). */
export function recordFailure(stats: JobRunStats, atMs: number): void {
  stats.errorCount += 1;
  stats.errorsSinceLastSuccess += 1;
  stats.lastErrorMs = atMs;
}

export interface Percentiles {
  readonly p75: number;
  readonly p95: number;
  readonly p98: number;
  readonly p99: number;
  readonly median: number;
  readonly mean: number;
  readonly count: number;
}

/** Nearest-rank percentiles of the samples; null when there are none. */
export function percentilesOf(samples: readonly number[]): Percentiles | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { p75: rank(75), p95: rank(95), p98: rank(98), p99: rank(99), median: rank(50), mean, count: sorted.length };
}
