/**
 * A Clock whose timers all ride one real interval: deadlines are rounded up to the next tick
 * and kept in per-tick buckets. Thousands of simulated agents (heartbeats, task durations,
 * backoffs) then cost one timer in the event loop instead of one each.
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';

interface Entry {
  fn: () => void;
  cancelled: boolean;
}

export class TimerWheel implements Clock {
  private readonly buckets = new Map<number, Entry[]>();
  private pending = 0;
  private interval: NodeJS.Timeout | null = null;
  private lastTick: number;
  private readonly origin = performance.now();

  /** `tickMs`: timer resolution; every timer fires up to one tick late. */
  constructor(private readonly tickMs = 10) {
    this.lastTick = this.tickAt(this.monotonicMs());
  }

  nowMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now() - this.origin;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const entry: Entry = { fn, cancelled: false };
    const tick = Math.max(this.lastTick + 1, Math.ceil((this.monotonicMs() + Math.max(0, delayMs)) / this.tickMs));
    const bucket = this.buckets.get(tick);
    if (bucket) bucket.push(entry);
    else this.buckets.set(tick, [entry]);
    this.pending++;
    this.ensureRunning();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.pending--;
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get size(): number {
    return this.pending;
  }

  /** Stops the interval; timers still pending never fire. */
  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    this.buckets.clear();
    this.pending = 0;
  }

  private ensureRunning(): void {
    if (this.interval) return;
    this.interval = setInterval(() => this.advance(), this.tickMs);
    this.interval.unref();
  }

  private advance(): void {
    const now = this.tickAt(this.monotonicMs());
    // After an idle spell (or a stalled loop) walk the due buckets, not every missed tick.
    const due = now - this.lastTick <= 64
      ? Array.from({ length: now - this.lastTick }, (_, i) => this.lastTick + 1 + i)
      : [...this.buckets.keys()].filter((tick) => tick <= now).sort((a, b) => a - b);
    this.lastTick = now;
    for (const tick of due) {
      const bucket = this.buckets.get(tick);
      if (!bucket) continue;
      this.buckets.delete(tick);
      for (const entry of bucket) {
        if (entry.cancelled) continue;
        entry.cancelled = true;
        this.pending--;
        try {
          entry.fn();
        } catch {
          // A timer callback's failure is its owner's business; the wheel keeps turning.
        }
      }
    }
    if (this.pending === 0 && this.interval) {
      clearInterval(this.interval);
      this.interval = null;
      this.buckets.clear();
    }
  }

  private tickAt(ms: number): number {
    return Math.floor(ms / this.tickMs);
  }
}
