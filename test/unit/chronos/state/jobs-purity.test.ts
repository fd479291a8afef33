/**
 * Goal: the job store and the API's response shapes stay pure (DESIGN rule 1): every replica must
 * apply `job.*` commands identically, so the store may depend only on its commands (time travels
 * inside them), and views only format what they are given.
 * Method: scan the sources (comments stripped) for clocks, randomness, timers, fetch and I/O
 * (test/helpers/purity.ts).
 */
import { describe } from 'vitest';
import { ioLibraries, itIsPure } from '../../../helpers/purity.js';

describe('the job store and API views are pure', () => {
  itIsPure(['src/chronos/state/jobs.ts', 'src/chronos/state/jobs-commands.ts', 'src/chronos/state/jobs-search.ts', 'src/chronos/api/views.ts'], {
    title: '%s',
    also: [ioLibraries('classic-level', 'level', 'fastify'), [/\bfetch\(/, 'fetch']],
  });
});
