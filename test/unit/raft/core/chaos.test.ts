/**
 * A small chaos check of the whole core (the full randomized simulator lives in test/sim; this
 * one keeps the core honest while it is edited). Method: fast-check drives four nodes (three
 * founders and one that joins empty) through random ticks, proposals, membership changes,
 * transfers, reads, compactions, restarts and partitions, while messages are dropped,
 * duplicated and reordered. Checked throughout: one leader per term (in the harness), applied
 * sequences agree index by index, and every ReadIndex answer covers everything committed
 * anywhere when the read was asked. At the end, after healing, a leader exists and a new
 * proposal reaches every voter.
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { action, makeWorld, run, settle } from './chaos-world.js';

describe('chaos', () => {
  test.prop([fc.nat(), fc.array(action, { minLength: 200, maxLength: 800 })], { numRuns: Number(process.env.CHAOS_RUNS ?? 25), endOnFailure: process.env.CHAOS_RUNS !== undefined })(
    'safety under random faults, then liveness once healed',
    (seed, actions) => {
      const { net, checker, rng, counter } = makeWorld(seed);
      for (const a of actions) {
        run(net, checker, rng, a, counter);
        checker.check();
      }
      settle(net, checker);
    },
    // More runs (CHAOS_RUNS=5000) for a local soak need more than the default test timeout.
    600_000,
  );
});
