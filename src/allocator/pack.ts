/**
 * Packing plain objects into the allocator's typed arrays, and unpacking its results.
 *
 * The master builds a `ClusterInput` from its registry each cycle; `packClusterView` turns it
 * into a `ClusterView` (roles by name become indices, agent attributes become small integer ids
 * through an `AttributeDictionary`). `transferListOf` names the ArrayBuffers to move to a worker.
 * Bad references (an unknown role) are input errors and throw ValidationError before any
 * allocation runs.
 *
 * Pure: no I/O, no clock.
 */
import { ValidationError } from '../lib/errors.js';
import {
  CONSTRAINT_EQUALS,
  CONSTRAINT_NOT_EQUALS,
  KIND_COUNT,
  RESOURCE_KINDS,
  type ClusterView,
  type ConstraintTable,
  type OfferBatch,
  type PendingTaskBatch,
  type ResourceKind,
} from './types.js';

export type ResourceSet = Partial<Record<ResourceKind, number>>;

/** `attribute` compared with `value` on the agent; Chronos EQUALS / UNLIKE (exact). */
export interface ConstraintInput {
  readonly attribute: string;
  readonly operator: 'EQUALS' | 'NOT_EQUALS';
  readonly value: string;
}
export interface ReservationInput {
  readonly role: string;
  readonly resources: ResourceSet;
  /** The part allocated or offered; it must also be counted in the agent's allocated/offered. */
  readonly used?: ResourceSet;
}
export interface AgentInput {
  readonly total: ResourceSet;
  readonly allocated?: ResourceSet;
  readonly offered?: ResourceSet;
  readonly active?: boolean;
  readonly priority?: number;
  readonly idleSinceMs?: number;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly reservations?: readonly ReservationInput[];
}
/** A refusal filter: `resources` absent means "everything on that agent". */
export interface FilterInput {
  readonly agent: number;
  readonly expiresAtMs: number;
  readonly resources?: ResourceSet;
}
export interface FrameworkInput {
  readonly role: string;
  readonly weight?: number;
  readonly suppressed?: boolean;
  readonly priority?: number;
  readonly lastOfferMs?: number;
  readonly allocated?: ResourceSet;
  readonly constraints?: readonly ConstraintInput[];
  readonly filters?: readonly FilterInput[];
}
export interface RoleInput {
  readonly name: string;
  readonly weight?: number;
  readonly priority?: number;
  readonly quotaGuarantee?: ResourceSet;
}
export interface ClusterInput {
  readonly agents: readonly AgentInput[];
  readonly frameworks: readonly FrameworkInput[];
  readonly roles: readonly RoleInput[];
}
export interface PendingTaskInput {
  readonly framework: number;
  readonly resources: ResourceSet;
  readonly priority?: number;
  readonly constraints?: readonly ConstraintInput[];
}

/** Interned attribute names (slots) and values (ids), shared by agents and constraints. */
export interface AttributeDictionary {
  readonly slots: ReadonlyMap<string, number>;
  readonly values: ReadonlyMap<string, number>;
}

export interface PackedCluster {
  readonly view: ClusterView;
  readonly dictionary: AttributeDictionary;
}

/** Plain form of one offer, for the master and for tests. */
export interface OfferObject {
  readonly frameworkIndex: number;
  readonly agentIndex: number;
  readonly resources: Record<ResourceKind, number>;
  readonly reserved: Record<ResourceKind, number>;
}

function writeVector(target: Float64Array, row: number, set: ResourceSet | undefined): void {
  if (set === undefined) return;
  for (let kind = 0; kind < KIND_COUNT; kind++) {
    target[row * KIND_COUNT + kind] = set[RESOURCE_KINDS[kind]!] ?? 0;
  }
}

/** Reads row `row` of a per-kind table as a plain resource record. */
export function readVector(source: Float64Array, row: number): Record<ResourceKind, number> {
  const out = {} as Record<ResourceKind, number>;
  for (let kind = 0; kind < KIND_COUNT; kind++) {
    out[RESOURCE_KINDS[kind]!] = source[row * KIND_COUNT + kind]!;
  }
  return out;
}

function buildDictionary(agents: readonly AgentInput[]): AttributeDictionary {
  const slots = new Map<string, number>();
  const values = new Map<string, number>();
  for (const agent of agents) {
    for (const [name, value] of Object.entries(agent.attributes ?? {})) {
      if (!slots.has(name)) slots.set(name, slots.size);
      if (!values.has(value)) values.set(value, values.size);
    }
  }
  return { slots, values };
}

