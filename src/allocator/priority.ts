/**
 * Priority: pending tasks are taken highest priority first — the task's own priority, then its
 * framework's, then its role's, then queue order — and each is placed on the highest-priority
 * agent that fits it (the agent's `priority` attribute, then the most spare capacity). Agents
 * are in a heap re-keyed as they fill, so a cycle is O(n log n + n log m).
 *
 * For offers, frameworks are ordered by role priority, then framework priority, with
 * least-recently-offered breaking ties (so equals take turns); agents are visited highest
 * priority and most spare first.
 *
 * Pure: time as `nowMs`.
 */
import { FrameworkQueue } from './framework-queue.js';
import type { LessThan } from './heap.js';
import { agentsSortedBy, OfferCycle } from './offer-cycle.js';
import { placeInOrder, TaskPlacer } from './placement.js';
import { RecencyKeys } from './round-robin.js';
import {
  KIND_COUNT,
  SHARE_KIND_COUNT,
  type AllocateOptions,
  type AllocatorPolicy,
  type ClusterView,
  type OfferBatch,
  type PendingTaskBatch,
  type PlacementBatch,
} from './types.js';

/** Higher value first, ties to `then`. */
function higherFirst(values: Float64Array, then: LessThan): LessThan {
  return (a, b) => values[a]! > values[b]! || (values[a] === values[b] && then(a, b));
}

/** One priority offer cycle. */
export function allocatePriority(view: ClusterView, nowMs: number, options: AllocateOptions): OfferBatch {
  const cycle = new OfferCycle(view, nowMs, options);
  const recency = new RecencyKeys(view.frameworkLastOfferMs, nowMs);
  const queue = new FrameworkQueue(
    view,
    {
      frameworkLess: higherFirst(view.frameworkPriority, recency.oldestFirst),
      roleCompare: (a, b) => view.rolePriority[b]! - view.rolePriority[a]!,
    },
    (framework) => view.frameworkSuppressed[framework] === 0,
  );
  const free = cycle.ledger.unreservedFree;
  const spare = (agent: number): number => {
    let sum = 0;
    for (let kind = 0; kind < SHARE_KIND_COUNT; kind++) sum += free[agent * KIND_COUNT + kind]!;
    return sum;
  };
  const priority = view.agentPriority;
  const agents = agentsSortedBy(view.agentCount, (a, b) => priority[b]! - priority[a]! || spare(b) - spare(a));
  for (const agent of agents) cycle.offerAgent(agent, queue, (framework) => recency.touch(framework), false);
  return cycle.build();
}

/** Task order: task priority, framework priority, role priority (all descending), then index. */
export function priorityTaskOrder(view: ClusterView, tasks: PendingTaskBatch): Int32Array {
  const order = new Int32Array(tasks.count);
  for (let task = 0; task < tasks.count; task++) order[task] = task;
  const frameworkOf = tasks.frameworkIndex;
  const frameworkPriority = (task: number): number => view.frameworkPriority[frameworkOf[task]!]!;
  const rolePriority = (task: number): number => view.rolePriority[view.frameworkRole[frameworkOf[task]!]!]!;
  return order.sort(
    (a, b) =>
      tasks.priority[b]! - tasks.priority[a]! ||
      frameworkPriority(b) - frameworkPriority(a) ||
      rolePriority(b) - rolePriority(a) ||
      a - b,
  );
}

/** Places the highest-priority tasks first, each on the highest-priority agent that fits. */
export function placeTasksPriority(view: ClusterView, tasks: PendingTaskBatch): PlacementBatch {
  const priority = view.agentPriority;
  const placer = new TaskPlacer(
    view,
    tasks,
    (self) => higherFirst(priority, higherFirst(self.spare, (a, b) => a < b)),
    () => {},
  );
  return { count: tasks.count, agentIndex: placeInOrder(placer, priorityTaskOrder(view, tasks)) };
}

export const priorityPolicy: AllocatorPolicy = {
  name: 'priority',
  allocate: allocatePriority,
  placeTasks: placeTasksPriority,
};
