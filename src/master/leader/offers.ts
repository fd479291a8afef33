/**
 * The leader's outstanding offers (leader memory only; a new leader starts empty and every
 * framework re-subscribes, which regenerates offers anyway). Also the resources held by
 * accepted offers whose launch is still going through Raft, refusal filters from DECLINE, and
 * suppressed frameworks. Pure bookkeeping: time comes in as `nowMs`.
 *
 * Invariant: for every agent, used (registry) + offered + held ≤ capacity. `canOffer` is the
 * check the allocation loop makes before recording any offer.
 */
import { addPools, emptyPools, subtractPools, totalOfPools, type Pools } from '../registry/reservations.js';
import { addAmounts, emptyAmounts, fitsAlongside, rangesOverlap, subtractAmounts, type ResourceAmounts } from '../registry/resources.js';

export interface Offer {
  id: string;
  frameworkId: string;
  agentId: string;
  /** Everything offered (unreserved and reserved together). */
  amounts: ResourceAmounts;
  /** The same resources by pool: unreserved, and the part reserved to the framework's role
   * (absent: all unreserved; read it through `offerPools`). */
  pools?: Pools;
  createdAtMs: number;
}

/** An offer's resources by pool. */
export function offerPools(offer: Pick<Offer, 'amounts' | 'pools'>): Pools {
  return offer.pools ?? { unreserved: offer.amounts, reserved: new Map() };
}

/** Resources of accepted offers held while their operations go through Raft; `set` moves them
 * between pools as RESERVE / UNRESERVE commit, `release` gives them back. */
export interface HeldResources {
  set(pools: Pools): void;
  release(): void;
}

/** A DECLINE's refusal: no offers of (a subset of) `amounts` on that agent until expiry. */
export interface RefusalFilter {
  agentId: string;
  expiresAtMs: number;
  amounts: ResourceAmounts | null;
}

export class OfferBook {
  private readonly offers = new Map<string, Offer>();
  private readonly byAgent = new Map<string, Set<string>>();
  private readonly byFramework = new Map<string, Set<string>>();
  /** Offered plus held per agent, by pool and in total, until that agent's offers or holds change. */
  private readonly committed = new Map<string, { pools: Pools; total: ResourceAmounts }>();
  private readonly held = new Map<string, Set<{ pools: Pools }>>();
  /** Refusal filters by framework, then agent (one per agent: a newer DECLINE replaces it). */
  private readonly filters = new Map<string, Map<string, RefusalFilter>>();
  private readonly suppressed = new Set<string>();
  /** When each framework was last offered something (round-robin and priority take turns by it). */
  private readonly lastOffered = new Map<string, number>();
  private counter = 0;

  /** Offer ids are `<term>-O<n>`: unique across leaders because terms only grow. */
  constructor(private readonly term: number) {}

  get size(): number {
    return this.offers.size;
  }

  get(id: string): Offer | undefined {
    return this.offers.get(id);
  }

  all(): Offer[] {
    return [...this.offers.values()];
  }

  offersOfAgent(agentId: string): Offer[] {
    return [...(this.byAgent.get(agentId) ?? [])].map((id) => this.offers.get(id)!);
  }

  offersOfFramework(frameworkId: string): Offer[] {
    return [...(this.byFramework.get(frameworkId) ?? [])].map((id) => this.offers.get(id)!);
  }

  /** Offered plus held on an agent (read-only; memoised until the agent's offers or holds change). */
  committedOnAgent(agentId: string): ResourceAmounts {
    return this.committedOf(agentId).total;
  }

  /** Offered plus held on an agent, by pool (read-only, memoised like committedOnAgent). */
  committedPoolsOnAgent(agentId: string): Pools {
    return this.committedOf(agentId).pools;
  }

  private committedOf(agentId: string): { pools: Pools; total: ResourceAmounts } {
    let sums = this.committed.get(agentId);
    if (!sums) {
      let pools = emptyPools();
      for (const entry of this.held.get(agentId) ?? []) pools = addPools(pools, entry.pools);
      for (const offer of this.offersOfAgent(agentId)) pools = addPools(pools, offerPools(offer));
      sums = { pools, total: totalOfPools(pools) };
      this.committed.set(agentId, sums);
    }
    return sums;
  }

  /** Free on the agent given what its tasks use. */
  freeOnAgent(agentId: string, capacity: ResourceAmounts, used: ResourceAmounts): ResourceAmounts {
    return subtractAmounts(subtractAmounts(capacity, used), this.committedOnAgent(agentId));
  }

