/**
 * One offer cycle's engine, shared by the policies: for each agent, its free unreserved
 * resources go to the first framework (in the policy's order) that accepts them — coarse-
 * grained, one framework per agent per stage, as Mesos does — and then each reservation on the
 * agent goes to the first framework of its role that accepts it.
 *
 * A framework accepts when its offer constraints hold on the agent, the candidate is
 * allocatable (Mesos min_allocatable_resources), and no unexpired refusal filter covers it.
 * Unreserved amounts are capped by the quota headroom so other roles' guarantees stay
 * satisfiable; in the quota stage they are also chopped to the role's unmet guarantee.
 *
 * Pure: time arrives as `nowMs`; randomness (the shuffle) from an injected Rng.
 */
import type { Rng } from '../lib/rng.js';
import {
  allocatableMinimum,
  FilterIndex,
  isAllocatable,
  satisfiesConstraints,
  type AllocatableMinimum,
} from './eligibility.js';
import type { FrameworkQueue } from './framework-queue.js';
import { QuotaHeadroom, RESOURCE_EPSILON, ResourceLedger } from './ledger.js';
import { OfferRecorder } from './offer-recorder.js';
import { KIND_COUNT, SHARE_KIND_COUNT, type AllocateOptions, type ClusterView, type OfferBatch } from './types.js';

/** `fillCandidate`'s answer when there is nothing worth offering (entries are ≥ -1). */
const NOT_OFFERABLE = -2;

/** Called after each grant so the policy can update the keys its queue orders by. */
export type OfferHook = (framework: number, agent: number) => void;

export class OfferCycle {
  readonly ledger: ResourceLedger;
  readonly headroom: QuotaHeadroom;
  private readonly filters: FilterIndex;
  private readonly minimum: AllocatableMinimum;
  private readonly recorder: OfferRecorder;
  private readonly unreserved = new Float64Array(KIND_COUNT);
  private readonly reserved = new Float64Array(KIND_COUNT);
  private readonly candidate = new Float64Array(KIND_COUNT);
  // The agent being offered and the stage's settings, read by the accept callbacks (built once
  // so the per-agent loop allocates nothing).
  private agent = 0;
  private chopToGuarantee = false;
  private hook: OfferHook = () => {};
  private readonly acceptUnreserved: (framework: number) => boolean;
  private readonly acceptReserved: (framework: number) => boolean;
  private readonly roleMayTake: (role: number) => boolean;

  constructor(
    readonly view: ClusterView,
    nowMs: number,
    options: AllocateOptions,
  ) {
    this.ledger = new ResourceLedger(view);
    this.headroom = new QuotaHeadroom(this.ledger);
    this.filters = new FilterIndex(view, nowMs);
    this.minimum = allocatableMinimum(options);
    this.recorder = new OfferRecorder(view.agentCount, view.agentCount + view.reservationRole.length);
    this.acceptUnreserved = (framework) => this.tryGrant(framework, true);
    this.acceptReserved = (framework) => this.tryGrant(framework, false);
    this.roleMayTake = (role) => this.fillCandidate(role, true) !== NOT_OFFERABLE;
  }

  /**
   * Offers `agent`: unreserved to the first accepting framework of `queue`, then each reservation
   * to its role's first accepting framework. With `chopToGuarantee` (the quota stage) the agent
   * is instead chopped among quota roles.
   */
  offerAgent(agent: number, queue: FrameworkQueue, hook: OfferHook, chopToGuarantee: boolean): void {
    if (this.view.agentActive[agent] !== 1) return;
    this.agent = agent;
    this.hook = hook;
    this.chopToGuarantee = chopToGuarantee;
    if (chopToGuarantee) {
      this.chopAgentForQuota(queue);
      return;
    }
    if (this.hasFree(this.ledger.unreservedFree, agent)) queue.pickAny(this.acceptUnreserved, this.roleMayTake);
    const view = this.view;
    const end = view.reservationStart[agent + 1]!;
    for (let entry = view.reservationStart[agent]!; entry < end; entry++) {
      if (this.hasFree(this.ledger.reservationFree, entry)) {
        queue.pickInRole(view.reservationRole[entry]!, this.acceptReserved);
      }
    }
  }

