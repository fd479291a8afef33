/**
 * The stall watchdog reports a timer that fired later than the threshold, with how late, and
 * nothing for a timer on time. Method: a fake clock whose single pending timer the test fires
 * by hand at a chosen time, as a blocked event loop would fire it late.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../../src/lib/clock.js';
import { watchLoopStalls } from '../../../src/lib/loop-stalls.js';

class HandFiredClock implements Clock {
  now = 0;
  pending: (() => void) | null = null;
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimer(_delayMs: number, fn: () => void): TimerHandle {
    this.pending = fn;
    return { cancel: () => (this.pending = null) };
  }
  fireAt(ms: number): void {
    this.now = ms;
    const fn = this.pending;
    this.pending = null;
    fn?.();
  }
}

describe('watchLoopStalls', () => {
  it('reports only timers that fire later than the threshold, by how late', () => {
    const clock = new HandFiredClock();
    const stalls: number[] = [];
    const watch = watchLoopStalls(clock, { everyMs: 50, thresholdMs: 100, onStall: (ms) => stalls.push(ms) });
    clock.fireAt(50); // on time
    clock.fireAt(180); // 80 ms late: under the threshold
    clock.fireAt(580); // due at 230: 350 ms late
    clock.fireAt(630); // on time again
    expect(stalls).toEqual([350]);
    expect(watch.count).toBe(1);
    expect(watch.longestMs).toBe(350);
    watch.stop();
    expect(clock.pending).toBeNull();
  });
});
