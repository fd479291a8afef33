/**
 * The allocator's Piscina worker entry (a shell: it may use node modules). It receives a task
 * whose typed arrays were transferred (not copied) from the leader's thread, runs the pure
 * policy, and hands the result's buffers back the same way.
 *
 * `runAllocatorTask` is also what the pool's inline mode calls on the main thread, so pooled
 * and inline cycles run exactly the same code.
 */
import { performance } from 'node:perf_hooks';
import { move } from 'piscina';
import { SeededRng } from '../lib/rng.js';
import { allocate, placeTasks, policyByName } from './allocate.js';
import { transferListOf } from './pack.js';
import type { ClusterView, OfferBatch, PendingTaskBatch, PlacementBatch, PolicyName } from './types.js';

/** One offer cycle to run. */
export interface AllocateTask {
  readonly kind: 'allocate';
  readonly policy: PolicyName;
  readonly view: ClusterView;
  readonly nowMs: number;
  /** Seeds the per-stage agent shuffle; absent = index order. */
  readonly shuffleSeed?: number;
  readonly minAllocatableCpus?: number;
  readonly minAllocatableMemMb?: number;
}

/** One placement of pending tasks to run. */
export interface PlaceTask {
  readonly kind: 'place';
  readonly policy: PolicyName;
  readonly view: ClusterView;
  readonly tasks: PendingTaskBatch;
}

export type AllocatorTask = AllocateTask | PlaceTask;

/**
 * `computeMs` is wall time of the policy call; `computeCpuMs` is the process's CPU time over the
 * same span — the steadier figure on a shared machine (it includes GC helper threads).
 */
export type AllocatorResult =
  | { readonly kind: 'allocate'; readonly offers: OfferBatch; readonly computeMs: number; readonly computeCpuMs: number }
  | { readonly kind: 'place'; readonly placement: PlacementBatch; readonly computeMs: number; readonly computeCpuMs: number };

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Runs one task on the current thread. */
export function runAllocatorTask(task: AllocatorTask): AllocatorResult {
  const startedMs = performance.now();
  const startedCpu = process.cpuUsage();
  const policy = policyByName(task.policy);
  if (task.kind === 'place') {
    const placement = placeTasks(task.view, task.tasks, policy);
    return { kind: 'place', placement, computeMs: performance.now() - startedMs, computeCpuMs: cpuMsSince(startedCpu) };
  }
  const offers = allocate(task.view, policy, task.nowMs, {
    ...(task.shuffleSeed === undefined ? {} : { rng: new SeededRng(task.shuffleSeed) }),
    ...(task.minAllocatableCpus === undefined ? {} : { minAllocatableCpus: task.minAllocatableCpus }),
    ...(task.minAllocatableMemMb === undefined ? {} : { minAllocatableMemMb: task.minAllocatableMemMb }),
  });
  return { kind: 'allocate', offers, computeMs: performance.now() - startedMs, computeCpuMs: cpuMsSince(startedCpu) };
}

/** A result whose typed arrays travel back to the caller by transfer. */
class TransferableResult {
  constructor(private readonly result: AllocatorResult) {}

  get [Symbol.for('Piscina.transferable')](): ArrayBuffer[] {
    return transferListOf(this.result.kind === 'allocate' ? this.result.offers : this.result.placement);
  }

  get [Symbol.for('Piscina.valueOf')](): AllocatorResult {
    return this.result;
  }
}

/** Piscina calls the default export with each task. */
export default function handleAllocatorTask(task: AllocatorTask): unknown {
  return move(new TransferableResult(runAllocatorTask(task)) as never);
}
