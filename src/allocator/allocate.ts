/**
 * The allocator's entry points: pick a policy by name, run one offer cycle, or place the
 * pending tasks of the Chronos queue. Everything here is pure; the worker and the pool call
 * these same functions, so inline and pooled runs give identical results.
 *
 * Pure: time as `nowMs`, randomness only through `options.rng`.
 */
import { unreachable } from '../lib/assert.js';
import { drfPolicy } from './drf.js';
import { priorityPolicy } from './priority.js';
import { roundRobinPolicy } from './round-robin.js';
import type {
  AllocateOptions,
  AllocatorPolicy,
  ClusterView,
  OfferBatch,
  PendingTaskBatch,
  PlacementBatch,
  PolicyName,
} from './types.js';

export const POLICY_NAMES: readonly PolicyName[] = ['drf', 'round-robin', 'priority'];

export function policyByName(name: PolicyName): AllocatorPolicy {
  switch (name) {
    case 'drf':
      return drfPolicy;
    case 'round-robin':
      return roundRobinPolicy;
    case 'priority':
      return priorityPolicy;
    default:
      return unreachable(name, 'unknown allocator policy');
  }
}

/** One allocation cycle: the offers to send now. */
export function allocate(
  view: ClusterView,
  policy: AllocatorPolicy,
  nowMs: number,
  options: AllocateOptions = {},
): OfferBatch {
  return policy.allocate(view, nowMs, options);
}

/** Which agent each pending task (a due Chronos run, say) goes to; -1 = not this cycle. */
export function placeTasks(view: ClusterView, pendingTasks: PendingTaskBatch, policy: AllocatorPolicy): PlacementBatch {
  return policy.placeTasks(view, pendingTasks);
}
