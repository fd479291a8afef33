/**
 * The mutable bookkeeping of one allocation cycle: what is still free on each agent
 * (unreserved, and per reservation), what each framework and role holds, and the quota
 * headroom. Policies read a ClusterView once into a ledger, then charge it offer by offer.
 *
 * Invariant (checked by tests): for every agent and kind,
 *   allocated + offered + offered-this-cycle ≤ total,
 * because every charge is taken out of a free amount that was computed from exactly those
 * three numbers and never goes below zero.
 *
 * Pure: no I/O, no clock.
 */
import { KIND_COUNT, SHARE_KIND_COUNT, type ClusterView } from './types.js';

/** Amounts below this are float noise from repeated subtraction, not resources. */
export const RESOURCE_EPSILON = 1e-9;

export class ResourceLedger {
  /** Per agent × kind: free unreserved resources. */
  readonly unreservedFree: Float64Array;
  /** Per reservation × kind: free reserved resources. */
  readonly reservationFree: Float64Array;
  /** Per kind: totals over active agents, the denominators of dominant shares. */
  readonly clusterTotal: Float64Array;
  /** Per framework × kind: allocated + offered, growing as this cycle offers. */
  readonly frameworkAllocated: Float64Array;
  /** Per role × kind: the sum over its frameworks. */
  readonly roleAllocated: Float64Array;

  constructor(readonly view: ClusterView) {
    this.unreservedFree = new Float64Array(view.agentCount * KIND_COUNT);
    this.reservationFree = new Float64Array(view.reservationRole.length * KIND_COUNT);
    this.clusterTotal = new Float64Array(KIND_COUNT);
    this.frameworkAllocated = view.frameworkAllocated.slice();
    this.roleAllocated = new Float64Array(view.roleCount * KIND_COUNT);
    for (let agent = 0; agent < view.agentCount; agent++) this.initAgent(agent);
    for (let framework = 0; framework < view.frameworkCount; framework++) {
      const role = view.frameworkRole[framework]!;
      for (let kind = 0; kind < KIND_COUNT; kind++) {
        this.roleAllocated[role * KIND_COUNT + kind]! += this.frameworkAllocated[framework * KIND_COUNT + kind]!;
      }
    }
  }

  private initAgent(agent: number): void {
    const view = this.view;
    const active = view.agentActive[agent] === 1;
    const first = view.reservationStart[agent]!;
    const end = view.reservationStart[agent + 1]!;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      const at = agent * KIND_COUNT + kind;
      let reserved = 0;
      let reservedUsed = 0;
      for (let entry = first; entry < end; entry++) {
        const amount = view.reservationAmount[entry * KIND_COUNT + kind]!;
        const used = view.reservationUsed[entry * KIND_COUNT + kind]!;
        reserved += amount;
        reservedUsed += used;
        this.reservationFree[entry * KIND_COUNT + kind] = active ? Math.max(0, amount - used) : 0;
      }
      const used = view.agentAllocated[at]! + view.agentOffered[at]!;
      const unreservedUsed = Math.max(0, used - reservedUsed);
      const total = view.agentTotal[at]!;
      this.unreservedFree[at] = active ? Math.max(0, total - reserved - unreservedUsed) : 0;
      if (active) this.clusterTotal[kind]! += total;
    }
  }

  /** The reservation entry of `role` on `agent`, or -1. */
  reservationOf(agent: number, role: number): number {
    const view = this.view;
    const end = view.reservationStart[agent + 1]!;
    for (let entry = view.reservationStart[agent]!; entry < end; entry++) {
      if (view.reservationRole[entry] === role) return entry;
    }
    return -1;
  }

  /** Dominant share of a per-kind row: max over scalar kinds of amount / cluster total. */
  dominantShare(table: Float64Array, row: number): number {
    let share = 0;
    for (let kind = 0; kind < SHARE_KIND_COUNT; kind++) {
      const total = this.clusterTotal[kind]!;
      if (total > 0) share = Math.max(share, table[row * KIND_COUNT + kind]! / total);
    }
    return share;
  }

  frameworkShare(framework: number): number {
    return this.dominantShare(this.frameworkAllocated, framework) / this.view.frameworkWeight[framework]!;
  }

  roleShare(role: number): number {
    return this.dominantShare(this.roleAllocated, role) / this.view.roleWeight[role]!;
  }

  /**
   * Takes `unreserved` (from the agent's free pool) and `reserved` (from reservation `entry`)
   * and credits them to `framework` and its role. Amounts must already fit what is free.
   */
  charge(agent: number, framework: number, entry: number, unreserved: Float64Array, reserved: Float64Array): void {
    const role = this.view.frameworkRole[framework]!;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      const fromPool = unreserved[kind]!;
      const fromReservation = entry === -1 ? 0 : reserved[kind]!;
      const at = agent * KIND_COUNT + kind;
      this.unreservedFree[at] = Math.max(0, this.unreservedFree[at]! - fromPool);
      if (entry !== -1) {
        const reservationAt = entry * KIND_COUNT + kind;
        this.reservationFree[reservationAt] = Math.max(0, this.reservationFree[reservationAt]! - fromReservation);
      }
      this.frameworkAllocated[framework * KIND_COUNT + kind]! += fromPool + fromReservation;
      this.roleAllocated[role * KIND_COUNT + kind]! += fromPool + fromReservation;
    }
  }
}

