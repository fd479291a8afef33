/**
 * Book-keeping for callers waiting on the log: proposals waiting to be applied (by index and
 * term) and linearizable reads waiting for their ReadIndex round and for apply to catch up.
 * Every waiter is bounded by a deadline and is rejected, never forgotten.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import { LeadershipLostError, TimeoutError } from '../lib/errors.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

interface ProposalWaiter extends Waiter<unknown> {
  term: number;
}

/** Proposals keyed by log index; resolved when that index is applied with the same term. */
export class PendingProposals {
  private readonly byIndex = new Map<number, ProposalWaiter>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.byIndex.size;
  }

  wait(index: number, term: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.byIndex.delete(index);
        reject(new TimeoutError(`proposal at index ${index} not applied within ${timeoutMs} ms`, { index, term }));
      });
      this.byIndex.set(index, { resolve, reject, timer, term });
    });
  }

  /** An entry was applied: its proposer learns the result, or that its entry was replaced. */
  applied(index: number, term: number, result: unknown): void {
    const waiter = this.byIndex.get(index);
    if (!waiter) return;
    this.byIndex.delete(index);
    waiter.timer.cancel();
    if (waiter.term === term) waiter.resolve(result);
    else
      waiter.reject(
        new LeadershipLostError(`entry ${index} was replaced by a later leader (proposed in term ${waiter.term}, applied from term ${term})`, {
          index,
        }),
      );
  }

  /** Leadership ended: outcomes are unknown; callers must retry (idempotently) elsewhere. */
  rejectAll(reason: string): void {
    for (const [index, waiter] of this.byIndex) {
      waiter.timer.cancel();
      waiter.reject(new LeadershipLostError(`${reason}; the proposal at index ${index} may or may not commit`, { index }));
    }
    this.byIndex.clear();
  }
}

interface ReadWaiter extends Waiter<void> {
  /** Set once the ReadIndex round confirmed leadership. */
  readIndex: number | null;
}

/** Reads batched into ReadIndex rounds; each resolves once applied ≥ its read index. */
export class PendingReads {
  private queued: ReadWaiter[] = [];
  private readonly rounds = new Map<string, ReadWaiter[]>();
  private readonly waitingApply: ReadWaiter[] = [];
  private nextRound = 1;

  constructor(private readonly clock: Clock) {}

  enqueue(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: ReadWaiter = {
        resolve,
        reject,
        readIndex: null,
        timer: this.clock.setTimer(timeoutMs, () => {
          this.drop(waiter);
          reject(new TimeoutError(`linearizable read not confirmed within ${timeoutMs} ms`));
        }),
      };
      this.queued.push(waiter);
    });
  }

  /** Takes every queued read into one new round; returns its context, or null if none queued. */
  startRound(): Uint8Array | null {
    if (this.queued.length === 0) return null;
    const id = `r${this.nextRound++}`;
    this.rounds.set(id, this.queued);
    this.queued = [];
    return Buffer.from(id);
  }

  /** The round was confirmed by a quorum at `index`. */
  confirmed(context: Uint8Array, index: number, appliedIndex: number): void {
    const id = Buffer.from(context).toString();
    const waiters = this.rounds.get(id);
    if (!waiters) return;
    this.rounds.delete(id);
    for (const waiter of waiters) {
      waiter.readIndex = index;
      this.waitingApply.push(waiter);
    }
    this.appliedTo(appliedIndex);
  }

  appliedTo(appliedIndex: number): void {
    let kept = 0;
    for (const waiter of this.waitingApply) {
      if (waiter.readIndex !== null && waiter.readIndex <= appliedIndex) {
        waiter.timer.cancel();
        waiter.resolve();
      } else this.waitingApply[kept++] = waiter;
    }
    this.waitingApply.length = kept;
  }

  rejectAll(makeError: () => Error): void {
    const all = [...this.queued, ...this.waitingApply, ...[...this.rounds.values()].flat()];
    this.queued = [];
    this.waitingApply.length = 0;
    this.rounds.clear();
    for (const waiter of all) {
      waiter.timer.cancel();
      waiter.reject(makeError());
    }
  }

  private drop(waiter: ReadWaiter): void {
    this.queued = this.queued.filter((w) => w !== waiter);
    const at = this.waitingApply.indexOf(waiter);
    if (at >= 0) this.waitingApply.splice(at, 1);
    for (const [id, waiters] of this.rounds) {
      const i = waiters.indexOf(waiter);
      if (i >= 0) waiters.splice(i, 1);
      if (waiters.length === 0) this.rounds.delete(id);
    }
  }
}
