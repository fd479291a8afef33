/**
 * Pure translations between the agent's records and the protocol: which tasks a (re-)register
 * reports, and the TaskSpec the agent launches for a `runTask`.
 */
import type { ReportedTask, WireResource } from '../../protocol/messages.js';
import { TaskDigest } from '../../protocol/task-digest.js';
import type { StatusUpdate, TaskRecord, TaskSpec } from '../types.js';
import type { HelloBody } from './master-link.js';
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

/** How a hello reports the agent's tasks (messages.ts): a digest, by id and state, or in full. */
export type HelloForm = 'digest' | 'known' | 'full';

/**
 * The hello's task fields for `form`, overriding the body's full `tasks`. Only a re-registration
 * with tasks is made smaller: a first registration has nothing the registry could hold. A body
 * that already carries its `digest` (the host keeps one) is sent as it is.
 */
export function helloTasks(body: Pick<HelloBody, 'agentId' | 'tasks' | 'digest'>, form: HelloForm): Partial<Pick<HelloBody, 'tasks' | 'known' | 'digest'>> {
  if (form === 'full' || body.agentId === undefined || body.tasks.length === 0 || body.digest !== undefined) return {};
  if (form === 'digest') {
    const digest = new TaskDigest();
    for (const task of body.tasks) digest.add(task.spec.frameworkId, task.spec.taskId, task.state);
    return { tasks: [], digest: digest.value() };
  }
  const known = body.tasks.map((task) => ({ frameworkId: task.spec.frameworkId, taskId: task.spec.taskId, state: task.state, ...(task.pending !== undefined ? { pending: task.pending } : {}) }));
  return { tasks: [], known };
}

/**
 * Uuids not to re-send after registering: those the leader has `recorded`, and each task's pending
 * update (`pendingHeads`: task id → uuid) of a framework the leader named `unrelayed`.
 */
export function skippedResends(records: readonly TaskRecord[], heads: ReadonlyMap<string, string>, recorded: ReadonlySet<string>, unrelayed: ReadonlySet<string>): Set<string> {
  const skipped = new Set(recorded);
  if (unrelayed.size === 0) return skipped;
  for (const record of records) {
    const head = heads.get(record.spec.taskId);
    if (head !== undefined && unrelayed.has(record.spec.frameworkId)) skipped.add(head);
  }
  return skipped;
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
