/**
 * Defaults a job takes for fields the client leaves out (or sends as null, or 0 for resources).
 * Chronos takes several from scheduler flags (spec Appendix A: `--mesos_task_cpu/_mem/_disk`,
 * `--user`, `--task_epsilon`); Kairos passes the configured values in as `JobDefaults`.
 */

/** Flag-derived defaults (spec Appendix A). */
export interface JobDefaults {
  /** `--mesos_task_cpu` */
  readonly cpus: number;
  /** `--mesos_task_mem`, MB */
  readonly memMb: number;
  /** `--mesos_task_disk`, MB */
  readonly diskMb: number;
  /** `--user`: default `runAsUser`. */
  readonly runAsUser: string;
  /** `--task_epsilon` as an ISO8601 duration. */
  readonly epsilon: string;
}

/** Chronos' own flag defaults. */
export const CHRONOS_JOB_DEFAULTS: JobDefaults = {
  cpus: 0.1,
  memMb: 128,
  diskMb: 256,
  runAsUser: 'root',
  epsilon: 'PT60S',
};

/** Field defaults that do not depend on flags (spec §2.1 "Default" column). */
export const FIXED_DEFAULTS = {
  command: '',
  shell: true,
  retries: 2,
  scheduleTimeZone: '',
  async: false,
  concurrent: false,
  disabled: false,
  softError: false,
  highPriority: false,
  dataProcessingJobType: false,
  maxCompletionTime: 0,
  executor: '',
  executorFlags: '',
  taskInfoData: '',
  owner: '',
  ownerName: '',
  description: '',
  successCount: 0,
  errorCount: 0,
  errorsSinceLastSuccess: 0,
} as const;

/** Container field defaults (spec §2.2). */
export const CONTAINER_DEFAULTS = {
  type: 'DOCKER',
  network: 'HOST',
  forcePullImage: false,
} as const;

/** Fetch entry defaults; a deprecated `uris` entry becomes a fetch entry with these (spec §1.2 #3). */
export const FETCH_DEFAULTS = {
  executable: false,
  cache: false,
  extract: true,
} as const;
