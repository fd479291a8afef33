/**
 * An offer's resources in Mesos JSON (mesos-api.md §2.5): the unreserved part with role `*`, the
 * part reserved to the framework's role split over the agent's reservations of that role (static
 * first, then dynamic) so each resource carries `role`, `reservation.principal` and
 * `reservations[]` (type STATIC / DYNAMIC, role, principal) — what a framework echoes back in
 * LAUNCH or UNRESERVE. Every resource has `allocation_info.role` when a role is given. Pure.
 */
import { minAmounts, reservationJson, reservationsOf, toRoleResources, UNRESERVED, type ResourceJson } from '../registry/reservations.js';
import { amountsOf, isEmptyAmounts, subtractAmounts } from '../registry/resources.js';
import type { AgentEntry } from '../registry/types.js';
import { offerPools, type Offer } from './offers.js';

export function offerResourcesJson(offer: Pick<Offer, 'amounts' | 'pools'>, agent: AgentEntry | undefined, allocationRole?: string): ResourceJson[] {
  const pools = offerPools(offer);
  const out: ResourceJson[] = [...toRoleResources(pools.unreserved, UNRESERVED)];
  for (const [role, reserved] of pools.reserved) {
    let left = reserved;
    for (const view of agent ? reservationsOf(agent).filter((r) => r.role === role) : []) {
      if (isEmptyAmounts(left)) break;
      const take = minAmounts(left, amountsOf(view.resources));
      if (isEmptyAmounts(take)) continue;
      out.push(...reservationJson(view, toRoleResources(take, role)));
      left = subtractAmounts(left, take);
    }
    // Reserved but no longer matched by a reservation (it changed since the offer): say so plainly.
    if (!isEmptyAmounts(left)) out.push(...reservationJson({ type: 'DYNAMIC', role }, toRoleResources(left, role)));
  }
  return allocationRole === undefined ? out : out.map((resource) => ({ ...resource, allocation_info: { role: allocationRole } }));
}