/** Packs per-owner constraint lists; unknown names and values can never match EQUALS. */
export function packConstraints(
  owners: readonly (readonly ConstraintInput[] | undefined)[],
  dictionary: AttributeDictionary,
): ConstraintTable {
  const start = new Int32Array(owners.length + 1);
  let entries = 0;
  owners.forEach((list, owner) => {
    start[owner] = entries;
    entries += list?.length ?? 0;
  });
  start[owners.length] = entries;
  const slot = new Int32Array(entries);
  const op = new Uint8Array(entries);
  const value = new Int32Array(entries);
  let at = 0;
  for (const list of owners) {
    for (const constraint of list ?? []) {
      slot[at] = dictionary.slots.get(constraint.attribute) ?? -1;
      op[at] = constraint.operator === 'EQUALS' ? CONSTRAINT_EQUALS : CONSTRAINT_NOT_EQUALS;
      value[at] = dictionary.values.get(constraint.value) ?? -2;
      at++;
    }
  }
  return { start, slot, op, value };
}

function roleIndexOf(roles: ReadonlyMap<string, number>, name: string, field: string): number {
  const index = roles.get(name);
  if (index === undefined) throw new ValidationError(field, `unknown role '${name}'`);
  return index;
}

function packAgents(input: ClusterInput, dictionary: AttributeDictionary, roles: ReadonlyMap<string, number>) {
  const count = input.agents.length;
  const slots = dictionary.slots.size;
  const agentTotal = new Float64Array(count * KIND_COUNT);
  const agentAllocated = new Float64Array(count * KIND_COUNT);
  const agentOffered = new Float64Array(count * KIND_COUNT);
  const agentActive = new Uint8Array(count);
  const agentPriority = new Float64Array(count);
  const agentIdleSinceMs = new Float64Array(count);
  const agentAttributes = new Int32Array(count * slots).fill(-1);
  const reservationStart = new Int32Array(count + 1);
  const reservationCount = input.agents.reduce((sum, agent) => sum + (agent.reservations?.length ?? 0), 0);
  const reservationRole = new Int32Array(reservationCount);
  const reservationAmount = new Float64Array(reservationCount * KIND_COUNT);
  const reservationUsed = new Float64Array(reservationCount * KIND_COUNT);
  let reservation = 0;
  input.agents.forEach((agent, index) => {
    writeVector(agentTotal, index, agent.total);
    writeVector(agentAllocated, index, agent.allocated);
    writeVector(agentOffered, index, agent.offered);
    agentActive[index] = agent.active === false ? 0 : 1;
    agentPriority[index] = agent.priority ?? 0;
    agentIdleSinceMs[index] = agent.idleSinceMs ?? 0;
    for (const [name, value] of Object.entries(agent.attributes ?? {})) {
      agentAttributes[index * slots + dictionary.slots.get(name)!] = dictionary.values.get(value)!;
    }
    reservationStart[index] = reservation;
    for (const entry of agent.reservations ?? []) {
      reservationRole[reservation] = roleIndexOf(roles, entry.role, `agents[${index}].reservations.role`);
      writeVector(reservationAmount, reservation, entry.resources);
      writeVector(reservationUsed, reservation, entry.used);
      reservation++;
    }
  });
  reservationStart[count] = reservation;
  return {
    agentTotal, agentAllocated, agentOffered, agentActive, agentPriority, agentIdleSinceMs,
    agentAttributes, reservationStart, reservationRole, reservationAmount, reservationUsed,
  };
}

function packFilters(frameworks: readonly FrameworkInput[]) {
  const filterStart = new Int32Array(frameworks.length + 1);
  const total = frameworks.reduce((sum, framework) => sum + (framework.filters?.length ?? 0), 0);
  const filterAgent = new Int32Array(total);
  const filterExpiresAtMs = new Float64Array(total);
  const filterResources = new Float64Array(total * KIND_COUNT);
  let at = 0;
  frameworks.forEach((framework, index) => {
    filterStart[index] = at;
    for (const filter of framework.filters ?? []) {
      filterAgent[at] = filter.agent;
      filterExpiresAtMs[at] = filter.expiresAtMs;
      if (filter.resources === undefined) {
        filterResources.fill(Infinity, at * KIND_COUNT, (at + 1) * KIND_COUNT);
      } else {
        writeVector(filterResources, at, filter.resources);
      }
      at++;
    }
  });
  filterStart[frameworks.length] = at;
  return { filterStart, filterAgent, filterExpiresAtMs, filterResources };
}

function packFrameworks(input: ClusterInput, dictionary: AttributeDictionary, roles: ReadonlyMap<string, number>) {
  const count = input.frameworks.length;
  const frameworkRole = new Int32Array(count);
  const frameworkWeight = new Float64Array(count);
  const frameworkSuppressed = new Uint8Array(count);
  const frameworkPriority = new Float64Array(count);
  const frameworkLastOfferMs = new Float64Array(count);
  const frameworkAllocated = new Float64Array(count * KIND_COUNT);
  input.frameworks.forEach((framework, index) => {
    frameworkRole[index] = roleIndexOf(roles, framework.role, `frameworks[${index}].role`);
    frameworkWeight[index] = framework.weight ?? 1;
    frameworkSuppressed[index] = framework.suppressed === true ? 1 : 0;
    frameworkPriority[index] = framework.priority ?? 0;
    frameworkLastOfferMs[index] = framework.lastOfferMs ?? 0;
    writeVector(frameworkAllocated, index, framework.allocated);
  });
  const frameworkConstraints = packConstraints(input.frameworks.map((f) => f.constraints), dictionary);
  return {
    frameworkRole, frameworkWeight, frameworkSuppressed, frameworkPriority, frameworkLastOfferMs,
    frameworkAllocated, frameworkConstraints, ...packFilters(input.frameworks),
  };
}

