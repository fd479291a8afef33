/**
 * Reservations (mesos-api.md §5.2): resources of an agent set aside for one role. Static ones come
 * from the agent's own resources (`--resources "cpus(ops):4"`: a resource with a role); dynamic
 * ones from committed `reg.reserve` / `reg.unreserve` commands, kept in the agent entry (the
 * registry is their source of truth: re-registration and failover keep them).
 *
 * An agent's resources fall into pools: the unreserved pool and one pool per reserved role. A
 * resource with no role (or `*`) draws on the unreserved pool, one with role R on R's pool; a
 * task's resources are charged the same way. Pure: no I/O, no clock.
 */
import type { WireResource } from '../../protocol/messages.js';
import {
  addAmounts,
  amountsOf,
  emptyAmounts,
  fitsAlongside,
  fitsIn,
  isEmptyAmounts,
  rangesOverlap,
  RESOURCE_EPSILON,
  subtractAmounts,
  subtractRanges,
  type ResourceAmounts,
} from './resources.js';
import type { AgentEntry, DynamicReservation, FrameworkInfoJson } from './types.js';

/** The unreserved role. */
export const UNRESERVED = '*';

/** Resources split by the pool they draw on: unreserved, and reserved per role. */
export interface Pools {
  unreserved: ResourceAmounts;
  /** Sorted by role when built here; never holds the `*` role. */
  reserved: Map<string, ResourceAmounts>;
}

/** One reservation as the operator views and offers show it. */
export interface ReservationView {
  type: 'STATIC' | 'DYNAMIC';
  role: string;
  principal?: string;
  resources: WireResource[];
}

export function emptyPools(): Pools {
  return { unreserved: emptyAmounts(), reserved: new Map() };
}

/** The role a resource is reserved for (`*` when unreserved). */
export function roleOfResource(resource: WireResource): string {
  return resource.role !== undefined && resource.role !== '' ? resource.role : UNRESERVED;
}

/** Mesos role names: non-empty, not `.`/`..`, no leading `-`, no `/` at the ends, no whitespace. */
export function roleNameProblem(role: string): string | null {
  if (role.length === 0) return 'must not be empty';
  if (role === '.' || role === '..') return `'${role}' is not a valid role`;
  if (role.startsWith('-')) return 'must not start with -';
  if (role.startsWith('/') || role.endsWith('/')) return 'must not start or end with /';
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(role)) return 'must not contain whitespace or control characters';
  return null;
}

/** The role a framework's resources are allocated to (single-role frameworks; MULTI_ROLE: the first). */
export function frameworkRole(info: FrameworkInfoJson | undefined): string {
  return info?.role ?? info?.roles?.[0] ?? UNRESERVED;
}

/** Splits a resource list by pool. */
export function poolsOf(resources: readonly WireResource[] | undefined): Pools {
  const byRole = new Map<string, WireResource[]>();
  for (const resource of resources ?? []) {
    const role = roleOfResource(resource);
    const list = byRole.get(role);
    if (list) list.push(resource);
    else byRole.set(role, [resource]);
  }
  const pools = emptyPools();
  pools.unreserved = amountsOf(byRole.get(UNRESERVED));
  for (const role of [...byRole.keys()].sort()) if (role !== UNRESERVED) pools.reserved.set(role, amountsOf(byRole.get(role)));
  return pools;
}

export function addPools(a: Pools, b: Pools): Pools {
  const reserved = new Map(a.reserved);
  for (const [role, amounts] of b.reserved) reserved.set(role, addAmounts(reserved.get(role) ?? emptyAmounts(), amounts));
  return { unreserved: addAmounts(a.unreserved, b.unreserved), reserved };
}

export function subtractPools(a: Pools, b: Pools): Pools {
  const reserved = new Map(a.reserved);
  for (const [role, amounts] of b.reserved) reserved.set(role, subtractAmounts(reserved.get(role) ?? emptyAmounts(), amounts));
  return { unreserved: subtractAmounts(a.unreserved, b.unreserved), reserved };
}

/** Sum of every pool. */
export function totalOfPools(pools: Pools): ResourceAmounts {
  let sum = pools.unreserved;
  for (const amounts of pools.reserved.values()) sum = addAmounts(sum, amounts);
  return sum;
}

/** The pool of `role` (`*` = unreserved), empty when absent. */
export function poolOf(pools: Pools, role: string): ResourceAmounts {
  return role === UNRESERVED ? pools.unreserved : pools.reserved.get(role) ?? emptyAmounts();
}

