/**
 * Reconnect delays: exponential from `baseMs` to `maxMs` with "equal jitter" (half fixed, half
 * random) so replicas that lost the same peer do not reconnect in lockstep. Attempt 0 — the
 * first try after an established connection was lost — waits at most `baseMs`, so a restarted
 * peer is found again quickly. Pure: randomness comes from the injected Rng.
 */
import type { Rng } from '../../lib/rng.js';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 20, maxMs: 1_000 };

export function reconnectDelayMs(attempt: number, policy: BackoffPolicy, rng: Rng): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + rng.next() * (ceiling / 2);
}
