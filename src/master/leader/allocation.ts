/**
 * The leader's allocation loop: every interval and on events (agent added, resources freed,
 * revive, new subscriber) it packs the registry and the offer book into a ClusterView, runs one
 * cycle on the AllocatorPool (never two at once: a trigger during a cycle runs one more cycle
 * after it), turns the result into concrete offers (port ranges picked from what is free) and
 * hands them to `deliver`. Reservations (static and dynamic, registry/reservations.ts) go in as
 * each role's pool with what its tasks and offers hold, so reserved resources are offered only to
 * frameworks of their role. Every offer is re-checked against each pool before it is recorded, so
 * a cycle computed on a view that changed meanwhile cannot over-commit.
 */
import type { AllocatorPool } from '../../allocator/pool.js';
import { offersToObjects, packClusterView, type AgentInput, type FrameworkInput, type OfferObject, type ReservationInput } from '../../allocator/pack.js';
import type { OfferBatch, PolicyName } from '../../allocator/types.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { RegistryState } from '../registry/state.js';
import { addPools, agentPools, agentTotal, frameworkRole, poolOf, UNRESERVED } from '../registry/reservations.js';
import { addAmounts, addCounts, addToCounts, countsOf, emptyAmounts, fitsIn, isEmptyAmounts, portCount, RESOURCE_EPSILON, takePorts, type ResourceAmounts, type ResourceCounts } from '../registry/resources.js';
import type { AgentEntry, FrameworkEntry } from '../registry/types.js';
import type { Offer, OfferBook } from './offers.js';
import { frameworkPriority, roleInput, type RoleSettings } from './role-settings.js';

export interface AllocationHost {
  readonly registry: RegistryState;
  readonly offers: OfferBook;
  readonly pool: AllocatorPool;
  readonly policy: PolicyName;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  /**
   * Event-triggered cycles start at least this long after the previous one ended (Mesos batches
   * its event-driven allocations the same way): a burst of ACCEPTs, declines and freed resources
   * then costs one cycle, not one each. 0 runs every trigger at once.
   */
  readonly batchMs?: number;
  /** Frameworks with a live subscription, and whether each may get offers now. */
  offerableFrameworks(): FrameworkEntry[];
  /** Agents that are active and connected. */
  isAgentOfferable(agent: AgentEntry): boolean;
  /** New offers, grouped by framework. */
  deliver(frameworkId: string, offers: Offer[]): void;
  /** True while no offers should be made (cycles are skipped; a later trigger runs them). */
  holdOffers?(): boolean;
  /** Weights, priorities and quota guarantees of roles (`--roles`); absent roles take defaults. */
  readonly roles?: Readonly<Record<string, RoleSettings>>;
}

/** Offers per OFFERS event at most; a framework offered more gets several events. */
export const OFFERS_PER_EVENT = 100;
/** Offer-making work per event-loop turn before the rest waits for the next turn. */
export const OFFER_SLICE_MS = 10;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function roleOf(framework: FrameworkEntry): string {
  return frameworkRole(framework.info);
}

/** True when `after` uses more of some resource than `before`: the agent took on work. */
function grew(before: ResourceAmounts, after: ResourceAmounts): boolean {
  return (
    after.cpus > before.cpus + RESOURCE_EPSILON ||
    after.mem > before.mem + RESOURCE_EPSILON ||
    after.disk > before.disk + RESOURCE_EPSILON ||
    after.gpus > before.gpus + RESOURCE_EPSILON ||
    portCount(after.ports) > portCount(before.ports)
  );
}

/** True when used and committed take all of `total` (checked without allocating: most agents of a busy cluster). */
function nothingFree(total: ResourceAmounts, used: ResourceAmounts, committed: ResourceAmounts): boolean {
  return (
    total.cpus - used.cpus - committed.cpus <= RESOURCE_EPSILON &&
    total.mem - used.mem - committed.mem <= RESOURCE_EPSILON &&
    total.disk - used.disk - committed.disk <= RESOURCE_EPSILON &&
    total.gpus - used.gpus - committed.gpus <= RESOURCE_EPSILON &&
    portCount(total.ports) - portCount(used.ports) - portCount(committed.ports) <= 0
  );
}