/** True when each pool of `inner` fits in the same pool of `outer`. */
export function poolsFitIn(inner: Pools, outer: Pools): boolean {
  if (!fitsIn(inner.unreserved, outer.unreserved)) return false;
  for (const [role, amounts] of inner.reserved) if (!fitsIn(amounts, poolOf(outer, role))) return false;
  return true;
}

/**
 * True when `extra` can be added next to `taken` on an agent whose pools are `capacity`: each
 * pool within its capacity, and no port used twice.
 */
export function poolsFitAlongside(taken: Pools, extra: Pools, capacity: Pools): boolean {
  if (!fitsAlongside(taken.unreserved, extra.unreserved, capacity.unreserved)) return false;
  for (const [role, amounts] of extra.reserved) {
    if (!fitsAlongside(poolOf(taken, role), amounts, poolOf(capacity, role))) return false;
  }
  return true;
}

/** The agent's dynamic reservations (empty when none). */
export function dynamicReservationsOf(agent: AgentEntry): DynamicReservation[] {
  return agent.dynamicReservations ?? [];
}

/** Derived capacity of an agent, valid while its resource list and dynamic reservations stay the same objects. */
interface CapacityMemo {
  resources: readonly WireResource[];
  dynamic: DynamicReservation[] | undefined;
  pools: Pools;
  total: ResourceAmounts | null;
}
const capacityMemos = new WeakMap<AgentEntry, CapacityMemo>();

function capacityMemo(agent: AgentEntry): CapacityMemo {
  let memo = capacityMemos.get(agent);
  if (!memo || memo.resources !== agent.resources || memo.dynamic !== agent.dynamicReservations) {
    memo = { resources: agent.resources, dynamic: agent.dynamicReservations, pools: computeAgentPools(agent), total: null };
    capacityMemos.set(agent, memo);
  }
  return memo;
}

/**
 * The agent's pools: static reservations from its resources, dynamic ones carved out of the
 * unreserved pool. Memoised per agent (the allocation loop asks for every agent every cycle);
 * the registry replaces an agent's resource list and reservations instead of editing them, and
 * callers treat the result as read-only.
 */
export function agentPools(agent: AgentEntry): Pools {
  return capacityMemo(agent).pools;
}

/** Everything the agent has, all pools together (memoised like agentPools). */
export function agentTotal(agent: AgentEntry): ResourceAmounts {
  const memo = capacityMemo(agent);
  return (memo.total ??= totalOfPools(memo.pools));
}

function computeAgentPools(agent: AgentEntry): Pools {
  const pools = poolsOf(agent.resources);
  for (const reservation of dynamicReservationsOf(agent)) {
    const amounts = amountsOf(reservation.resources);
    pools.unreserved = subtractAmounts(pools.unreserved, amounts);
    pools.reserved.set(reservation.role, addAmounts(pools.reserved.get(reservation.role) ?? emptyAmounts(), amounts));
  }
  return { unreserved: pools.unreserved, reserved: new Map([...pools.reserved].sort(([a], [b]) => a.localeCompare(b))) };
}

/** Every reservation of the agent, static first, then dynamic, each as a Mesos resource list. */
export function reservationsOf(agent: AgentEntry): ReservationView[] {
  const out: ReservationView[] = [];
  const statics = new Map<string, WireResource[]>();
  for (const resource of agent.resources) {
    const role = roleOfResource(resource);
    if (role === UNRESERVED) continue;
    statics.set(role, [...(statics.get(role) ?? []), resource]);
  }
  for (const [role, resources] of [...statics].sort(([a], [b]) => a.localeCompare(b))) out.push({ type: 'STATIC', role, resources });
  for (const reservation of dynamicReservationsOf(agent)) {
    out.push({
      type: 'DYNAMIC',
      role: reservation.role,
      ...(reservation.principal !== undefined ? { principal: reservation.principal } : {}),
      resources: reservation.resources,
    });
  }
  return out;
}

/** A Mesos Resource as JSON views and offers show it (refinement `reservations[]` included). */
export type ResourceJson = WireResource & {
  reservations?: Array<{ type: 'STATIC' | 'DYNAMIC'; role: string; principal?: string }>;
  allocation_info?: { role: string };
};

/** One reservation's resources in Mesos JSON: `role`, `reservation.principal` and `reservations[]`. */
export function reservationJson(view: Pick<ReservationView, 'type' | 'role' | 'principal'>, resources: readonly WireResource[]): ResourceJson[] {
  return resources.map((resource) => ({
    ...resource,
    role: view.role,
    ...(view.principal !== undefined ? { reservation: { principal: view.principal } } : {}),
    reservations: [{ type: view.type, role: view.role, ...(view.principal !== undefined ? { principal: view.principal } : {}) }],
  }));
}

