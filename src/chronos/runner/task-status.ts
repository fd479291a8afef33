/**
 * Mesos task states → job-run machine events (spec §3.6), given the run's current state.
 * Kairos treats every terminal failure state (FAILED, LOST, ERROR, DROPPED, GONE…) as a run
 * failure that may be retried; KILLED ends the run without retry or error count (Chronos).
 * Non-terminal states start the run once; UNREACHABLE / KILLING are waited out.
 *
 * Pure module.
 */
import type { JobRunEvent } from '../../actors/job-run.machine.js';
import type { RunEntry } from '../state/runs-types.js';

const STARTED = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING']);
const FAILED = new Set(['TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

export interface TaskStatusEvent {
  readonly event: JobRunEvent;
  readonly exitStatus: number | null;
}

/**
 * `asyncJob`: a Chronos 2.x async job (spec §3.7) — TASK_FINISHED is not its outcome; the job
 * reports it later through `PUT /scheduler/task/{taskId}` (ChronosRunner.completeAsyncTask).
 */
export function runEventForTaskState(run: Pick<RunEntry, 'machine'>, state: string, message: string | null, nowMs: number, asyncJob = false): TaskStatusEvent | null {
  const current = run.machine.value;
  if (STARTED.has(state)) {
    // RUNNING and STARTING both mean "started"; only the first one moves the machine.
    return current === 'launching' ? { event: { type: 'run.started', nowMs }, exitStatus: null } : null;
  }
  if (current !== 'launching' && current !== 'running' && current !== 'killing') return null;
  if (state === 'TASK_FINISHED') return asyncJob ? null : { event: { type: 'run.succeeded', nowMs }, exitStatus: 0 };
  if (state === 'TASK_KILLED') return { event: { type: 'run.killed', nowMs }, exitStatus: null };
  if (FAILED.has(state)) return { event: { type: 'run.failed', nowMs, message: message ?? state }, exitStatus: exitStatusOf(message) };
  return null;
}

/** "Command exited with status 3" (the command executor's message) → 3. */
export function exitStatusOf(message: string | null): number | null {
  const match = message === null ? null : /(?:exit(?:ed)?(?: with)?(?: status| code)?)[^0-9-]*(-?\d+)/i.exec(message);
  return match === null ? null : Number(match[1]);
}
