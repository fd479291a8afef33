/**
 * What the live tasks of an agent hold, summed over the registry's tables and memoised there
 * until that live set changes (RegistryTables.sumOnAgent; per-framework counts are kept task by
 * task, RegistryTables.liveCountsOfFramework). Read
 * by the allocation loop every cycle and by every launch; results are shared, never mutated.
 */
import type { RegistryTables } from './indexes.js';
import { addPools, emptyPools, poolsOf, roleOfResource, UNRESERVED, type Pools } from './reservations.js';
import { addAmounts, amountsOf, emptyAmounts, type ResourceAmounts } from './resources.js';

/** Resources held by the agent's non-terminal tasks. */
export function usedOnAgent(tables: RegistryTables, agentId: string): ResourceAmounts {
  return tables.sumOnAgent(agentId, 'amounts', () => sumAmounts(tables, tables.liveTasksOnAgentUnordered(agentId)));
}

/** Resources held by the agent's non-terminal tasks, by the pool they draw on. */
export function usedPoolsOnAgent(tables: RegistryTables, agentId: string): Pools {
  return tables.sumOnAgent(agentId, 'pools', () => {
    let used = emptyPools();
    for (const key of tables.liveTasksOnAgentUnordered(agentId)) {
      const resources = tables.tasks.get(key)!.resources;
      // Most tasks use only unreserved resources: sum those without splitting by role.
      if (resources.every((resource) => roleOfResource(resource) === UNRESERVED)) used.unreserved = addAmounts(used.unreserved, amountsOf(resources));
      else used = addPools(used, poolsOf(resources));
    }
    return used;
  });
}

function sumAmounts(tables: RegistryTables, taskKeys: Iterable<string>): ResourceAmounts {
  let used = emptyAmounts();
  for (const key of taskKeys) used = addAmounts(used, amountsOf(tables.tasks.get(key)!.resources));
  return used;
}
