/**
 * Goal: the pure cores stay pure (DESIGN rule 1): no node:* imports, no I/O libraries, no wall
 * clock, no Math.random, no timers, no process or console. A rule nobody checks is a wish.
 * Method: scan the source of every core module for forbidden tokens (test/helpers/purity.ts).
 */
import { describe, expect, it } from 'vitest';
import { itIsPure, projectIoLibraries, tsFilesUnder } from '../helpers/purity.js';

/** Core folders and files; shells (storage, transport, driver, pool, worker) are excluded. */
const corePaths = ['src/raft/core', 'src/chronos/schedule', 'src/chronos/model', 'src/chronos/dag.ts', 'src/chronos/dag-firing.ts', 'src/chronos/dag-export.ts', 'src/allocator/drf.ts', 'src/allocator/round-robin.ts', 'src/allocator/priority.ts', 'src/allocator/types.ts', 'src/master/state', 'src/actors', 'src/agent/core.ts', 'src/agent/update-streams.ts', 'src/agent/sandbox-gc.ts', 'src/agent/types.ts', 'src/agent/health-check.ts'];

describe('pure cores', () => {
  const files = tsFilesUnder(...corePaths);

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  itIsPure(files, { also: [projectIoLibraries] });
});
