/**
 * The trigger state as plain data (arrays and objects) for registry snapshots, and back.
 * Sets and Maps are rebuilt in a fixed order so every replica restores the same state.
 * Pure module.
 */
import type { JobTriggerState, TriggerState } from './types.js';

/** One job's trigger state in plain form. */
export interface JobTriggerSnapshot {
  readonly job: string;
  readonly firedThroughMs: number;
  readonly activeRuns: readonly string[];
  readonly onDemandKeys: readonly string[];
  readonly skippedCount: number;
}

export function toTriggerSnapshot(state: TriggerState): JobTriggerSnapshot[] {
  const out: JobTriggerSnapshot[] = [];
  for (const [job, s] of state.jobs) {
    out.push({ job, firedThroughMs: s.firedThroughMs, activeRuns: [...s.activeRuns], onDemandKeys: [...s.onDemandKeys], skippedCount: s.skippedCount });
  }
  return out;
}

export function fromTriggerSnapshot(snapshot: readonly JobTriggerSnapshot[]): TriggerState {
  const jobs = new Map<string, JobTriggerState>();
  for (const entry of snapshot) {
    jobs.set(entry.job, {
      firedThroughMs: entry.firedThroughMs,
      activeRuns: new Set(entry.activeRuns),
      onDemandKeys: new Set(entry.onDemandKeys),
      skippedCount: entry.skippedCount,
    });
  }
  return { jobs };
}
