/**
 * Round-robin, the classic way: each pending task goes to the agent that has been idle
 * longest among those that fit it, and that agent then counts as just used (its idle time
 * resets, so it moves to the back). Idle times sit in a binary heap, so placing n tasks on m
 * agents costs O(n log m) when most agents fit most tasks.
 *
 * The same rule orders offers: agents are visited idle-longest first, and each goes to the
 * framework that was offered least recently (a flat order over all roles), which then moves to
 * the back. Reservations still go only to their role's frameworks. No quota stage: round-robin
 * ignores fairness by design, but it keeps the quota headroom the offer engine enforces.
 *
 * Pure: time as `nowMs` (the "just used" stamp).
 */
import { FrameworkQueue } from './framework-queue.js';
import type { LessThan } from './heap.js';
import { agentsSortedBy, OfferCycle } from './offer-cycle.js';
import { placeInOrder, TaskPlacer } from './placement.js';
import type {
  AllocateOptions,
  AllocatorPolicy,
  ClusterView,
  OfferBatch,
  PendingTaskBatch,
  PlacementBatch,
} from './types.js';

/**
 * Keys that move an item to the back when it is used: each use stamps a value later than every
 * key seen so far, so order among used items is the order of use.
 */
export class RecencyKeys {
  readonly keys: Float64Array;
  private latest: number;
  readonly oldestFirst: LessThan;

  constructor(initial: Float64Array, nowMs: number) {
    this.keys = initial.slice();
    this.latest = nowMs;
    for (const key of this.keys) this.latest = Math.max(this.latest, key);
    const keys = this.keys;
    this.oldestFirst = (a, b) => keys[a]! < keys[b]! || (keys[a] === keys[b] && a < b);
  }

  touch(id: number): void {
    this.latest += 1;
    this.keys[id] = this.latest;
  }
}

/** One round-robin offer cycle. */
export function allocateRoundRobin(view: ClusterView, nowMs: number, options: AllocateOptions): OfferBatch {
  const cycle = new OfferCycle(view, nowMs, options);
  const frameworks = new RecencyKeys(view.frameworkLastOfferMs, nowMs);
  const queue = new FrameworkQueue(
    view,
    { frameworkLess: frameworks.oldestFirst },
    (framework) => view.frameworkSuppressed[framework] === 0,
  );
  const idle = view.agentIdleSinceMs;
  const agents = agentsSortedBy(view.agentCount, (a, b) => idle[a]! - idle[b]!);
  for (const agent of agents) cycle.offerAgent(agent, queue, (framework) => frameworks.touch(framework), false);
  return cycle.build();
}

/** Places pending tasks in their given (queue) order, each on the idle-longest agent that fits. */
export function placeTasksRoundRobin(view: ClusterView, tasks: PendingTaskBatch): PlacementBatch {
  const agents = new RecencyKeys(view.agentIdleSinceMs, 0);
  const placer = new TaskPlacer(view, tasks, () => agents.oldestFirst, (agent) => agents.touch(agent));
  const order = new Int32Array(tasks.count);
  for (let task = 0; task < tasks.count; task++) order[task] = task;
  return { count: tasks.count, agentIndex: placeInOrder(placer, order) };
}

export const roundRobinPolicy: AllocatorPolicy = {
  name: 'round-robin',
  allocate: allocateRoundRobin,
  placeTasks: placeTasksRoundRobin,
};
