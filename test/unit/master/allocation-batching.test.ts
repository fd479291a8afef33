/**
 * Event-triggered allocation cycles are batched: the first trigger after a quiet spell runs at
 * once; triggers within `batchMs` of the last cycle's end share one cycle when the gap is over.
 * While the host holds offers (too many launches waiting to be recorded) cycles make none.
 * Method: the real AllocationLoop on a manual clock, counting cycles by the calls it makes to
 * read the offerable frameworks (the first thing a cycle does).
 */
import { describe, expect, it } from 'vitest';
import type { AllocationLoop } from '../../../src/master/leader/allocation.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { testAllocationLoop } from './allocation-helpers.js';

function loopWith(batchMs: number, holdOffers?: () => boolean): { loop: AllocationLoop; clock: ManualClock; cycles: () => number } {
  const clock = new ManualClock();
  let cycles = 0;
  const loop = testAllocationLoop({
    registry: new RegistryState(),
    clock,
    batchMs,
    offerableFrameworks: () => {
      cycles++;
      return [];
    },
    deliver: () => undefined,
    ...(holdOffers ? { holdOffers } : {}),
  });
  return { loop, clock, cycles: () => cycles };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('allocation batching', () => {
  it('runs the first trigger at once and folds a burst into one cycle after the gap', async () => {
    const { loop, clock, cycles } = loopWith(100);
    loop.trigger();
    await settle();
    expect(cycles()).toBe(1);
    for (let i = 0; i < 5; i++) loop.trigger();
    await settle();
    expect(cycles()).toBe(1);
    clock.advance(99);
    await settle();
    expect(cycles()).toBe(1);
    clock.advance(1);
    await settle();
    expect(cycles()).toBe(2);
    // Quiet for longer than the gap: the next trigger runs at once again.
    clock.advance(500);
    loop.trigger();
    await settle();
    expect(cycles()).toBe(3);
    loop.stop();
  });

  it('makes no offers while the host holds them (a launch backlog), and resumes on the next trigger', async () => {
    let hold = true;
    const { loop, cycles } = loopWith(0, () => hold);
    loop.trigger();
    await settle();
    expect(cycles()).toBe(0);
    hold = false;
    loop.trigger();
    await settle();
    expect(cycles()).toBe(1);
    loop.stop();
  });

  it('with batchMs 0 every trigger after a cycle runs at once', async () => {
    const { loop, cycles } = loopWith(0);
    for (let i = 0; i < 3; i++) {
      loop.trigger();
      await settle();
    }
    expect(cycles()).toBe(3);
    loop.stop();
  });
});
