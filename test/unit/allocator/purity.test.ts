/**
 * The allocator's pure modules stay pure. Goal: every file in src/allocator except the Piscina
 * shell (worker.ts, pool.ts) imports nothing from node:* or piscina, imports the shared Rng
 * only as a type (src/lib/rng.ts itself imports node:crypto), and never reads a clock, draws
 * Math.random, sets a timer, or touches process/console. Method: read each source, strip
 * comments, and match forbidden patterns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const folder = resolve(import.meta.dirname, '../../../src/allocator');
const shells = new Set(['worker.ts', 'pool.ts']);
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/from ['"]piscina['"]/, 'piscina import'],
  [/^import \{[^}]*\} from ['"][^'"]*lib\/rng\.js['"]/m, 'runtime import of lib/rng (pulls node:crypto)'],
  [/Date\.now\(|new Date\(\)|performance\.now\(/, 'clock read'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\.|\bconsole\./, 'process or console'],
];

describe('allocator purity', () => {
  const files = readdirSync(folder).filter((name) => name.endsWith('.ts') && !shells.has(name));

  it('finds the core modules', () => {
    expect(files).toEqual(expect.arrayContaining(['drf.ts', 'round-robin.ts', 'priority.ts', 'pack.ts', 'types.ts']));
  });

  it.each(files)('%s has no I/O, clock, randomness or globals', (name) => {
    const source = readFileSync(join(folder, name), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});
