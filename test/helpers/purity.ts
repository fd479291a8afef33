/**
 * The pure-core scan shared by the purity tests (DESIGN rule 1: pure cores take everything as
 * arguments). A rule nobody checks is a wish: each test lists its core files, this scans their
 * sources (comments stripped) for forbidden tokens, one vitest case per file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

/** A forbidden token and how a violation is named. */
export type PurityRule = [pattern: RegExp, what: string];

/** The repository root; file lists are relative to it. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** Forbidden in every pure core: node:* imports, clocks, randomness, timers, process, console. */
export const coreRules: readonly PurityRule[] = [
  [/from ['"]node:/, 'node:* import'],
  [/Date\.now\(/, 'Date.now()'],
  [/new Date\(\)/, 'new Date() without an argument'],
  [/performance\.now\(/, 'performance.now()'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\./, 'process'],
  [/\bconsole\./, 'console'],
];

/** Forbids importing any of the named I/O libraries. */
export function ioLibraries(...names: string[]): PurityRule {
  return [new RegExp(`from ['"](${names.join('|')})['"]`), 'I/O library import'];
}

/** The I/O libraries the project depends on. */
export const projectIoLibraries = ioLibraries('classic-level', 'level', 'dockerode', 'piscina', 'fastify');

/** The source without block and line comments (a `://` in a URL is not a comment). */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

/** What `file` (relative to the repository root) breaks: the names of the rules it matches. */
export function purityViolations(file: string, rules: readonly PurityRule[]): string[] {
  const source = stripComments(readFileSync(join(repoRoot, file), 'utf8'));
  return rules.filter(([pattern]) => pattern.test(source)).map(([, what]) => what);
}

/** Every .ts file under the given files and folders (relative to the root; missing ones skipped). */
export function tsFilesUnder(...paths: string[]): string[] {
  return paths.flatMap((path) => {
    const full = join(repoRoot, path);
    if (!existsSync(full)) return [];
    if (statSync(full).isFile()) return path.endsWith('.ts') ? [path] : [];
    return tsFilesUnder(...readdirSync(full).map((name) => `${path}/${name}`));
  });
}

/**
 * Registers one test per file asserting it breaks none of `coreRules` nor the `also` rules.
 * `files` are relative to the repository root.
 */
export function itIsPure(files: string[], options: { also?: readonly PurityRule[]; title?: string } = {}): void {
  const rules = [...coreRules, ...(options.also ?? [])];
  it.each(files)(options.title ?? '%s uses no I/O, clock, randomness or globals', (file) => {
    expect(purityViolations(file, rules)).toEqual([]);
  });
}
