/**
 * Spreads a burst of work over event-loop turns. A flood of requests (5,000 agents or ACCEPTs
 * at once) arrives in one poll phase; handled as it arrives, it would run for seconds before
 * timers fire, and the Raft loop would miss its heartbeats and lose its leadership. Work that
 * waits for `admit()` instead runs a budget's worth per turn, with timers and sockets served in
 * between.
 */
import type { Clock } from './clock.js';

export class TurnBudget {
  private readonly waiting: Array<() => void> = [];
  private draining = false;
  private turnStartedMs = Number.NEGATIVE_INFINITY;

  /** `budgetMs`: admitted work per event-loop turn before the rest waits for the next turn. */
  constructor(private readonly clock: Pick<Clock, 'monotonicMs'>, private readonly budgetMs = 10) {}

  /**
   * Resolves when the caller may go on. Its synchronous work up to its next `await` counts
   * against the turn's budget.
   */
  admit(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Callers waiting for a turn (metrics, tests). */
  get queued(): number {
    return this.waiting.length;
  }

  private async drain(): Promise<void> {
    this.turnStartedMs = this.clock.monotonicMs();
    while (this.waiting.length > 0 && this.clock.monotonicMs() - this.turnStartedMs < this.budgetMs) {
      this.waiting.shift()!();
      // The admitted caller's continuation runs before ours: its synchronous part is measured.
      await null;
    }
    if (this.waiting.length > 0) setImmediate(() => void this.drain());
    else this.draining = false;
  }
}
