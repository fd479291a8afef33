/**
 * Goal: the registry reducer and the pure leader helpers stay pure (DESIGN rule 1) — no node:*
 * imports, no clocks, randomness, timers or globals. Method: scan their sources (comments
 * stripped) for forbidden tokens, as test/unit/purity.test.ts does for the other cores.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const registry = readdirSync(join(root, 'src/master/registry')).filter((f) => f.endsWith('.ts')).map((f) => `src/master/registry/${f}`);
const files = [...registry, 'src/master/leader/offers.ts', 'src/master/leader/events.ts', 'src/master/leader/task-info.ts'];
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/Date\.now\(|new Date\(\)|performance\.now\(/, 'clock'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\.|\bconsole\./, 'process/console'],
];

describe('registry purity', () => {
  it.each(files)('%s uses no I/O, clock, randomness or globals', (file) => {
    const source = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});
