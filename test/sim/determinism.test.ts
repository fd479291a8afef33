/**
 * A failing seed is only useful if it replays exactly. Goal: the whole simulated run is a pure
 * function of the seed. Method: run a handful of seeds twice, with tracing on, and require
 * identical traces and statistics; and check that different seeds really do differ.
 */
import { expect, test } from 'vitest';
import { runSeed } from './harness/run-seed.js';

test('the same seed replays the same run, event for event', () => {
  for (const seed of [3, 17, 256]) {
    const first = runSeed(seed, { traceLines: 100_000 });
    const second = runSeed(seed, { traceLines: 100_000 });
    expect(second.stats).toEqual(first.stats);
    expect(second.trace).toBe(first.trace);
    expect(first.trace.length).toBeGreaterThan(0);
  }
});

test('different seeds give different runs', () => {
  const traces = new Set([5, 6, 7].map((seed) => runSeed(seed, { traceLines: 100_000 }).trace));
  expect(traces.size).toBe(3);
});
