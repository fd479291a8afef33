/**
 * Whether a framework (or task) may be offered an agent: attribute constraints, refusal
 * filters and the "allocatable" minimum.
 *
 * Refusal filters follow Mesos: a DECLINE installs (framework, agent) → R until an expiry; a
 * later candidate S on that agent is filtered while R ⊇ S, so a bigger free set is offered
 * again; an expired filter (expiresAtMs ≤ nowMs) is ignored.
 *
 * Pure: time arrives as `nowMs`.
 */
import {
  CONSTRAINT_EQUALS,
  CPUS,
  KIND_COUNT,
  MEM,
  type AllocateOptions,
  type ClusterView,
  type ConstraintTable,
} from './types.js';
import { RESOURCE_EPSILON } from './ledger.js';

/** Mesos `--min_allocatable_resources` default: cpus:0.01 | mem:32. */
export const DEFAULT_MIN_ALLOCATABLE_CPUS = 0.01;
export const DEFAULT_MIN_ALLOCATABLE_MEM_MB = 32;

/** True when `agent` satisfies every constraint of `owner` in `table`. */
export function satisfiesConstraints(
  view: ClusterView,
  table: ConstraintTable,
  owner: number,
  agent: number,
): boolean {
  const end = table.start[owner + 1]!;
  for (let entry = table.start[owner]!; entry < end; entry++) {
    const slot = table.slot[entry]!;
    const actual = slot < 0 ? -1 : view.agentAttributes[agent * view.attributeSlots + slot]!;
    const equal = actual === table.value[entry]!;
    if ((table.op[entry] === CONSTRAINT_EQUALS) !== equal) return false;
  }
  return true;
}

/** The refusal filters in force at `nowMs`, indexed by (framework, agent). */
export class FilterIndex {
  private readonly byPair = new Map<number, number>();

  constructor(
    private readonly view: ClusterView,
    nowMs: number,
  ) {
    for (let framework = 0; framework < view.frameworkCount; framework++) {
      const end = view.filterStart[framework + 1]!;
      for (let filter = view.filterStart[framework]!; filter < end; filter++) {
        if (view.filterExpiresAtMs[filter]! <= nowMs) continue;
        // One filter per pair: the most recent declines overwrite older ones, as in Mesos.
        this.byPair.set(this.key(framework, view.filterAgent[filter]!), filter);
      }
    }
  }

  get size(): number {
    return this.byPair.size;
  }

  private key(framework: number, agent: number): number {
    return framework * this.view.agentCount + agent;
  }

  /** True when the framework declined a superset of `candidate` on `agent` and it has not expired. */
  isFiltered(framework: number, agent: number, candidate: Float64Array): boolean {
    if (this.byPair.size === 0) return false;
    const filter = this.byPair.get(this.key(framework, agent));
    if (filter === undefined) return false;
    const declined = this.view.filterResources;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      if (candidate[kind]! > declined[filter * KIND_COUNT + kind]! + RESOURCE_EPSILON) return false;
    }
    return true;
  }
}

/** The minimum worth offering, from options or Mesos defaults. */
export interface AllocatableMinimum {
  readonly cpus: number;
  readonly memMb: number;
}

export function allocatableMinimum(options: AllocateOptions): AllocatableMinimum {
  return {
    cpus: options.minAllocatableCpus ?? DEFAULT_MIN_ALLOCATABLE_CPUS,
    memMb: options.minAllocatableMemMb ?? DEFAULT_MIN_ALLOCATABLE_MEM_MB,
  };
}

/** Mesos skips offers too small to launch anything: at least the cpus or the mem minimum. */
export function isAllocatable(candidate: Float64Array, minimum: AllocatableMinimum): boolean {
  return candidate[CPUS]! >= minimum.cpus || candidate[MEM]! >= minimum.memMb;
}
