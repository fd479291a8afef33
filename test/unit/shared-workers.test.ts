/**
 * The unit project runs without per-file isolation (vitest.config.ts): files share a worker's
 * module graph. That is only sound while no unit test replaces modules, timers, globals or the
 * environment; this test keeps it so, naming the file that would break the assumption.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const UNIT_DIR = join(import.meta.dirname, '.');
/** Calls whose effects outlive the file that makes them when modules are shared. */
const LEAKING = /\bvi\.(mock|doMock|useFakeTimers|stubGlobal|stubEnv|resetModules)\(|process\.chdir\(|process\.env\[[^\]]+\]\s*=[^=]/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('unit tests sharing workers', () => {
  it('replace no module, timer, global or environment variable', () => {
    const self = import.meta.filename;
    const offenders = files(UNIT_DIR)
      .filter((path) => path !== self && LEAKING.test(readFileSync(path, 'utf8')))
      .map((path) => relative(UNIT_DIR, path));
    expect(offenders).toEqual([]);
  });

  it('the pattern catches what it is meant to', () => {
    for (const line of ["vi.mock('node:crypto')", 'vi.useFakeTimers()', "vi.stubEnv('CI', 'true')", 'process.chdir(dir)', "process.env['X'] = '1'"]) {
      expect(LEAKING.test(line), line).toBe(true);
    }
    expect(LEAKING.test("process.env['X'] === '1'")).toBe(false);
  });
});
