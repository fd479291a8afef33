/**
 * Hierarchical Dominant Resource Fairness, with the semantics of Mesos's hierarchical
 * allocator (src/master/allocator/mesos/hierarchical.cpp, sorter/drf):
 *
 * - Roles are ordered by weighted dominant share (max over scalar kinds of allocated / cluster
 *   total, divided by the role weight), and inside a role frameworks by their own dominant share
 *   (divided by the framework weight). Lowest first; ties by index.
 * - Stage 1 (quota): while a role's guarantee is unmet, each agent (shuffled) is offered to the
 *   quota roles first, chopped to what moves the role towards its guarantee.
 * - Stage 2 (fair share): agents reshuffled; each agent's remaining unreserved resources go whole
 *   to the lowest-share framework that accepts them; each reservation goes to the lowest-share
 *   framework of its role. Unreserved grants never eat another role's quota headroom.
 * - Suppressed frameworks are not queued; refusal filters and constraints make a framework skip.
 *
 * Shares live in typed arrays re-keyed after every grant, so a cycle is
 * O((agents + frameworks) · log frameworks) plus the skips filters cause.
 *
 * Pure: time as `nowMs`, randomness from `options.rng`.
 */
import { FrameworkQueue, type QueueOrder } from './framework-queue.js';
import { IndexedHeap } from './heap.js';
import type { ResourceLedger } from './ledger.js';
import { agentVisitOrder, OfferCycle, type OfferHook } from './offer-cycle.js';
import { spareFirst, TaskPlacer } from './placement.js';
import type {
  AllocateOptions,
  AllocatorPolicy,
  ClusterView,
  OfferBatch,
  PendingTaskBatch,
  PlacementBatch,
} from './types.js';

/** Current weighted shares, kept in step with a ledger. */
class ShareKeys {
  readonly framework: Float64Array;
  readonly role: Float64Array;
  readonly order: QueueOrder;

  constructor(private readonly ledger: ResourceLedger) {
    const view = ledger.view;
    this.framework = new Float64Array(view.frameworkCount);
    this.role = new Float64Array(view.roleCount);
    for (let framework = 0; framework < view.frameworkCount; framework++) {
      this.framework[framework] = ledger.frameworkShare(framework);
    }
    for (let role = 0; role < view.roleCount; role++) this.role[role] = ledger.roleShare(role);
    const framework = this.framework;
    const role = this.role;
    this.order = {
      frameworkLess: (a, b) => framework[a]! < framework[b]! || (framework[a] === framework[b] && a < b),
      roleCompare: (a, b) => role[a]! - role[b]!,
    };
  }

  /** Re-reads the shares `framework` and its role have after a grant. */
  refresh(framework: number): void {
    this.framework[framework] = this.ledger.frameworkShare(framework);
    const role = this.ledger.view.frameworkRole[framework]!;
    this.role[role] = this.ledger.roleShare(role);
  }
}

function runQuotaStage(cycle: OfferCycle, keys: ShareKeys, options: AllocateOptions): void {
  const view = cycle.view;
  const headroom = cycle.headroom;
  const isQueued = (framework: number): boolean =>
    view.frameworkSuppressed[framework] === 0 && headroom.isUnmet(view.frameworkRole[framework]!);
  const queue = new FrameworkQueue(view, keys.order, isQueued);
  const hook: OfferHook = (framework) => {
    keys.refresh(framework);
    const role = view.frameworkRole[framework]!;
    if (!headroom.isUnmet(role)) queue.closeRole(role);
  };
  for (const agent of agentVisitOrder(view.agentCount, options.rng)) {
    if (queue.isEmpty) return;
    cycle.offerAgent(agent, queue, hook, true);
  }
}

function runFairShareStage(cycle: OfferCycle, keys: ShareKeys, options: AllocateOptions): void {
  const view = cycle.view;
  const queue = new FrameworkQueue(view, keys.order, (framework) => view.frameworkSuppressed[framework] === 0);
  const hook: OfferHook = (framework) => keys.refresh(framework);
  for (const agent of agentVisitOrder(view.agentCount, options.rng)) {
    cycle.offerAgent(agent, queue, hook, false);
  }
}

/** One DRF allocation cycle: the offers to make now. */
export function allocateDrf(view: ClusterView, nowMs: number, options: AllocateOptions): OfferBatch {
  const cycle = new OfferCycle(view, nowMs, options);
  const keys = new ShareKeys(cycle.ledger);
  if (cycle.headroom.hasQuota) runQuotaStage(cycle, keys, options);
  runFairShareStage(cycle, keys, options);
  return cycle.build();
}

/**
 * DRF placement of pending tasks: progressive filling — the framework with the lowest dominant
 * share places its next task (FIFO within a framework) — each on the agent with the most spare
 * capacity that fits it (spreading load).
 */
export function placeTasksDrf(view: ClusterView, tasks: PendingTaskBatch): PlacementBatch {
  let keys: ShareKeys | undefined;
  const placer = new TaskPlacer(view, tasks, spareFirst, (_agent, task) => {
    keys?.refresh(tasks.frameworkIndex[task]!);
  });
  keys = new ShareKeys(placer.ledger);
  const queues = tasksByFramework(view.frameworkCount, tasks);
  const next = new Int32Array(view.frameworkCount);
  const frameworks = new IndexedHeap(view.frameworkCount, keys.order.frameworkLess);
  for (let framework = 0; framework < view.frameworkCount; framework++) {
    if (queues[framework]!.length > 0) frameworks.push(framework);
  }
  while (frameworks.size > 0) {
    const framework = frameworks.pop();
    const queue = queues[framework]!;
    placer.place(queue[next[framework]!++]!);
    if (next[framework]! < queue.length) frameworks.push(framework);
  }
  return { count: tasks.count, agentIndex: placer.agentIndex };
}

function tasksByFramework(frameworkCount: number, tasks: PendingTaskBatch): number[][] {
  const queues: number[][] = Array.from({ length: frameworkCount }, () => []);
  for (let task = 0; task < tasks.count; task++) queues[tasks.frameworkIndex[task]!]!.push(task);
  return queues;
}

export const drfPolicy: AllocatorPolicy = {
  name: 'drf',
  allocate: allocateDrf,
  placeTasks: placeTasksDrf,
};
