/**
 * What the Chronos REST API asks of the run side of Chronos (trigger engine + built-in
 * framework) on the leading master. Implemented in src/chronos/runner/; the API routes only
 * call it on the leader (followers forward). Methods throw typed KairosErrors (ValidationError
 * → 400, e.g. unknown job); each resolves once its effect is committed through Raft.
 */
export interface RunRecord {
  /** `job name + scheduled instant` key (src/chronos/trigger keys); manual/event runs get their own. */
  runId: string;
  jobName: string;
  /** Why the run exists. */
  cause: 'schedule' | 'dependency' | 'event' | 'manual';
  scheduledAtMs: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** queued | launching | running | succeeded | failed | retrying | killed | skipped */
  state: string;
  attempt: number;
  taskIds: string[];
  agentId?: string;
  exitStatus?: number;
  message?: string;
}

export interface JobStats {
  successCount: number;
  errorCount: number;
  /** ISO8601 instants, '' when none (Chronos' shape). */
  lastSuccess: string;
  lastError: string;
  errorsSinceLastSuccess: number;
  /** Elapsed-time percentiles over recent successful runs, seconds: 75th, 95th, 98th, 99th, median. */
  percentiles: { p75: number; p95: number; p98: number; p99: number; median: number } | null;
  /** queued | running | idle, as Chronos' /scheduler/jobs/summary shows `state`. */
  state: string;
}

export interface ChronosRunner {
  /** Manual run now (PUT /scheduler/job/{name}); `args` replace the job's arguments for this run. */
  runNow(jobName: string, args?: string[]): Promise<RunRecord>;
  /** PUT /scheduler/job/success/{name}: record a success now; children fire as after a real one. */
  markSuccess(jobName: string): Promise<void>;
  /** DELETE /scheduler/task/kill/{name}: kill every running/queued run of the job. */
  killJobTasks(jobName: string): Promise<void>;
  /** POST /scheduler/events/{event}: one run of every enabled job waiting on the event. */
  fireEvent(event: string, payload: Record<string, string>): Promise<RunRecord[]>;
  /** Bounded history, newest first. Every replica can answer (replicated state). */
  history(jobName: string): RunRecord[];
  stats(jobName: string): JobStats;
}
