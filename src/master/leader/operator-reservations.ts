/**
 * Operator reservations on the leader (`/master/reserve`, `/master/unreserve`, v1
 * RESERVE_RESOURCES / UNRESERVE_RESOURCES; mesos-api.md §6): validated, then — when the resources
 * are held by outstanding offers — the agent's offers are rescinded to free them, as Mesos's
 * master does, and the change goes through Raft. Errors: ValidationError (400) for a bad request
 * or an unknown agent; ConflictError (409) when the resources are not available.
 */
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { validateRegistryCommand } from '../registry/commands.js';
import { agentPools, changeReservations, poolOf, poolsOf } from '../registry/reservations.js';
import { amountsOf, fitsIn } from '../registry/resources.js';
import type { WireResource } from '../registry/types.js';
import type { LeaderSession } from './session.js';
import { wireResourcesOf } from './task-info.js';

/** What the operator routes ask of the leader. */
export interface ReservationPort {
  /** Reserves Mesos JSON `resources` (each with its role) on the agent; resolves once committed. */
  reserve(agentId: string, resources: unknown, principal?: string): Promise<void>;
  /** Releases dynamically reserved, unused `resources` on the agent; resolves once committed. */
  unreserve(agentId: string, resources: unknown): Promise<void>;
}

export class LeaderReservations implements ReservationPort {
  constructor(private readonly session: LeaderSession) {}

  reserve(agentId: string, resources: unknown, principal?: string): Promise<void> {
    const parsed = wireResourcesOf(resources).map((resource) =>
      principal !== undefined && resource.reservation?.principal === undefined && resource.role !== undefined ? { ...resource, reservation: { principal } } : resource,
    );
    return this.change('reserve', agentId, parsed);
  }

  unreserve(agentId: string, resources: unknown): Promise<void> {
    return this.change('unreserve', agentId, wireResourcesOf(resources));
  }

  private async change(kind: 'reserve' | 'unreserve', agentId: string, resources: WireResource[]): Promise<void> {
    const { session } = this;
    const command = { t: kind === 'reserve' ? ('reg.reserve' as const) : ('reg.unreserve' as const), agentId, resources, nowMs: session.clock.nowMs() };
    const invalid = validateRegistryCommand(command);
    if (invalid) throw new ValidationError(invalid.field, `${invalid.field}: ${invalid.message}`);
    const agent = session.registry.agent(agentId);
    if (!agent) throw new ValidationError('slaveId', `slaveId: no agent ${agentId}`);
    // Against tasks only (offers can be rescinded): a dry run on a copy of the entry.
    const problem = changeReservations({ ...agent }, kind, session.registry.usedPoolsOnAgent(agentId), resources);
    if (problem) throw new ConflictError(problem);
    if (!this.freeOfOffers(kind, agentId, resources)) {
      session.rescindAgentOffers(agentId);
      if (!this.freeOfOffers(kind, agentId, resources)) throw new ConflictError('resources: held by an ACCEPT in progress; retry');
    }
    await session.propose(command);
    session.allocation.trigger();
  }

  /** True when no outstanding offer or ACCEPT in progress holds the resources. */
  private freeOfOffers(kind: 'reserve' | 'unreserve', agentId: string, resources: WireResource[]): boolean {
    const { registry, offers } = this.session;
    const agent = registry.agent(agentId)!;
    const free = offers.freePoolsOnAgent(agentId, agentPools(agent), registry.usedPoolsOnAgent(agentId));
    if (kind === 'reserve') return fitsIn(amountsOf(resources), free.unreserved);
    return [...poolsOf(resources).reserved].every(([role, amounts]) => fitsIn(amounts, poolOf(free, role)));
  }
}