/** One agent's allocator input and the values it was made from (compared by identity). */
interface AgentView {
  capacityFrom: ResourceAmounts;
  used: ResourceAmounts;
  committed: ResourceAmounts;
  machine: AgentEntry['machine'];
  attributes: AgentEntry['attributes'];
  capacity: ResourceCounts;
  /** When the agent last took on work (its used resources grew), as far as this leader saw; 0
   * for an agent not seen busy yet. Round-robin visits the idle-longest agent first. */
  idleSinceMs: number;
  /** Null when nothing on the agent is free: it counts toward the cluster's totals only. */
  input: AgentInput | null;
  seenAt: number;
}

/** What the loop has done since this leader started it (metrics). */
export interface AllocationStats {
  cycles: number;
  /** Main-thread and pool time of those cycles together, in ms. */
  busyMs: number;
}

export class AllocationLoop {
  private running = false;
  private again = false;
  private stopped = false;
  private timer: TimerHandle | null = null;
  private batchTimer: TimerHandle | null = null;
  private lastEndMs = Number.NEGATIVE_INFINITY;
  readonly stats: AllocationStats = { cycles: 0, busyMs: 0 };
  /** Each agent's allocator input as of the sums it was made from (see agentView). */
  private readonly agentViews = new Map<string, AgentView>();
  private cycleMark = 0;

