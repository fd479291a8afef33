/**
 * The simulated agents' shared timer wheel.
 * Goal: timers fire no earlier than asked, in deadline order, cancelled ones never; thousands
 * of timers ride one interval; a timer set from a callback fires on a later tick.
 * Method: real time with short delays; assertions on order and on "not before", never on speed.
 */
import { describe, expect, it } from 'vitest';
import { TimerWheel } from '../../../src/agent/sim/timer-wheel.js';

const until = (check: () => boolean, ms = 10_000) =>
  new Promise<void>((resolve, reject) => {
    const end = Date.now() + ms;
    const poll = () => (check() ? resolve() : Date.now() > end ? reject(new Error('timed out')) : setTimeout(poll, 5));
    poll();
  });

describe('TimerWheel', () => {
  it('fires in deadline order, not early, and skips cancelled timers', async () => {
    const wheel = new TimerWheel(5);
    const fired: Array<[number, number]> = [];
    const start = wheel.monotonicMs();
    for (const delay of [60, 20, 40, 0]) wheel.setTimer(delay, () => fired.push([delay, wheel.monotonicMs() - start]));
    const cancelled = wheel.setTimer(30, () => fired.push([-1, 0]));
    cancelled.cancel();
    await until(() => fired.length === 4);
    expect(fired.map(([d]) => d)).toEqual([0, 20, 40, 60]);
    for (const [delay, at] of fired) expect(at).toBeGreaterThanOrEqual(delay - 1);
    expect(wheel.size).toBe(0);
    wheel.stop();
  });

  it('carries thousands of timers and timers set from callbacks', async () => {
    const wheel = new TimerWheel(5);
    let count = 0;
    for (let i = 0; i < 5_000; i++) wheel.setTimer(i % 50, () => count++);
    let chained = false;
    wheel.setTimer(1, () => wheel.setTimer(0, () => (chained = true)));
    await until(() => count === 5_000 && chained);
    wheel.stop();
  });
});
