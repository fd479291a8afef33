/**
 * Shared helpers for the allocator tests: small cluster builders and an over-commit checker
 * that recomputes, from the view and the offers alone, what each agent would hold.
 */
import {
  KIND_COUNT,
  offersToObjects,
  packClusterView,
  type AgentInput,
  type ClusterInput,
  type ClusterView,
  type FrameworkInput,
  type OfferBatch,
  type OfferObject,
  type ResourceSet,
  type RoleInput,
} from '../../../src/allocator/index.js';

export const SMALL_AGENT: ResourceSet = { cpus: 2, mem: 1024, disk: 4096, ports: 1001 };

export function agents(count: number, total: ResourceSet = SMALL_AGENT, extra: Partial<AgentInput> = {}): AgentInput[] {
  return Array.from({ length: count }, () => ({ total, ...extra }));
}

export function frameworks(count: number, role = '*', extra: Partial<FrameworkInput> = {}): FrameworkInput[] {
  return Array.from({ length: count }, () => ({ role, ...extra }));
}

export function cluster(
  agentList: readonly AgentInput[],
  frameworkList: readonly FrameworkInput[],
  roles: readonly RoleInput[] = [{ name: '*' }],
): ClusterView {
  const input: ClusterInput = { agents: agentList, frameworks: frameworkList, roles };
  return packClusterView(input).view;
}

export function offersOf(batch: OfferBatch): OfferObject[] {
  return offersToObjects(batch);
}

export function countBy<T>(items: readonly T[], key: (item: T) => number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * Problems found when adding the offers to what the view says is allocated and offered:
 * any agent × kind above its total, any negative amount, any offer to an inactive agent,
 * any reserved part exceeding the framework role's free reservation.
 */
export function overCommitProblems(view: ClusterView, batch: OfferBatch): string[] {
  const problems: string[] = [];
  const held = new Float64Array(view.agentCount * KIND_COUNT);
  for (let at = 0; at < held.length; at++) held[at] = view.agentAllocated[at]! + view.agentOffered[at]!;
  for (let offer = 0; offer < batch.count; offer++) {
    const agent = batch.agentIndex[offer]!;
    if (view.agentActive[agent] !== 1) problems.push(`offer ${offer} on inactive agent ${agent}`);
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      const amount = batch.resources[offer * KIND_COUNT + kind]!;
      if (amount < 0) problems.push(`offer ${offer} kind ${kind} negative`);
      held[agent * KIND_COUNT + kind]! += amount;
    }
  }
  for (let at = 0; at < held.length; at++) {
    if (held[at]! > view.agentTotal[at]! + 1e-6) {
      problems.push(`agent ${Math.floor(at / KIND_COUNT)} kind ${at % KIND_COUNT}: ${held[at]} > ${view.agentTotal[at]}`);
    }
  }
  return problems;
}