  constructor(private readonly host: AllocationHost) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.batchTimer?.cancel();
  }

  /** Runs a cycle soon (coalesced with one in flight or already waiting for its batch). */
  trigger(): void {
    if (this.stopped || this.batchTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const waitMs = this.lastEndMs + (this.host.batchMs ?? 0) - this.host.clock.nowMs();
    if (waitMs <= 0) {
      void this.cycle();
      return;
    }
    this.batchTimer = this.host.clock.setTimer(waitMs, () => {
      this.batchTimer = null;
      this.trigger();
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.host.clock.setTimer(this.host.intervalMs, () => {
      this.trigger();
      this.schedule();
    });
  }

  private async cycle(): Promise<void> {
    this.running = true;
    try {
      this.again = false;
      const startedMs = this.host.clock.monotonicMs();
      await this.once();
      this.stats.busyMs += this.host.clock.monotonicMs() - startedMs;
    } catch (error) {
      this.host.logger.warn({ err: error }, 'allocation cycle failed');
    } finally {
      this.running = false;
      this.lastEndMs = this.host.clock.nowMs();
    }
    // A trigger during the cycle runs one more, after the batch delay.
    if (this.again && !this.stopped) this.trigger();
  }

  /** One cycle; exported behaviour for tests through `trigger`. */
  async once(): Promise<void> {
    const { registry, offers, clock } = this.host;
    const nowMs = clock.nowMs();
    if (this.host.holdOffers?.()) return;
    const frameworks = this.host.offerableFrameworks();
    // Suppressed frameworks take no offers. With no other (a new leader before frameworks come
    // back, Chronos idle), a cycle would pack the whole cluster for nothing, and each agent
    // returning to a new leader triggers one.
    if (frameworks.every((framework) => offers.isSuppressed(framework.id))) return;
    const agents: AgentEntry[] = [];
    const agentInputs: AgentInput[] = [];
    const reservationRoles = new Set<string>();
    // Agents with nothing left to offer (all used or offered) stay out of the view: most agents
    // of a busy cluster are so, and packing them every cycle was most of its cost. Their totals
    // still count toward the cluster's (DRF shares), as one stand-in agent with nothing free.
    const saturated = countsOf(emptyAmounts());
    this.cycleMark++;
    for (const agent of registry.agents()) {
      if (!this.host.isAgentOfferable(agent)) continue;
      const view = this.agentView(agent, nowMs);
      if (view.input === null) {
        addCounts(saturated, view.capacity);
        continue;
      }
      for (const reservation of view.input.reservations ?? []) reservationRoles.add(reservation.role);
      agents.push(agent);
      agentInputs.push(view.input);
    }
    this.forgetUnseenAgents();
    if (agents.length === 0) return;
    if (Object.values(saturated).some((count) => count > 0)) agentInputs.push({ total: saturated, allocated: saturated, offered: countsOf(emptyAmounts()), active: true, attributes: {} });
    const agentIndex = new Map(agents.map((agent, index) => [agent.id, index]));
    const roleSettings = this.host.roles ?? {};
    // Configured roles go in even without frameworks: a quota guarantee holds resources back
    // from other roles until its frameworks come.
    const roles = [...new Set([...frameworks.map(roleOf), ...reservationRoles, ...Object.keys(roleSettings)])];
    const frameworkInputs: FrameworkInput[] = frameworks.map((framework) => {
      // The allocator needs counts only: sum scalars and port counts without range arithmetic
      // (port counts add: offers and tasks never share a port).
      const held: ResourceCounts = { ...registry.liveCountsOfFramework(framework.id) };
      for (const offer of offers.offersOfFramework(framework.id)) addToCounts(held, offer.amounts);
      const filters = offers
        .filtersOf(framework.id, nowMs)
        .filter((filter) => agentIndex.has(filter.agentId))
        .map((filter) => ({
          agent: agentIndex.get(filter.agentId)!,
          expiresAtMs: filter.expiresAtMs,
          ...(filter.amounts ? { resources: countsOf(filter.amounts) } : {}),
        }));
      const priority = frameworkPriority(framework.info);
      return {
        role: roleOf(framework),
        allocated: held,
        filters,
        suppressed: offers.isSuppressed(framework.id),
        lastOfferMs: offers.lastOfferMs(framework.id),
        ...(priority !== undefined ? { priority } : {}),
      };
    });
    const { view } = packClusterView({ agents: agentInputs, frameworks: frameworkInputs, roles: roles.map((name) => roleInput(name, roleSettings)) });
    const result = await this.host.pool.allocate({ policy: this.host.policy, view, nowMs });
    this.stats.cycles += 1;
    if (this.stopped) return;
    await this.deliverInTurns(result.value, frameworks, agents, nowMs);
  }

  /**
   * Turns a cycle's result into offers, OFFERS_PER_EVENT at a time and OFFER_SLICE_MS of that
   * work per event-loop turn. At 5,000 agents a cycle made all its offers in one turn: for one
   * framework that was one event of 5,000 offers and a stall of 1.1–1.8 s, past the election
   * timeout's lower end. Each offer is made from the agent's current entry and
   * only to a framework still subscribed: the world moves between turns.
   */
  private async deliverInTurns(batch: OfferBatch, frameworks: readonly FrameworkEntry[], agents: readonly AgentEntry[], nowMs: number): Promise<void> {
    const { clock } = this.host;
    const byFramework = new Map<number, OfferObject[]>();
    for (const object of offersToObjects(batch)) {
      const list = byFramework.get(object.frameworkIndex);
      if (list) list.push(object);
      else byFramework.set(object.frameworkIndex, [object]);
    }
    let offerable = new Set(this.host.offerableFrameworks().map((f) => f.id));
    let sliceEndsAt = clock.monotonicMs() + OFFER_SLICE_MS;
    for (const [frameworkIndex, objects] of byFramework) {
      const framework = frameworks[frameworkIndex];
      if (!framework) continue;
      for (let at = 0; at < objects.length; at += OFFERS_PER_EVENT) {
        if (clock.monotonicMs() >= sliceEndsAt) {
          await nextTurn();
          if (this.stopped) return;
          offerable = new Set(this.host.offerableFrameworks().map((f) => f.id));
          sliceEndsAt = clock.monotonicMs() + OFFER_SLICE_MS;
        }
        if (!offerable.has(framework.id)) break;
        const made = this.offersOf(framework, objects.slice(at, at + OFFERS_PER_EVENT), agents, nowMs);
        if (made.length > 0) this.host.deliver(framework.id, made);
      }
    }
  }

  /** The offers still possible of `objects`, each made from its agent's current entry. */
  private offersOf(framework: FrameworkEntry, objects: readonly OfferObject[], agents: readonly AgentEntry[], nowMs: number): Offer[] {
    const made: Offer[] = [];
    for (const object of objects) {
      const agent = this.host.registry.agent(agents[object.agentIndex]?.id ?? '');
      if (!agent || !this.host.isAgentOfferable(agent)) continue;
      const offer = this.materialise(framework, agent, object, nowMs);
      if (offer) made.push(offer);
    }
    return made;
  }

  /**
   * The agent's allocator input, or null with its capacity when nothing on it is free. Rebuilt
   * only when one of the memoised values it is made of is a new object: the registry's and the
   * offer book's per-agent sums, the agent's capacity, state and attributes are replaced, never
   * mutated, whenever they change. Most agents of a busy cluster do not change between two
   * cycles, and rebuilding all of them was most of a cycle's main-thread time at 5,000 agents.
   */
  private agentView(agent: AgentEntry, nowMs: number): AgentView {
    const { registry, offers } = this.host;
    const capacity = agentTotal(agent);
    const used = registry.usedOnAgent(agent.id);
    const committed = offers.committedOnAgent(agent.id);
    const cached = this.agentViews.get(agent.id);
    if (cached && cached.capacityFrom === capacity && cached.used === used && cached.committed === committed && cached.machine === agent.machine && cached.attributes === agent.attributes) {
      cached.seenAt = this.cycleMark;
      return cached;
    }
    const capacityCounts = countsOf(capacity);
    // Idle since this cycle when its used resources grew since the last; 0 when first seen.
    let idleSinceMs = cached?.idleSinceMs ?? 0;
    if (cached && grew(cached.used, used)) idleSinceMs = nowMs;
    const view: AgentView = {
      capacityFrom: capacity,
      used,
      committed,
      machine: agent.machine,
      attributes: agent.attributes,
      capacity: capacityCounts,
      idleSinceMs,
      input: nothingFree(capacity, used, committed) ? null : this.agentInput(agent, capacityCounts, used, committed, idleSinceMs),
      seenAt: this.cycleMark,
    };
    this.agentViews.set(agent.id, view);
    return view;
  }

  private agentInput(agent: AgentEntry, capacity: ResourceCounts, used: ResourceAmounts, committed: ResourceAmounts, idleSinceMs: number): AgentInput {
    const priority = Number(agent.attributes['priority']);
    const reservations = this.reservationInputs(agent);
    return {
      total: capacity,
      allocated: countsOf(used),
      offered: countsOf(committed),
      active: true,
      idleSinceMs,
      attributes: agent.attributes,
      ...(reservations.length > 0 ? { reservations } : {}),
      ...(Number.isFinite(priority) ? { priority } : {}),
    };
  }

  /** Drops the views of agents this cycle did not visit (gone, or not offerable now). */
  private forgetUnseenAgents(): void {
    for (const [agentId, view] of this.agentViews) if (view.seenAt !== this.cycleMark) this.agentViews.delete(agentId);
  }

  /** Each reserved role's pool on the agent, with the part its tasks and offers hold. */
  private reservationInputs(agent: AgentEntry): ReservationInput[] {
    const pools = agentPools(agent);
    if (pools.reserved.size === 0) return [];
    const held = addPools(this.host.registry.usedPoolsOnAgent(agent.id), this.host.offers.committedPoolsOnAgent(agent.id));
    return [...pools.reserved].map(([role, amounts]) => ({ role, resources: countsOf(amounts), used: countsOf(poolOf(held, role)) }));
  }

  /**
   * Concrete resources for an offer (ports picked from each pool's free ranges), if they still
   * fit: the unreserved part in the unreserved pool, the reserved part in the framework's role's.
   */
  private materialise(framework: FrameworkEntry, agent: AgentEntry, object: OfferObject, nowMs: number): Offer | null {
    const { registry, offers } = this.host;
    const role = roleOf(framework);
    const capacity = agentPools(agent);
    const used = registry.usedPoolsOnAgent(agent.id);
    const free = offers.freePoolsOnAgent(agent.id, capacity, used);
    const unreservedCount: Record<string, number> = {};
    for (const kind of Object.keys(object.resources)) unreservedCount[kind] = Math.max(0, (object.resources as Record<string, number>)[kind]! - ((object.reserved as Record<string, number>)[kind] ?? 0));
    const unreserved = concrete(unreservedCount, free.unreserved.ports);
    const reserved = role === UNRESERVED ? emptyAmounts() : concrete(object.reserved, poolOf(free, role).ports);
    if (!fitsIn(unreserved, free.unreserved) || !fitsIn(reserved, poolOf(free, role))) return null;
    const amounts = addAmounts(unreserved, reserved);
    if (isEmptyAmounts(amounts)) return null;
    if (!offers.canOffer(agent.id, amounts, agentTotal(agent), registry.usedOnAgent(agent.id))) return null;
    return offers.add(framework.id, agent.id, amounts, nowMs, isEmptyAmounts(reserved) ? undefined : { role, amounts: reserved });
  }
}

/** Allocator counts as amounts, the ports taken from `freePorts`. */
function concrete(counts: Readonly<Record<string, number>>, freePorts: ResourceAmounts['ports']): ResourceAmounts {
  return {
    cpus: counts['cpus'] ?? 0,
    mem: counts['mem'] ?? 0,
    disk: counts['disk'] ?? 0,
    gpus: counts['gpus'] ?? 0,
    ports: takePorts(freePorts, counts['ports'] ?? 0),
  };
}
