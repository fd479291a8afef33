/**
 * What the Chronos REST API needs besides the master context: the replicated job store and the
 * run side. The runner is reached through an accessor because it exists only once the run side
 * is wired (and may be null on a replica that is not, or not yet, leading).
 */
import type { ChronosRunner } from '../runner/port.js';
import type { JobStore } from '../state/jobs.js';

/**
 * Optional run-side extension for Chronos 2.x async jobs (`PUT /task/{taskId}`, spec §3.7).
 * A runner without it makes that endpoint a no-op 204, as Chronos does for unknown task ids.
 */
export interface AsyncTaskCompletion {
  completeAsyncTask(taskId: string, statusCode: number): Promise<void>;
}

export type ApiRunner = ChronosRunner & Partial<AsyncTaskCompletion>;

export interface ChronosApiDeps {
  readonly jobs: JobStore;
  /** The run side on this replica, or null until it exists (routes that need it answer 503). */
  runner: () => ApiRunner | null;
  /** Wall clock for the `nowMs` carried by proposals. Default Date.now. */
  readonly now?: () => number;
}
