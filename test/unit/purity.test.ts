/**
 * Goal: the pure cores stay pure (DESIGN rule 1): no node:* imports, no I/O libraries, no wall
 * clock, no Math.random, no timers, no process or console. A rule nobody checks is a wish.
 * Method: scan the source of every core module for forbidden tokens (comments stripped).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
/** Core folders and files; shells (storage, transport, driver, pool, worker) are excluded. */
const corePaths = ['src/raft/core', 'src/chronos/schedule', 'src/chronos/model', 'src/chronos/dag.ts', 'src/chronos/dag-firing.ts', 'src/chronos/dag-export.ts', 'src/allocator/drf.ts', 'src/allocator/round-robin.ts', 'src/allocator/priority.ts', 'src/allocator/types.ts', 'src/master/state', 'src/actors', 'src/agent/core.ts', 'src/agent/update-streams.ts', 'src/agent/sandbox-gc.ts', 'src/agent/types.ts', 'src/agent/health-check.ts'];
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/from ['"](classic-level|level|dockerode|piscina|fastify)['"]/, 'I/O library import'],
  [/Date\.now\(/, 'Date.now()'],
  [/new Date\(\)/, 'new Date() without an argument'],
  [/performance\.now\(/, 'performance.now()'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\./, 'process'],
  [/\bconsole\./, 'console'],
];

function filesUnder(path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((name) => filesUnder(join(path, name)));
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('pure cores', () => {
  const files = corePaths.flatMap(filesUnder).filter((f) => f.endsWith('.ts'));

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s uses no I/O, clock, randomness or globals', (_name, file) => {
    const source = stripComments(readFileSync(file, 'utf8'));
    const violations = forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what);
    expect(violations).toEqual([]);
  });
});
