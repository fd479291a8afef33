/**
 * Virtual time for the master simulation: one SimClock of callbacks, and Clocks over it for
 * each process. A process's clock is gated by its liveness: a killed master's timers never fire
 * (the process is gone), without the dead code having to cancel them.
 */
import type { Clock, TimerHandle } from '../../../src/lib/clock.js';
import { SimClock } from '../harness/sim-clock.js';

export type SimEvent = () => void;
export type Sim = SimClock<SimEvent>;

/** Virtual time 0 as wall-clock time (timestamps in commands are epoch milliseconds). */
export const EPOCH_MS = Date.parse('2026-04-01T00:00:00Z');

export class VirtualClock implements Clock {
  constructor(
    private readonly sim: Sim,
    private readonly alive: () => boolean = () => true,
  ) {}

  nowMs(): number {
    return EPOCH_MS + this.sim.now;
  }

  monotonicMs(): number {
    return this.sim.now;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    let live = true;
    this.sim.after(delayMs, () => {
      if (live && this.alive()) fn();
    });
    return { cancel: () => (live = false) };
  }
}