/** Packs a cluster described with plain objects into a ClusterView. */
export function packClusterView(input: ClusterInput): PackedCluster {
  const roles = new Map<string, number>();
  input.roles.forEach((role, index) => roles.set(role.name, index));
  const roleWeight = new Float64Array(input.roles.length);
  const rolePriority = new Float64Array(input.roles.length);
  const roleQuotaGuarantee = new Float64Array(input.roles.length * KIND_COUNT);
  input.roles.forEach((role, index) => {
    roleWeight[index] = role.weight ?? 1;
    rolePriority[index] = role.priority ?? 0;
    writeVector(roleQuotaGuarantee, index, role.quotaGuarantee);
  });
  const dictionary = buildDictionary(input.agents);
  const view: ClusterView = {
    agentCount: input.agents.length,
    frameworkCount: input.frameworks.length,
    roleCount: input.roles.length,
    attributeSlots: dictionary.slots.size,
    ...packAgents(input, dictionary, roles),
    ...packFrameworks(input, dictionary, roles),
    roleWeight,
    rolePriority,
    roleQuotaGuarantee,
  };
  return { view, dictionary };
}

/** Packs pending tasks against the dictionary of the view they will be placed on. */
export function packPendingTasks(
  tasks: readonly PendingTaskInput[],
  dictionary: AttributeDictionary,
): PendingTaskBatch {
  const frameworkIndex = new Int32Array(tasks.length);
  const resources = new Float64Array(tasks.length * KIND_COUNT);
  const priority = new Float64Array(tasks.length);
  tasks.forEach((task, index) => {
    frameworkIndex[index] = task.framework;
    writeVector(resources, index, task.resources);
    priority[index] = task.priority ?? 0;
  });
  const constraints = packConstraints(tasks.map((task) => task.constraints), dictionary);
  return { count: tasks.length, frameworkIndex, resources, priority, constraints };
}

/** Unpacks an OfferBatch into plain objects, in offer order. */
export function offersToObjects(batch: OfferBatch): OfferObject[] {
  const out: OfferObject[] = [];
  for (let offer = 0; offer < batch.count; offer++) {
    out.push({
      frameworkIndex: batch.frameworkIndex[offer]!,
      agentIndex: batch.agentIndex[offer]!,
      resources: readVector(batch.resources, offer),
      reserved: readVector(batch.reserved, offer),
    });
  }
  return out;
}

type TypedArray = Int32Array | Uint8Array | Float64Array;

function toShared<T extends TypedArray>(array: T): T {
  // SharedArrayBuffer lengths must suit the element size; an empty table still gets 8 bytes.
  const buffer = new SharedArrayBuffer(Math.max(8, array.byteLength));
  const shared = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(buffer).subarray(0, array.length) as T;
  shared.set(array);
  return shared;
}

/**
 * A copy of `view` whose typed arrays live in SharedArrayBuffers. A worker reads such a view in
 * place — no copy, no transfer — so the leader can keep one view, update it between cycles, and
 * pass it every cycle. It must not be changed while a cycle is in flight (the pool's `isBusy`).
 */
export function toSharedView(view: ClusterView): ClusterView {
  const table = view.frameworkConstraints;
  return {
    ...view,
    ...Object.fromEntries(
      Object.entries(view).map(([key, value]) => [key, ArrayBuffer.isView(value) ? toShared(value as TypedArray) : value]),
    ),
    frameworkConstraints: {
      start: toShared(table.start),
      slot: toShared(table.slot),
      op: toShared(table.op),
      value: toShared(table.value),
    },
  } as ClusterView;
}

/**
 * The distinct ArrayBuffers behind every typed array in `value` (up to two levels of nested
 * objects: a task holding a view holding a constraint table), for a worker's transfer list.
 * Transferring detaches them on the sending side. SharedArrayBuffers are left out: they are
 * shared, not moved.
 */
export function transferListOf(value: object): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const visit = (field: unknown, depth: number): void => {
    if (ArrayBuffer.isView(field)) {
      if (field.buffer instanceof ArrayBuffer && field.buffer.byteLength > 0) buffers.add(field.buffer);
    } else if (depth < 3 && typeof field === 'object' && field !== null) {
      for (const inner of Object.values(field)) visit(inner, depth + 1);
    }
  };
  visit(value, 0);
  return [...buffers];
}
