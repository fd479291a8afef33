/**
 * Who serves a v1 request (mesos-api.md §2.1, §0 C4/C10): the caught-up leader serves it; a
 * follower answers 307 to the leader's advertised address; 503 while no leader is known (or the
 * leader has not caught up). Waits briefly first, so a request that lands mid-election sees a
 * short delay rather than an error.
 */
import { leaderHttpAddress, type MasterContext } from '../context.js';
import type { SchedulerPort } from '../../leader/scheduler-port.js';

export type Gate =
  | { kind: 'serve'; port: SchedulerPort | null }
  | { kind: 'redirect'; leader: string }
  | { kind: 'unavailable'; message: string };

/** How long a request may wait for an election (or the leader's catch-up) to settle. */
export const LEADER_WAIT_MS = 2_000;

/** The gate for this moment, without waiting. `needPort`: the leader serves only once its
 * scheduler port exists (caught up); otherwise being the Raft leader is enough. */
export function gateNow(context: MasterContext, needPort: boolean): Gate {
  if (context.node.isLeader) {
    if (!needPort) return { kind: 'serve', port: context.scheduler?.() ?? null };
    const port = context.scheduler?.() ?? null;
    if (port) return { kind: 'serve', port };
    return { kind: 'unavailable', message: context.scheduler ? 'Master has not finished recovery' : 'The v1 scheduler API is not enabled on this master' };
  }
  const leader = leaderHttpAddress(context);
  if (leader !== null && leader !== context.httpAddress) return { kind: 'redirect', leader };
  return { kind: 'unavailable', message: 'No leader elected' };
}

/** Like gateNow, but waits up to `timeoutMs` while the answer would be 503. */
export async function gate(context: MasterContext, needPort: boolean, timeoutMs = LEADER_WAIT_MS): Promise<Gate> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = gateNow(context, needPort);
    if (now.kind !== 'unavailable' || Date.now() >= deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
