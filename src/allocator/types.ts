/**
 * The allocator's data: the cluster as compact typed arrays (ClusterView), the pending tasks
 * of the Chronos queue, and the packed outputs (offers, placements).
 *
 * Everything here is plain data made of numbers and typed arrays so a view can cross into a
 * worker thread by transferring its ArrayBuffers (no copy, no serialisation) and the result can
 * come back the same way. Per-resource vectors are laid out row-major with stride KIND_COUNT:
 * `agentTotal[agent * KIND_COUNT + MEM]` is an agent's total memory. Variable-length lists
 * (reservations per agent, filters and constraints per framework) are CSR tables: a `start`
 * array of length owners + 1 and flat entry arrays.
 *
 * No I/O, no clock: this module only describes shapes.
 */
import type { Rng } from '../lib/rng.js';

/** Resource kinds in vector order. `ports` counts ports in the agent's ranges. */
export const RESOURCE_KINDS = ['cpus', 'mem', 'disk', 'gpus', 'ports'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
export const KIND_COUNT = RESOURCE_KINDS.length;
export const CPUS = 0;
export const MEM = 1;
export const DISK = 2;
export const GPUS = 3;
export const PORTS = 4;
/**
 * Kinds that count towards a dominant share: the scalars. Ports are a range resource in Mesos
 * and never enter the DRF share.
 */
export const SHARE_KIND_COUNT = 4;

/** Constraint operators over interned agent attribute values. */
export const CONSTRAINT_EQUALS = 0;
export const CONSTRAINT_NOT_EQUALS = 1;

/**
 * Constraints of many owners (frameworks or tasks) in one CSR table. Entry `i` of owner `o`
 * (start[o] ≤ i < start[o+1]) requires `agentAttributes[agent * slots + slot[i]]` to equal
 * (or differ from) `value[i]`. Attribute values are small integer ids; -1 means "absent".
 */
export interface ConstraintTable {
  readonly start: Int32Array;
  readonly slot: Int32Array;
  readonly op: Uint8Array;
  readonly value: Int32Array;
}

/**
 * The cluster as the allocator sees it for one cycle. Built by `packClusterView` (pack.ts);
 * treat as immutable — policies copy what they mutate.
 */
export interface ClusterView {
  readonly agentCount: number;
  readonly frameworkCount: number;
  readonly roleCount: number;
  /** Attribute slots per agent in `agentAttributes`. */
  readonly attributeSlots: number;

  /** Per agent × kind: what the agent has. */
  readonly agentTotal: Float64Array;
  /** Per agent × kind: used by running tasks (reserved and unreserved together). */
  readonly agentAllocated: Float64Array;
  /** Per agent × kind: held by outstanding offers. */
  readonly agentOffered: Float64Array;
  /** 1 when the agent is registered and active (not draining, not unreachable). */
  readonly agentActive: Uint8Array;
  /** The agent's `priority` attribute (higher first) for the priority policy. */
  readonly agentPriority: Float64Array;
  /** When the agent last received work, epoch ms (round-robin: idle longest first). */
  readonly agentIdleSinceMs: Float64Array;
  /** Per agent × attribute slot: interned value id or -1. */
  readonly agentAttributes: Int32Array;

  /** CSR by agent: reservations, each to one role. */
  readonly reservationStart: Int32Array;
  readonly reservationRole: Int32Array;
  /** Per reservation × kind: reserved amount. */
  readonly reservationAmount: Float64Array;
  /** Per reservation × kind: the part of it allocated or offered (included in agent totals). */
  readonly reservationUsed: Float64Array;

  readonly frameworkRole: Int32Array;
  /** Framework weight inside its role (default 1). */
  readonly frameworkWeight: Float64Array;
  readonly frameworkSuppressed: Uint8Array;
  readonly frameworkPriority: Float64Array;
  /** When the framework last received an offer, epoch ms (round-robin order). */
  readonly frameworkLastOfferMs: Float64Array;
  /** Per framework × kind: allocated plus offered, the basis of its dominant share. */
  readonly frameworkAllocated: Float64Array;
  /** Offer constraints per framework (Mesos offer_constraints, simplified). */
  readonly frameworkConstraints: ConstraintTable;

  /** CSR by framework: refusal filters installed by DECLINE (refuse_seconds). */
  readonly filterStart: Int32Array;
  readonly filterAgent: Int32Array;
  readonly filterExpiresAtMs: Float64Array;
  /** Per filter × kind: the declined set R; a later offer S is filtered while R ⊇ S. */
  readonly filterResources: Float64Array;

  readonly roleWeight: Float64Array;
  readonly rolePriority: Float64Array;
  /** Per role × kind: quota guarantee (0 = none). */
  readonly roleQuotaGuarantee: Float64Array;
}

/** Runs of the Chronos queue (or any pending tasks) waiting for an agent. */
export interface PendingTaskBatch {
  readonly count: number;
  readonly frameworkIndex: Int32Array;
  /** Per task × kind: what the task needs. */
  readonly resources: Float64Array;
  /** Higher runs first under the priority policy. */
  readonly priority: Float64Array;
  readonly constraints: ConstraintTable;
}

/**
 * Offers of one cycle, in the order they were made. Offer `i` gives framework
 * `frameworkIndex[i]` the resources `resources[i*K .. i*K+K)` on agent `agentIndex[i]`, of which
 * `reserved[...]` are reserved to the framework's role.
 */
export interface OfferBatch {
  readonly count: number;
  readonly frameworkIndex: Int32Array;
  readonly agentIndex: Int32Array;
  readonly resources: Float64Array;
  readonly reserved: Float64Array;
}

/** Where each pending task goes: `agentIndex[task]`, or -1 when nothing fits this cycle. */
export interface PlacementBatch {
  readonly count: number;
  readonly agentIndex: Int32Array;
}

export type PolicyName = 'drf' | 'round-robin' | 'priority';

/** Knobs shared by the policies; all optional with Mesos defaults. */
export interface AllocateOptions {
  /**
   * Randomness for the agent shuffle Mesos does before each stage (DRF only). Absent: agents
   * are visited in index order, which is deterministic but favours low indices.
   */
  readonly rng?: Rng;
  /** Smallest offer worth making (Mesos `min_allocatable_resources`: cpus:0.01 | mem:32). */
  readonly minAllocatableCpus?: number;
  readonly minAllocatableMemMb?: number;
}

/**
 * A policy: how to turn a view into offers for frameworks, and how to place pending tasks.
 * Implementations are pure: the same inputs give the same outputs.
 */
export interface AllocatorPolicy {
  readonly name: PolicyName;
  allocate(view: ClusterView, nowMs: number, options: AllocateOptions): OfferBatch;
  placeTasks(view: ClusterView, tasks: PendingTaskBatch): PlacementBatch;
}
