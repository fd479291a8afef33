/**
 * Goal: the job store and the API's response shapes stay pure (DESIGN rule 1): every replica must
 * apply `job.*` commands identically, so the store may depend only on its commands (time travels
 * inside them), and views only format what they are given.
 * Method: scan the sources (comments stripped) for clocks, randomness, timers and I/O.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../../..');
const files = ['src/chronos/state/jobs.ts', 'src/chronos/state/jobs-commands.ts', 'src/chronos/state/jobs-search.ts', 'src/chronos/api/views.ts'];
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/from ['"](classic-level|level|fastify)['"]/, 'I/O library import'],
  [/Date\.now\(/, 'Date.now()'],
  [/new Date\(\)/, 'new Date() without an argument'],
  [/performance\.now\(/, 'performance.now()'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\./, 'process'],
  [/\bconsole\./, 'console'],
  [/\bfetch\(/, 'fetch'],
];

describe('the job store and API views are pure', () => {
  it.each(files)('%s', (file) => {
    const source = readFileSync(resolve(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});