/**
 * The agent's resources as the operator sees them: the unreserved ones (less what is dynamically
 * reserved), then each reservation (static, then dynamic) with its role and `reservations[]`.
 */
export function agentResourcesJson(agent: AgentEntry): ResourceJson[] {
  const unreserved = agent.resources.filter((resource) => roleOfResource(resource) === UNRESERVED);
  const dynamic = dynamicReservationsOf(agent);
  let out: ResourceJson[] = unreserved;
  if (dynamic.length > 0) {
    const counted = new Set(['cpus', 'mem', 'disk', 'gpus', 'ports']);
    out = [...toRoleResources(agentPools(agent).unreserved, UNRESERVED), ...unreserved.filter((resource) => !counted.has(resource.name))];
  }
  for (const view of reservationsOf(agent)) out = [...out, ...reservationJson(view, view.resources)];
  return out;
}

/** Groups a RESERVE / UNRESERVE resource list into (role, principal) parts, in a stable order. */
export function groupByReservation(resources: readonly WireResource[]): DynamicReservation[] {
  const groups = new Map<string, DynamicReservation>();
  for (const resource of resources) {
    const role = roleOfResource(resource);
    const principal = resource.reservation?.principal;
    const key = `${role}\n${principal ?? ''}`;
    const group = groups.get(key);
    const plain: WireResource = { ...resource, role };
    delete plain.reservation;
    if (group) group.resources.push(plain);
    else groups.set(key, { role, ...(principal !== undefined ? { principal } : {}), resources: [plain] });
  }
  return [...groups.values()];
}

/** Pools of a RESERVE resource list (each resource to its role's pool). */
export function reservationPools(resources: readonly WireResource[]): Pools {
  return poolsOf(resources);
}

/**
 * Why `resources` cannot be reserved on `agent` next to what its live tasks use (`used`), or
 * null. Only unreserved resources not used by a task can be reserved.
 */
export function reserveProblem(agent: AgentEntry, used: Pools, resources: readonly WireResource[]): string | null {
  for (const [i, resource] of resources.entries()) {
    const role = roleOfResource(resource);
    if (role === UNRESERVED) return `resources[${i}]: a reservation needs a role other than '*'`;
    const bad = roleNameProblem(role);
    if (bad) return `resources[${i}].role: ${bad}`;
  }
  const wanted = amountsOf(resources);
  if (isEmptyAmounts(wanted)) return 'resources: nothing to reserve';
  const pools = agentPools(agent);
  if (!fitsAlongside(used.unreserved, wanted, pools.unreserved)) {
    return `resources: not available unreserved on agent ${agent.id} (reserve only unreserved resources no task uses)`;
  }
  return null;
}

/**
 * Why `resources` cannot be unreserved on `agent`, or null. Only dynamic reservations can be
 * unreserved, and only their part no task uses.
 */
export function unreserveProblem(agent: AgentEntry, used: Pools, resources: readonly WireResource[]): string | null {
  const groups = groupByReservation(resources);
  if (groups.length === 0 || isEmptyAmounts(amountsOf(resources))) return 'resources: nothing to unreserve';
  const pools = agentPools(agent);
  for (const group of groups) {
    if (group.role === UNRESERVED) return "resources: unreserved resources ('*') cannot be unreserved";
    const wanted = amountsOf(group.resources);
    const dynamic = amountsOf(dynamicReservationsOf(agent).filter((r) => r.role === group.role && (group.principal === undefined || r.principal === group.principal)).flatMap((r) => r.resources));
    if (!fitsIn(wanted, dynamic)) return `resources: more than is dynamically reserved for role ${group.role} on agent ${agent.id}`;
    const usedInRole = poolOf(used, group.role);
    // What stays reserved must still hold the role's tasks; a port in use cannot be released.
    if (rangesOverlap(wanted.ports, usedInRole.ports) || !fitsIn(usedInRole, subtractAmounts(poolOf(pools, group.role), wanted))) {
      return `resources: role ${group.role} uses them on agent ${agent.id} (unreserve only unused reserved resources)`;
    }
  }
  return null;
}

/**
 * Applies a reserve or unreserve to the agent's dynamic reservations, or says why not (nothing
 * changes then). `used` is what the agent's live tasks hold.
 */
