/**
 * Pure translations between the agent's records and the protocol: which tasks a (re-)register
 * reports, and the TaskSpec the agent launches for a `runTask`.
 */
import type { ReportedTask, WireResource } from '../../protocol/messages.js';
import type { StatusUpdate, TaskRecord, TaskSpec } from '../types.js';
import { scalarOf } from './resources.js';

/**
 * Each task's oldest unacknowledged update (task id → uuid), from updates in per-task order: the
 * one re-sent after registering, which a hello names as the task's `pending`.
 */
export function pendingHeads(unacknowledged: Iterable<StatusUpdate>): Map<string, string> {
  const heads = new Map<string, string>();
  for (const update of unacknowledged) if (!heads.has(update.taskId)) heads.set(update.taskId, update.uuid);
  return heads;
}

/**
 * Tasks for `hello`: every live task, plus terminal ones whose updates the master has not yet
 * acknowledged (so a new leader learns how they ended), each with the uuid of its oldest
 * unacknowledged update (`pendingHeads`: task id → uuid) when it has one.
 */
export function reportedTasks(records: readonly TaskRecord[], pendingHeads: ReadonlyMap<string, string>): ReportedTask[] {
  return records
    .filter((r) => r.phase !== 'terminal' || pendingHeads.has(r.spec.taskId))
    .map((r) => {
      const pending = pendingHeads.get(r.spec.taskId);
      return { spec: r.spec, state: r.lastState, ...(r.spec.resources ? { resources: r.spec.resources } : {}), ...(pending !== undefined ? { pending } : {}) };
    });
}

/**
 * The spec to launch for a `runTask`: the master's spec with its resources kept (for later
 * reports) and cpu/mem limits taken from them where the spec has none.
 */
export function launchSpec(task: TaskSpec, resources: readonly WireResource[]): TaskSpec {
  const cpus = scalarOf(resources, 'cpus');
  const memMb = scalarOf(resources, 'mem');
  const limits = { ...(cpus > 0 ? { cpus } : {}), ...(memMb > 0 ? { memMb } : {}), ...task.limits };
  return { ...task, ...(Object.keys(limits).length > 0 ? { limits } : {}), ...(resources.length > 0 ? { resources: [...resources] } : {}) };
}

/** Live tasks of one framework (what `shutdownFramework` kills). */
export function liveTasksOf(records: readonly TaskRecord[], frameworkId: string): string[] {
  return records.filter((r) => r.spec.frameworkId === frameworkId && r.phase !== 'terminal').map((r) => r.spec.taskId);
}
