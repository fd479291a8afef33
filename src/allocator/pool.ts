/**
 * The leader's handle on the allocator (a shell). In `pool` mode each cycle runs in a one-thread
 * Piscina pool: the view's buffers are transferred in (the caller's copies are detached), the
 * offers' buffers are transferred back, and the event loop stays free for heartbeats and Raft.
 * In `inline` mode the same `runAllocatorTask` runs on the calling thread — for tests and for
 * the pool-vs-inline comparison.
 *
 * Never two cycles in flight: a call while one runs is refused with ConflictError (check
 * `isBusy` first; Mesos likewise coalesces allocation triggers instead of queueing them). A
 * pooled cycle that exceeds `timeoutMs` is aborted (Piscina replaces the worker) and rejected
 * with TimeoutError. An inline cycle cannot be interrupted.
 */
import { Piscina } from 'piscina';
import { ConflictError, TimeoutError } from '../lib/errors.js';
import { transferListOf } from './pack.js';
import type { ClusterView, OfferBatch, PendingTaskBatch, PlacementBatch, PolicyName } from './types.js';
import { runAllocatorTask, type AllocateTask, type AllocatorResult, type AllocatorTask } from './worker.js';

export interface AllocatorPoolOptions {
  readonly mode: 'pool' | 'inline';
  /** Abort a pooled cycle after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** The compiled worker module; defaults to worker.js next to this file. */
  readonly workerUrl?: URL;
}

/** Offers plus how long the policy itself took (excluding transfer and queueing). */
export interface CycleResult<T> {
  readonly value: T;
  readonly computeMs: number;
  /** Process CPU time over the policy call (steadier than wall time on a busy machine). */
  readonly computeCpuMs: number;
}

export type AllocateRequest = Omit<AllocateTask, 'kind'>;

const DEFAULT_TIMEOUT_MS = 10_000;

export class AllocatorPool {
  private readonly piscina: Piscina | null;
  private readonly timeoutMs: number;
  private busy = false;

  constructor(options: AllocatorPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.piscina =
      options.mode === 'inline'
        ? null
        : new Piscina({
            // Beside this module both in dist/src/allocator and in the bundle (scripts/bundle.mjs).
            filename: (options.workerUrl ?? new URL('./worker.js', import.meta.url)).href,
            minThreads: 1,
            maxThreads: 1,
            idleTimeout: Infinity,
          });
  }

  get mode(): 'pool' | 'inline' {
    return this.piscina === null ? 'inline' : 'pool';
  }

  /** True while a cycle is in flight. */
  get isBusy(): boolean {
    return this.busy;
  }

  /**
   * One offer cycle. In pool mode a plain view's buffers are transferred (detached here): build a
   * fresh one per cycle — or keep one view from `toSharedView`, which the worker reads in place,
   * and leave it unchanged while `isBusy`. `timeoutMs` overrides the pool's default.
   */
  async allocate(request: AllocateRequest, timeoutMs = this.timeoutMs): Promise<CycleResult<OfferBatch>> {
    const result = await this.run({ kind: 'allocate', ...request }, request.view, timeoutMs);
    if (result.kind !== 'allocate') throw new TypeError('allocator worker answered the wrong kind');
    return { value: result.offers, computeMs: result.computeMs, computeCpuMs: result.computeCpuMs };
  }

  /** Places pending tasks (the Chronos queue of due runs). */
  async placeTasks(view: ClusterView, tasks: PendingTaskBatch, policy: PolicyName): Promise<CycleResult<PlacementBatch>> {
    const result = await this.run({ kind: 'place', policy, view, tasks }, { view, tasks }, this.timeoutMs);
    if (result.kind !== 'place') throw new TypeError('allocator worker answered the wrong kind');
    return { value: result.placement, computeMs: result.computeMs, computeCpuMs: result.computeCpuMs };
  }

  private async run(task: AllocatorTask, transferable: object, timeoutMs: number): Promise<AllocatorResult> {
    if (this.busy) throw new ConflictError('allocation cycle already in flight');
    this.busy = true;
    try {
      if (this.piscina === null) return runAllocatorTask(task);
      return await this.runPooled(this.piscina, task, transferable, timeoutMs);
    } finally {
      this.busy = false;
    }
  }

  private async runPooled(
    piscina: Piscina,
    task: AllocatorTask,
    transferable: object,
    timeoutMs: number,
  ): Promise<AllocatorResult> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const transferList = transferListOf(transferable);
      return (await piscina.run(task, { transferList, signal: abort.signal })) as AllocatorResult;
    } catch (error) {
      if (abort.signal.aborted) {
        throw new TimeoutError(`allocation cycle exceeded ${timeoutMs} ms`, { timeoutMs });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.piscina?.destroy();
  }
}
