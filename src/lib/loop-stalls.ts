/**
 * Event-loop stall watchdog: a timer that expects to fire every `everyMs` and reports each time
 * it fired late by more than `thresholdMs`. A replica whose loop stalls for longer than the Raft
 * election timeout loses (or cannot win) leadership, so operators need to see such stalls next
 * to the elections they cause. It costs one timer callback per interval; stop() it on shutdown.
 */
import type { Clock, TimerHandle } from './clock.js';

export interface LoopStallWatch {
  stop(): void;
  /** Longest stall seen since the watch started, in ms. */
  readonly longestMs: number;
  /** Stalls reported so far. */
  readonly count: number;
}

export function watchLoopStalls(clock: Clock, options: { everyMs: number; thresholdMs: number; onStall(stalledMs: number): void }): LoopStallWatch {
  let expected = clock.monotonicMs() + options.everyMs;
  let timer: TimerHandle | null = null;
  let stopped = false;
  const watch = { longestMs: 0, count: 0, stop: () => { stopped = true; timer?.cancel(); } };
  const arm = (): void => {
    if (stopped) return;
    timer = clock.setTimer(options.everyMs, () => {
      const now = clock.monotonicMs();
      const late = now - expected;
      expected = now + options.everyMs;
      if (late > options.thresholdMs) {
        watch.count++;
        watch.longestMs = Math.max(watch.longestMs, late);
        options.onStall(late);
      }
      arm();
    });
  };
  arm();
  return watch;
}