/**
 * Quota guarantees as Mesos's hierarchical allocator keeps them: a role's consumed quota is
 * its reservations plus its unreserved allocations; the required headroom is the sum of unmet
 * guarantees; no offer may leave less unreserved free than that, except to the role whose
 * guarantee it satisfies.
 */
export class QuotaHeadroom {
  /** Per role × kind: guarantee not yet consumed. */
  readonly unmet: Float64Array;
  /** Per kind: unreserved free resources on active agents. */
  readonly available: Float64Array;
  /** Per kind: Σ unmet over roles. */
  readonly required: Float64Array;
  readonly hasQuota: boolean;

  constructor(ledger: ResourceLedger) {
    const view = ledger.view;
    this.unmet = new Float64Array(view.roleCount * KIND_COUNT);
    this.available = new Float64Array(KIND_COUNT);
    this.required = new Float64Array(KIND_COUNT);
    for (let at = 0; at < ledger.unreservedFree.length; at++) this.available[at % KIND_COUNT]! += ledger.unreservedFree[at]!;
    const consumed = ledger.roleAllocated.slice();
    for (let entry = 0; entry < view.reservationRole.length; entry++) {
      const role = view.reservationRole[entry]!;
      for (let kind = 0; kind < KIND_COUNT; kind++) {
        // Reservations count whole; their used part is already inside roleAllocated.
        consumed[role * KIND_COUNT + kind]! +=
          view.reservationAmount[entry * KIND_COUNT + kind]! - view.reservationUsed[entry * KIND_COUNT + kind]!;
      }
    }
    let hasQuota = false;
    for (let at = 0; at < this.unmet.length; at++) {
      const unmet = Math.max(0, view.roleQuotaGuarantee[at]! - consumed[at]!);
      this.unmet[at] = unmet;
      this.required[at % KIND_COUNT]! += unmet;
      if (view.roleQuotaGuarantee[at]! > 0) hasQuota = true;
    }
    this.hasQuota = hasQuota;
  }

  /** The most unreserved `kind` that `role` may take without eating others' headroom. */
  limit(role: number, kind: number): number {
    if (!this.hasQuota) return Infinity;
    const unmet = this.unmet[role * KIND_COUNT + kind]!;
    return Math.max(0, this.available[kind]! - this.required[kind]! + unmet);
  }

  isUnmet(role: number): boolean {
    for (let kind = 0; kind < SHARE_KIND_COUNT; kind++) {
      if (this.unmet[role * KIND_COUNT + kind]! > RESOURCE_EPSILON) return true;
    }
    return false;
  }

  /** Records that `role` took `unreserved` from the free pool. */
  consume(role: number, unreserved: Float64Array): void {
    if (!this.hasQuota) return;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      const taken = unreserved[kind]!;
      const at = role * KIND_COUNT + kind;
      const satisfied = Math.min(taken, this.unmet[at]!);
      this.unmet[at]! -= satisfied;
      this.required[kind]! -= satisfied;
      this.available[kind]! -= taken;
    }
  }
}
