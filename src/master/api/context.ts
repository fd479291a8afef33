/**
 * What the HTTP routes of a master replica need: the Raft node, the replicated state, and where
 * the leader serves HTTP (for redirects).
 */
import type { Logger } from '../../lib/log.js';
import type { RaftNode } from '../../raft/driver.js';
import type { MasterStateMachine } from '../state/machine.js';
import type { SchedulerPort } from '../leader/scheduler-port.js';
import type { AgentOperationsPort } from '../leader/operator-agents.js';
import type { ReservationPort } from '../leader/operator-reservations.js';
import type { RegistryView, WireResource } from '../registry/types.js';
import type { AllocationStats } from '../leader/allocation.js';

/** One of the leader's outstanding offers, read-only (operator views). */
export interface OfferView {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: WireResource[];
  createdAtMs: number;
}

export interface MasterContext {
  node: RaftNode;
  state: MasterStateMachine;
  logger: Logger;
  /** This replica's own HTTP address (host:port). */
  httpAddress: string;
  /** This replica's own Raft address (host:port). */
  raftAddress: string;
  version: string;
  /** The replicated registry (every replica; authoritative on the leader). Absent in tests that
   * build a bare server. */
  registry?: RegistryView;
  /** The v1 scheduler API of this replica while it leads and has caught up; null otherwise
   * (routes then redirect to the leader or answer 503). */
  scheduler?: () => SchedulerPort | null;
  /** The leader's outstanding offers; empty while this replica does not lead. */
  offers?: () => OfferView[];
  /** Operator reservations (`/master/reserve`, RESERVE_RESOURCES…) while this replica leads and
   * has caught up; null otherwise. */
  reservations?: () => ReservationPort | null;
  /** Operator calls about agents (MARK_AGENT_GONE) while this replica leads; null otherwise. */
  agentOperations?: () => AgentOperationsPort | null;
  /** The leader's allocation loop counters while this replica leads; null otherwise. */
  allocation?: () => AllocationStats | null;
  /** Process start, for /master/state `start_time` and uptime metrics. */
  startedAtMs?: number;
}

/** host:port of the leader's HTTP server, or null while no leader (or its address) is known. */
export function leaderHttpAddress(context: MasterContext): string | null {
  const { node, state } = context;
  if (node.isLeader) return context.httpAddress;
  const leader = node.leaderId;
  if (leader === null) return null;
  return state.members.get(leader)?.httpAddress ?? null;
}
