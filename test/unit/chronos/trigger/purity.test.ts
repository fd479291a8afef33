/**
 * Goal: the trigger core stays pure (DESIGN rule 1) — the exactly-once reasoning holds only if
 * due runs and the reducer depend on nothing but their arguments — and the engine shell takes
 * time only from its injected Clock.
 * Method: scan the sources (comments stripped) for forbidden tokens.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../../..');
const strip = (source: string): string => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const sources = (dir: string): Array<[string, string]> =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => [`${dir}/${name}`, strip(readFileSync(join(root, dir, name), 'utf8'))]);

const clockAndRandomness: Array<[RegExp, string]> = [
  [/Date\.now\(/, 'Date.now()'],
  [/new Date\(/, 'new Date'],
  [/performance\.now\(/, 'performance.now()'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\./, 'process'],
  [/\bconsole\./, 'console'],
];

describe('src/chronos/trigger is pure', () => {
  it.each(sources('src/chronos/trigger'))('%s', (_name, source) => {
    const forbidden = [...clockAndRandomness, [/from ['"]node:/, 'node:* import'] as [RegExp, string]];
    expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});

describe('src/chronos/engine reads time only from its Clock', () => {
  it.each(sources('src/chronos/engine'))('%s', (_name, source) => {
    expect(clockAndRandomness.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});
