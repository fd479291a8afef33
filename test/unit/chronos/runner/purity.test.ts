/**
 * Goal: the run side's pure cores stay pure (DESIGN rule 1) — the `run` state part and the
 * packing / task-info / task-state mappers use no node:* imports, clocks, randomness, timers or
 * globals. Method: scan their sources (comments stripped) for forbidden tokens
 * (test/helpers/purity.ts).
 */
import { describe } from 'vitest';
import { itIsPure } from '../../../helpers/purity.js';

describe('chronos run-side purity', () => {
  itIsPure([
    'src/chronos/state/runs.ts',
    'src/chronos/state/runs-types.ts',
    'src/chronos/state/runs-stats.ts',
    'src/chronos/runner/packing.ts',
    'src/chronos/runner/task-info.ts',
    'src/chronos/runner/task-status.ts',
  ]);
});
