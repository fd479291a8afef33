/**
 * The master link's decisions as pure functions (no I/O, no clock, no randomness): term
 * fencing, reconnect backoff, which master to dial next, and when a silent master is gone.
 */

/** Reconnect backoff: 100 ms doubling to 5 s (messages.ts), jittered into [½, 1] of the step. */
export const LINK_BACKOFF = { minMs: 100, maxMs: 5_000 } as const;

/**
 * Backoff while masters answer (307 without a hint, 503) but none takes us: they are alive and
 * an election or a leader's start-up is under way, so retry soon — capped at 500 ms, not 5 s.
 */
export const ANSWERED_BACKOFF = { minMs: 100, maxMs: 500 } as const;

/**
 * After losing the leader every agent waits a random moment in [0, this) before dialling: a
 * fleet that lost its master at the same instant would otherwise reconnect as one burst (as
 * Mesos agents do with `--registration_backoff_factor`, 1 s there).
 */
export const RECONNECT_SPREAD_MS = 500;

/**
 * A master is taken as gone after this many heartbeat intervals without hearing from it. An
 * idle link hears a pong every other interval (`wantsPong`), so 4 leaves two intervals for a
 * busy leader's late answer, as 3 did when every heartbeat was answered.
 */
export const DEFAULT_MISSED_PONGS = 4;

/** Redial of a standby link that closed or could not be made: 500 ms doubling to 10 s, jittered. */
export const STANDBY_BACKOFF = { minMs: 500, maxMs: 10_000 } as const;

/**
 * Redial of a standby link to a master where nothing listens (refused): 2 s doubling to 30 s.
 * A master that is down cannot win the next election, and its link matters only once it is
 * back; after a leader dies every agent of the fleet redials it, and at 500 ms those futile
 * dials were about a sixth of a simulated fleet's time during the takeover (profiled).
 */
export const STANDBY_DOWN_BACKOFF = { minMs: 2_000, maxMs: 30_000 } as const;

/** A newly registered agent dials its standby links at a random moment within this window. */
export const STANDBY_SPREAD_MS = 1_000;

/**
 * After losing the leader with a standby link to every other master, the agent waits this long
 * (plus up to RECONNECT_SPREAD_MS of jitter) for the next leader's `leading` before dialling.
 * An election and a new leader's catch-up take about a second; a leader that closed the link
 * without dying (or a partition) costs the agent this wait.
 */
export const STANDBY_WAIT_MS = 3_000;

/**
 * What a `leading { term }` on a standby link is worth: 'adopt' (say hello there), 'stale' (a
 * deposed leader's late word: a newer term has been seen) or 'current' (the leader we are
 * registered with, reached under another address).
 */
export type LeadingVerdict = 'adopt' | 'stale' | 'current';

/** Judges an announcement; `registeredTerm` is the term of our live registration, if any. */
export function adoptsLeading(term: number, highestTerm: number, registeredTerm: number | null): LeadingVerdict {
  if (term < highestTerm) return 'stale';
  if (registeredTerm !== null && term <= registeredTerm) return 'current';
  return 'adopt';
}

export type FenceVerdict =
  /** The command's term is current or newer; `raised` says the highest term moved up. */
  | { accept: true; highestTerm: number; raised: boolean }
  | { accept: false; highestTerm: number };

/**
 * Term fencing: a command from a term lower than the highest seen comes from a deposed leader
 * and must cause no effect; an equal or higher term is accepted and becomes the highest.
 */
export function fence(highestTerm: number, term: number): FenceVerdict {
  if (term < highestTerm) return { accept: false, highestTerm };
  return { accept: true, highestTerm: term, raised: term > highestTerm };
}

/**
 * Delay before the `attempt`-th (0-based) round of dialling after a failed round;
 * `unit` ∈ [0, 1) is the caller's random draw, so the same inputs give the same delay.
 */
export function backoffDelayMs(attempt: number, unit: number, policy: { minMs: number; maxMs: number } = LINK_BACKOFF): number {
  const step = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (step / 2) * Math.min(Math.max(unit, 0), 1));
}

/**
 * Where to dial next: a leader hint (from a 307 or `notLeader`) wins unless we have already
 * followed too many hints in a row (a redirect loop while leadership moves); otherwise the next
 * master in round-robin order. `avoid` is the master whose connection was just lost: a follower
 * that has not yet noticed its death still names it, so its hints are ignored and round robin
 * passes it by (until the caller clears it after a failed round).
 */
export function nextTarget(masters: readonly string[], cursor: number, hint: string | null, hops: number, maxHops = 3, avoid: string | null = null): { address: string; cursor: number; hops: number } {
  if (hint && hint !== avoid && hops < maxHops) return { address: hint, cursor, hops: hops + 1 };
  let next = (cursor + 1) % masters.length;
  if (masters[next] === avoid && masters.length > 1) next = (next + 1) % masters.length;
  return { address: masters[next]!, cursor: next, hops: 0 };
}

/**
 * Whether a heartbeat asks for a pong: only when nothing came from the master for a whole
 * interval. Any frame proves the master alive, so a link busy with commands and acks needs no
 * pongs and an idle one gets one every other interval. At 5,000 agents the answers were most
 * of the leader's socket writes (each a syscall that also wakes the agent's side).
 */
export function wantsPong(nowMs: number, lastHeardMs: number, intervalMs: number): boolean {
  return nowMs - lastHeardMs >= intervalMs;
}

/**
 * The round-robin cursor after losing the master `lost`: the next dial goes to a master drawn
 * uniformly (`unit` ∈ [0, 1)) from the others. Every agent of a fleet registered along the same
 * path and so shares its cursor; had they all gone on in order, every one would dial the same
 * follower first and be redirected, doubling the dials of a takeover.
 */
export function cursorAfterLoss(masters: readonly string[], lost: string, unit: number): number {
  const others = masters.map((_, i) => i).filter((i) => masters[i] !== lost);
  if (others.length === 0) return masters.length - 1;
  const pick = others[Math.min(others.length - 1, Math.floor(Math.max(unit, 0) * others.length))]!;
  return (pick + masters.length - 1) % masters.length;
}

/** True when the master has not been heard from for `missedPongs` intervals. */
export function masterSilent(nowMs: number, lastHeardMs: number, intervalMs: number, missedPongs = DEFAULT_MISSED_PONGS): boolean {
  return nowMs - lastHeardMs > intervalMs * missedPongs;
}

/** Counters of failed dial rounds: those where some master answered, and those where none did. */
export interface BackoffRounds {
  answered: number;
  silent: number;
}

/**
 * Delay after a failed round of dialling every master. A round in which some master answered
 * HTTP starts the short schedule (ANSWERED_BACKOFF) afresh from the silent side: the cluster is
 * up and about to have a leader. Only rounds where no master answered at all climb to 5 s.
 */
export function roundBackoff(rounds: BackoffRounds, answered: boolean, unit: number, silentPolicy: { minMs: number; maxMs: number } = LINK_BACKOFF): { delayMs: number; rounds: BackoffRounds } {
  if (answered) {
    return { delayMs: backoffDelayMs(rounds.answered, unit, ANSWERED_BACKOFF), rounds: { answered: rounds.answered + 1, silent: 0 } };
  }
  return { delayMs: backoffDelayMs(rounds.silent, unit, silentPolicy), rounds: { answered: 0, silent: rounds.silent + 1 } };
}
