/**
 * Goal: the run side's pure cores stay pure (DESIGN rule 1) — the `run` state part and the
 * packing / task-info / task-state mappers use no node:* imports, clocks, randomness, timers or
 * globals. Method: scan their sources (comments stripped) for forbidden tokens.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../../..');
const files = [
  'src/chronos/state/runs.ts',
  'src/chronos/state/runs-types.ts',
  'src/chronos/state/runs-stats.ts',
  'src/chronos/runner/packing.ts',
  'src/chronos/runner/task-info.ts',
  'src/chronos/runner/task-status.ts',
];
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/Date\.now\(|new Date\(\)|performance\.now\(/, 'clock'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\.|\bconsole\./, 'process/console'],
];

describe('chronos run-side purity', () => {
  it.each(files)('%s uses no I/O, clock, randomness or globals', (file) => {
    const source = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});
