/**
 * Goal: the registry reducer and the pure leader helpers stay pure (DESIGN rule 1) — no node:*
 * imports, no clocks, randomness, timers or globals. Method: scan their sources (comments
 * stripped) for forbidden tokens with test/helpers/purity.ts, as test/unit/purity.test.ts does
 * for the other cores.
 */
import { describe } from 'vitest';
import { itIsPure, tsFilesUnder } from '../../helpers/purity.js';

describe('registry purity', () => {
  itIsPure([...tsFilesUnder('src/master/registry'), 'src/master/leader/offers.ts', 'src/master/leader/events.ts', 'src/master/leader/task-info.ts']);
});