  /**
   * Quota stage: as in Mesos, one agent may be chopped between several quota roles, each taking
   * what moves it towards its guarantee. Bounded by the role count: every grant takes something.
   */
  private chopAgentForQuota(queue: FrameworkQueue): void {
    for (let round = 0; round < this.view.roleCount; round++) {
      if (!this.hasFree(this.ledger.unreservedFree, this.agent)) return;
      if (queue.pickAny(this.acceptUnreserved, this.roleMayTake) === -1) return;
    }
  }

  build(): OfferBatch {
    return this.recorder.build();
  }

  private hasFree(table: Float64Array, row: number): boolean {
    for (let kind = 0; kind < SHARE_KIND_COUNT; kind++) {
      if (table[row * KIND_COUNT + kind]! > RESOURCE_EPSILON) return true;
    }
    return false;
  }

  /**
   * Fills `unreserved`, `reserved` and `candidate` with what `role` may take on the current
   * agent; returns the reservation entry used (-1 for none), or NOT_OFFERABLE when the candidate
   * is not worth offering (no unreserved part though one was asked for, or not allocatable).
   */
  private fillCandidate(role: number, withUnreserved: boolean): number {
    if (withUnreserved && !this.fillUnreserved(role)) return NOT_OFFERABLE;
    if (!withUnreserved) this.unreserved.fill(0);
    const entry = this.ledger.reservationOf(this.agent, role);
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      this.reserved[kind] = entry === -1 ? 0 : this.ledger.reservationFree[entry * KIND_COUNT + kind]!;
      this.candidate[kind] = this.unreserved[kind]! + this.reserved[kind]!;
    }
    return isAllocatable(this.candidate, this.minimum) ? entry : NOT_OFFERABLE;
  }

  /** Computes the candidate for `framework` on the current agent and grants it if accepted. */
  private tryGrant(framework: number, withUnreserved: boolean): boolean {
    const view = this.view;
    const agent = this.agent;
    if (!satisfiesConstraints(view, view.frameworkConstraints, framework, agent)) return false;
    const role = view.frameworkRole[framework]!;
    const entry = this.fillCandidate(role, withUnreserved);
    if (entry === NOT_OFFERABLE) return false;
    if (this.filters.isFiltered(framework, agent, this.candidate)) return false;
    this.ledger.charge(agent, framework, entry, this.unreserved, this.reserved);
    this.headroom.consume(role, this.unreserved);
    this.recorder.record(framework, agent, this.unreserved, this.reserved);
    this.hook(framework, agent);
    return true;
  }

  /** Fills `unreserved` with what `role` may take here; false when that is nothing. */
  private fillUnreserved(role: number): boolean {
    const free = this.ledger.unreservedFree;
    const guarantee = this.view.roleQuotaGuarantee;
    let any = false;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      let amount = Math.min(free[this.agent * KIND_COUNT + kind]!, this.headroom.limit(role, kind));
      if (this.chopToGuarantee && guarantee[role * KIND_COUNT + kind]! > 0) {
        amount = Math.min(amount, this.headroom.unmet[role * KIND_COUNT + kind]!);
      }
      this.unreserved[kind] = amount;
      if (kind < SHARE_KIND_COUNT && amount > RESOURCE_EPSILON) any = true;
    }
    return any;
  }
}

/** Agent indices 0..n-1, shuffled with `rng` when given (Mesos shuffles before each stage). */
export function agentVisitOrder(agentCount: number, rng: Rng | undefined): Int32Array {
  const order = new Int32Array(agentCount);
  for (let index = 0; index < agentCount; index++) order[index] = index;
  if (rng === undefined) return order;
  for (let index = agentCount - 1; index > 0; index--) {
    const other = rng.int(0, index);
    const swap = order[index]!;
    order[index] = order[other]!;
    order[other] = swap;
  }
  return order;
}

/** Agent indices sorted by `before` (ties by index, so the order is total and deterministic). */
export function agentsSortedBy(agentCount: number, before: (a: number, b: number) => number): Int32Array {
  const order = new Int32Array(agentCount);
  for (let index = 0; index < agentCount; index++) order[index] = index;
  return order.sort((a, b) => before(a, b) || a - b);
}