  canOffer(agentId: string, amounts: ResourceAmounts, capacity: ResourceAmounts, used: ResourceAmounts): boolean {
    const committed = this.committedOnAgent(agentId);
    return !rangesOverlap(used.ports, committed.ports) && fitsAlongside(addAmounts(used, committed), amounts, capacity);
  }

  /** Records an offer of `amounts`, of which `reserved` (if given) is reserved to `reserved.role`. */
  add(frameworkId: string, agentId: string, amounts: ResourceAmounts, nowMs: number, reserved?: { role: string; amounts: ResourceAmounts }): Offer {
    this.counter += 1;
    const pools: Pools = reserved
      ? { unreserved: subtractAmounts(amounts, reserved.amounts), reserved: new Map([[reserved.role, reserved.amounts]]) }
      : { unreserved: amounts, reserved: new Map() };
    const offer: Offer = { id: `${this.term}-O${this.counter}`, frameworkId, agentId, amounts, pools, createdAtMs: nowMs };
    this.offers.set(offer.id, offer);
    this.lastOffered.set(frameworkId, nowMs);
    indexAdd(this.byAgent, agentId, offer.id);
    indexAdd(this.byFramework, frameworkId, offer.id);
    this.committed.delete(agentId);
    return offer;
  }

  /** Removes an offer (accepted, declined or rescinded); undefined when it was not outstanding. */
  remove(id: string): Offer | undefined {
    const offer = this.offers.get(id);
    if (!offer) return undefined;
    this.offers.delete(id);
    indexDelete(this.byAgent, offer.agentId, id);
    indexDelete(this.byFramework, offer.frameworkId, id);
    this.committed.delete(offer.agentId);
    return offer;
  }

  /** Keeps resources of accepted offers counted until their launch is applied (or fails). */
  hold(agentId: string, amounts: ResourceAmounts): () => void {
    const held = this.holdPools(agentId, { unreserved: amounts, reserved: new Map() });
    return () => held.release();
  }

  /** Like `hold`, by pool, and movable between pools while held. */
  holdPools(agentId: string, pools: Pools): HeldResources {
    const entry = { pools };
    let set = this.held.get(agentId);
    if (!set) this.held.set(agentId, (set = new Set()));
    set.add(entry);
    this.committed.delete(agentId);
    let released = false;
    return {
      set: (next) => {
        if (released) return;
        entry.pools = next;
        this.committed.delete(agentId);
      },
      release: () => {
        if (released) return;
        released = true;
        const entries = this.held.get(agentId);
        entries?.delete(entry);
        if (entries?.size === 0) this.held.delete(agentId);
        this.committed.delete(agentId);
      },
    };
  }

  /** Free on the agent by pool, given its pools and what its tasks use. */
  freePoolsOnAgent(agentId: string, capacity: Pools, used: Pools): Pools {
    return subtractPools(subtractPools(capacity, used), this.committedPoolsOnAgent(agentId));
  }

  refuse(frameworkId: string, filter: RefusalFilter): void {
    let byAgent = this.filters.get(frameworkId);
    if (!byAgent) this.filters.set(frameworkId, (byAgent = new Map()));
    // Re-inserted so that iteration order stays the order of refusal.
    byAgent.delete(filter.agentId);
    byAgent.set(filter.agentId, filter);
  }

  /** Live filters of a framework (expired ones are dropped). */
  filtersOf(frameworkId: string, nowMs: number): RefusalFilter[] {
    const byAgent = this.filters.get(frameworkId);
    if (!byAgent) return [];
    const live: RefusalFilter[] = [];
    for (const [agentId, filter] of byAgent) {
      if (filter.expiresAtMs > nowMs) live.push(filter);
      else byAgent.delete(agentId);
    }
    if (byAgent.size === 0) this.filters.delete(frameworkId);
    return live;
  }

  clearFilters(frameworkId: string): void {
    this.filters.delete(frameworkId);
  }

  setSuppressed(frameworkId: string, suppressed: boolean): void {
    if (suppressed) this.suppressed.add(frameworkId);
    else this.suppressed.delete(frameworkId);
  }

  isSuppressed(frameworkId: string): boolean {
    return this.suppressed.has(frameworkId);
  }

  /** When `frameworkId` was last offered something under this leader (0: never). */
  lastOfferMs(frameworkId: string): number {
    return this.lastOffered.get(frameworkId) ?? 0;
  }

  /** Forgets a framework entirely (torn down or gone). */
  forgetFramework(frameworkId: string): Offer[] {
    this.filters.delete(frameworkId);
    this.lastOffered.delete(frameworkId);
    this.suppressed.delete(frameworkId);
    const removed = this.offersOfFramework(frameworkId);
    for (const offer of removed) this.remove(offer.id);
    return removed;
  }
}

function indexAdd(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function indexDelete(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
