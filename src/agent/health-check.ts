/**
 * Health check policy (mesos-api.md §3.5) — pure. Given the results of a task's checks, decide
 * when its health changed (reported as TASK_RUNNING with `healthy`, only on change) and when
 * it must be killed (after `consecutiveFailures` failures that count). Failures inside the
 * grace period after launch do not count, and the grace period ends at the first success.
 */

/** Mesos HealthCheck, with its defaults, in milliseconds. */
export interface HealthCheckSpec {
  type: 'COMMAND' | 'HTTP' | 'TCP';
  command?: string;
  http?: { port: number; path?: string; scheme?: 'http' | 'https'; statuses?: number[] };
  tcp?: { port: number };
  delayMs?: number;
  intervalMs?: number;
  timeoutMs?: number;
  consecutiveFailures?: number;
  gracePeriodMs?: number;
}

export const HEALTH_CHECK_DEFAULTS = { delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000, consecutiveFailures: 3, gracePeriodMs: 10_000 };

export interface HealthState {
  readonly launchedAtMs: number;
  readonly healthy: boolean | null;
  readonly consecutiveFailures: number;
  /** A success ends the grace period early. */
  readonly passedOnce: boolean;
}

export type HealthDecision = { type: 'none' } | { type: 'report'; healthy: boolean } | { type: 'kill'; reason: string };

export function initialHealth(launchedAtMs: number): HealthState {
  return { launchedAtMs, healthy: null, consecutiveFailures: 0, passedOnce: false };
}

/** Folds one check result into the state; at most one decision per result. */
export function onCheckResult(state: HealthState, spec: HealthCheckSpec, ok: boolean, atMs: number): { state: HealthState; decisions: HealthDecision[] } {
  if (ok) {
    const next: HealthState = { ...state, healthy: true, consecutiveFailures: 0, passedOnce: true };
    return { state: next, decisions: state.healthy === true ? [] : [{ type: 'report', healthy: true }] };
  }
  const graceMs = spec.gracePeriodMs ?? HEALTH_CHECK_DEFAULTS.gracePeriodMs;
  if (!state.passedOnce && atMs - state.launchedAtMs < graceMs) return { state, decisions: [] };
  const failures = state.consecutiveFailures + 1;
  const next: HealthState = { ...state, healthy: false, consecutiveFailures: failures };
  const decisions: HealthDecision[] = state.healthy === false ? [] : [{ type: 'report', healthy: false }];
  const limit = spec.consecutiveFailures ?? HEALTH_CHECK_DEFAULTS.consecutiveFailures;
  if (failures >= limit) decisions.push({ type: 'kill', reason: `health check failed ${failures} consecutive times` });
  return { state: next, decisions };
}