export function changeReservations(agent: AgentEntry, change: 'reserve' | 'unreserve', used: Pools, resources: readonly WireResource[]): string | null {
  const problem = change === 'reserve' ? reserveProblem(agent, used, resources) : unreserveProblem(agent, used, resources);
  if (problem) return problem;
  const next = change === 'reserve' ? withReserved(dynamicReservationsOf(agent), resources) : withUnreserved(dynamicReservationsOf(agent), resources);
  if (next.length > 0) agent.dynamicReservations = next;
  else delete agent.dynamicReservations;
  return null;
}

/** The dynamic reservations after a reserve (merged by role and principal, sorted). */
export function withReserved(current: readonly DynamicReservation[], resources: readonly WireResource[]): DynamicReservation[] {
  const byKey = new Map(current.map((r) => [reservationKey(r), { ...r, amounts: amountsOf(r.resources) }]));
  for (const group of groupByReservation(resources)) {
    const key = reservationKey(group);
    const known = byKey.get(key);
    const amounts = addAmounts(known?.amounts ?? emptyAmounts(), amountsOf(group.resources));
    byKey.set(key, { role: group.role, ...(group.principal !== undefined ? { principal: group.principal } : {}), resources: [], amounts });
  }
  return canonical([...byKey.values()]);
}

/**
 * The dynamic reservations after an unreserve: taken from the named principal's reservation, or
 * from the role's reservations in order when no principal is named. Assumes unreserveProblem
 * found nothing wrong.
 */
export function withUnreserved(current: readonly DynamicReservation[], resources: readonly WireResource[]): DynamicReservation[] {
  const entries = current.map((r) => ({ ...r, amounts: amountsOf(r.resources) }));
  for (const group of groupByReservation(resources)) {
    let left = amountsOf(group.resources);
    for (const entry of entries) {
      if (entry.role !== group.role || (group.principal !== undefined && entry.principal !== group.principal)) continue;
      const take = minAmounts(left, entry.amounts);
      entry.amounts = subtractAmounts(entry.amounts, take);
      left = subtractAmounts(left, take);
    }
  }
  return canonical(entries);
}

/**
 * Dynamic reservations that still fit an agent that re-registered with `resources` (it may come
 * back smaller): kept in order while they fit the unreserved pool, the rest dropped so that
 * reserved + unreserved never exceeds what the agent has.
 */
export function fittingReservations(resources: readonly WireResource[], current: readonly DynamicReservation[]): DynamicReservation[] {
  let free = poolsOf(resources).unreserved;
  const kept: DynamicReservation[] = [];
  for (const reservation of current) {
    const amounts = amountsOf(reservation.resources);
    if (!fitsIn(amounts, free)) continue;
    free = subtractAmounts(free, amounts);
    kept.push(reservation);
  }
  return kept;
}

function reservationKey(reservation: Pick<DynamicReservation, 'role' | 'principal'>): string {
  return `${reservation.role}\n${reservation.principal ?? ''}`;
}

/** The smaller of each kind; ports in both. */
export function minAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const ports = subtractRanges(a.ports, subtractRanges(a.ports, b.ports));
  return { cpus: Math.min(a.cpus, b.cpus), mem: Math.min(a.mem, b.mem), disk: Math.min(a.disk, b.disk), gpus: Math.min(a.gpus, b.gpus), ports };
}

/** Sorted by role then principal, empty ones dropped, resources in Mesos JSON form. */
function canonical(entries: Array<DynamicReservation & { amounts: ResourceAmounts }>): DynamicReservation[] {
  return entries
    .filter((entry) => !isEmptyAmounts(entry.amounts))
    .sort((a, b) => reservationKey(a).localeCompare(reservationKey(b)))
    .map((entry) => ({
      role: entry.role,
      ...(entry.principal !== undefined ? { principal: entry.principal } : {}),
      resources: toRoleResources(entry.amounts, entry.role),
    }));
}

/** Amounts as Mesos resources reserved to `role` (exact: rounding could over-commit). */
export function toRoleResources(amounts: ResourceAmounts, role: string): WireResource[] {
  const out: WireResource[] = [];
  for (const kind of ['cpus', 'mem', 'disk', 'gpus'] as const) {
    if (amounts[kind] > RESOURCE_EPSILON) out.push({ name: kind, type: 'SCALAR', scalar: { value: amounts[kind] }, role });
  }
  if (amounts.ports.length > 0) out.push({ name: 'ports', type: 'RANGES', ranges: { range: amounts.ports.map(([begin, end]) => ({ begin, end })) }, role });
  return out;
}
