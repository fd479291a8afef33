/**
 * A service `Clock` over the simulator's event queue: wall time is `epochMs` + virtual time, and
 * timers are SimClock events. `alive` gates every timer: a killed process's timers never fire
 * (the process is gone) without its code having to cancel them.
 */
import type { Clock, TimerHandle } from '../../../src/lib/clock.js';
import type { SimClock } from './sim-clock.js';

export class VirtualClock implements Clock {
  constructor(
    private readonly sim: SimClock<() => void>,
    private readonly epochMs: number,
    private readonly alive: () => boolean = () => true,
  ) {}

  nowMs(): number {
    return this.epochMs + this.sim.now;
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
