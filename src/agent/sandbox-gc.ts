/**
 * Sandbox garbage collection policy — pure. Sandboxes of finished tasks are removed once
 * older than `maxAgeMs` (Mesos --gc_delay, a week by default), and sooner, oldest first, while
 * the sandboxes together use more than `maxTotalBytes` (disk pressure). Live tasks' sandboxes
 * are never candidates; the caller leaves them out.
 */

export interface SandboxUsage {
  path: string;
  /** When the task reached its terminal state (or the sandbox's last change). */
  finishedAtMs: number;
  bytes: number;
}

export interface SandboxGcPolicy {
  maxAgeMs: number;
  maxTotalBytes: number;
}

export const DEFAULT_SANDBOX_GC_POLICY: SandboxGcPolicy = { maxAgeMs: 7 * 24 * 3600_000, maxTotalBytes: 10 * 1024 ** 3 };

/** Paths to delete, oldest first. */
export function planSandboxGc(sandboxes: readonly SandboxUsage[], nowMs: number, policy: SandboxGcPolicy): string[] {
  const oldestFirst = [...sandboxes].sort((a, b) => a.finishedAtMs - b.finishedAtMs || a.path.localeCompare(b.path));
  let totalBytes = oldestFirst.reduce((sum, s) => sum + s.bytes, 0);
  const doomed: string[] = [];
  for (const sandbox of oldestFirst) {
    const expired = nowMs - sandbox.finishedAtMs >= policy.maxAgeMs;
    if (!expired && totalBytes <= policy.maxTotalBytes) continue;
    doomed.push(sandbox.path);
    totalBytes -= sandbox.bytes;
  }
  return doomed;
}
