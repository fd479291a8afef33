/**
 * Goal: src/actors stays pure (DESIGN rule 1, STYLE §3.4): no node:* imports, no I/O library,
 * no clock, no randomness, no timers, and no xstate `after` delays, `fromPromise`, `spawn` or
 * `createActor` in a machine. Method: scan each source file (comments stripped) for the
 * forbidden tokens.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const folder = resolve(import.meta.dirname, '../../../src/actors');
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/from ['"](classic-level|level|dockerode|piscina|fastify|pino)['"]/, 'I/O library import'],
  [/Date\.now\(|new Date\(\)|performance\.now\(/, 'clock read'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\.|\bconsole\./, 'process or console'],
  [/\bafter\s*:/, 'xstate after delay'],
  [/\b(fromPromise|fromCallback|spawnChild|createActor|spawn)\b/, 'live actor'],
];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('src/actors purity', () => {
  const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));

  it('has the modules', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files.map((name) => [name]))('%s has no I/O, clock, randomness, timers or live actors', (name) => {
    const source = stripComments(readFileSync(join(folder, name), 'utf8'));
    expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
  });
});
