/**
 * TurnBudget: a burst of admitted work is spread over event-loop turns, a budget's worth per
 * turn, and other callbacks run in between (what keeps Raft heartbeats going under a flood of calls).
 * Method: a fake monotonic clock that each admitted task moves on by 4 ms; the order of the
 * tasks and of a callback re-queued every turn is recorded.
 */
import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../../../src/lib/turn-budget.js';

describe('TurnBudget', () => {
  it('admits a budget per turn and lets other callbacks run between turns', async () => {
    let now = 0;
    const budget = new TurnBudget({ monotonicMs: () => now }, 10);
    const order: string[] = [];
    const tasks = Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        await budget.admit();
        order.push(`t${i}`);
        now += 4;
      }),
    );
    // Another callback of every turn (queued after the budget's first drain).
    let observing = true;
    const observe = (): void => {
      if (!observing) return;
      order.push('turn');
      setImmediate(observe);
    };
    setImmediate(observe);
    await tasks;
    observing = false;
    // 0, 4, 8 ms fit in a turn; the fourth waits for the next one, after the other callback.
    expect(order.slice(0, 9)).toEqual(['t0', 't1', 't2', 'turn', 't3', 't4', 't5', 'turn', 't6']);
    expect(budget.queued).toBe(0);
  });

  it('admits at least one caller per turn even when one alone exceeds the budget', async () => {
    let now = 0;
    const budget = new TurnBudget({ monotonicMs: () => now }, 10);
    const done: number[] = [];
    await Promise.all([0, 1, 2].map(async (i) => {
      await budget.admit();
      now += 50;
      done.push(i);
    }));
    expect(done).toEqual([0, 1, 2]);
  });
});
