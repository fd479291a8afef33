/**
 * Virtual time for the master simulation: one SimClock of callbacks, and Clocks over it for
 * each process. A process's clock is gated by its liveness: a killed master's timers never fire
 * (the process is gone), without the dead code having to cancel them.
 */
import type { SimClock } from '../harness/sim-clock.js';
import { VirtualClock as EpochClock } from '../harness/virtual-clock.js';

export type SimEvent = () => void;
export type Sim = SimClock<SimEvent>;

/** Virtual time 0 as wall-clock time (timestamps in commands are epoch milliseconds). */
export const EPOCH_MS = Date.parse('2026-04-01T00:00:00Z');

/** A master-simulation process's clock (see harness/virtual-clock.ts). */
export class VirtualClock extends EpochClock {
  constructor(sim: Sim, alive?: () => boolean) {
    super(sim, EPOCH_MS, alive);
  }
}
