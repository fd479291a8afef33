/**
 * Time as an injected dependency. Pure cores never read the wall clock; shells receive a
 * Clock so that tests and the simulator can drive time themselves. This file and
 * SystemClock are the only places allowed to touch Date.now and timers directly.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (for timestamps that travel in commands). */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring durations. */
  monotonicMs(): number;
  /** Calls `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
  monotonicMs(): number {
    return performance.now();
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const handle = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(handle) };
  }
}
