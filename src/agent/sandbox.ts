/**
 * Sandbox directories: where each task's sandbox and private run directory live under the
 * agent's work dir, path confinement for the files API (a requested path must resolve — after
 * following every symlink — to the sandbox root or below it), and the GC shell that measures
 * finished sandboxes and deletes what planSandboxGc picks.
 */
import { lstat, readdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { planSandboxGc, type SandboxGcPolicy } from './sandbox-gc.js';

/** Ids become one path segment each: no separators, no `..`. */
export function safeSegment(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9_.-]/g, '_');
  return cleaned === '.' || cleaned === '..' || cleaned === '' ? `_${cleaned}` : cleaned;
}

export function sandboxRoot(workDir: string): string {
  return join(workDir, 'sandboxes');
}

export function sandboxDirOf(workDir: string, frameworkId: string, taskId: string): string {
  return join(sandboxRoot(workDir), safeSegment(frameworkId), safeSegment(taskId));
}

/** Agent-private per-task directory (exit status file); outside the browsable root. */
export function runDirOf(workDir: string, taskId: string): string {
  return join(workDir, 'run', safeSegment(taskId));
}

/** Where a requested path leads: a real path inside the root, outside it, or nowhere. */
export type Confined = { kind: 'inside'; path: string } | { kind: 'outside' } | { kind: 'missing' };

/**
 * Resolves `requested` (absolute, or relative to `root`) against the sandbox root. The lexical
 * check rejects `..` and foreign absolute paths before touching the disk; realpath then follows
 * every symlink, so a link pointing out of the root is caught as well.
 */
export async function confine(root: string, requested: string): Promise<Confined> {
  if (requested.includes('\0')) return { kind: 'outside' };
  const realRoot = await realpath(root);
  const lexical = isAbsolute(requested) ? resolve(requested) : resolve(realRoot, requested);
  if (!within(resolve(root), lexical) && !within(realRoot, lexical)) return { kind: 'outside' };
  let target: string;
  try {
    target = await realpath(lexical);
  } catch {
    return { kind: 'missing' };
  }
  return within(realRoot, target) ? { kind: 'inside', path: target } : { kind: 'outside' };
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Total bytes of regular files under `dir` (symlinks are not followed). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await diskUsage(path);
    else if (entry.isFile()) total += (await lstat(path)).size;
  }
  return total;
}

/** A finished sandbox and when its task ended. */
export interface FinishedSandbox {
  path: string;
  finishedAtMs?: number;
}

/** Deletes the sandboxes planSandboxGc chooses; returns the deleted paths. */
export async function collectSandboxes(finished: readonly FinishedSandbox[], nowMs: number, policy: SandboxGcPolicy): Promise<string[]> {
  const usage = [];
  for (const sandbox of finished) {
    try {
      const finishedAtMs = sandbox.finishedAtMs ?? (await stat(sandbox.path)).mtimeMs;
      usage.push({ path: sandbox.path, finishedAtMs, bytes: await diskUsage(sandbox.path) });
    } catch {
      // Already gone.
    }
  }
  const doomed = planSandboxGc(usage, nowMs, policy);
  for (const path of doomed) await rm(path, { recursive: true, force: true });
  return doomed;
}
