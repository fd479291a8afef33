/**
 * The Chronos job as Kairos stores it: every field of Chronos 2.x and 3.x job JSON (spec §2),
 * normalised — defaults filled in, numbers as numbers, timestamps as epoch ms — plus the Kairos
 * `events` extension (named events that trigger the job).
 *
 * The job is plain data (arrays and objects of strings, numbers, booleans, null) so that it
 * travels inside Raft commands and snapshots unchanged. It is built only by `validateJob`, so
 * every stored job has passed the same checks.
 *
 * Pure module: types and small pure helpers only.
 */

/** How a job is triggered, derived from which trigger fields are present (spec §2). */
export type JobKind = 'scheduled' | 'dependent' | 'event';

/** A constraint operator Chronos understands (spec §3.14). */
export type ConstraintOperator = 'EQUALS' | 'LIKE' | 'UNLIKE';

/** `[attribute, operator, value]` on the wire; LIKE/UNLIKE values are full-match regexes. */
export interface Constraint {
  readonly attribute: string;
  readonly operator: ConstraintOperator;
  readonly value: string;
}

export interface EnvironmentVariable {
  readonly name: string;
  readonly value: string;
}

/** A Mesos fetcher entry. `outputFile` is the wire's `output_file` (3.x only). */
export interface FetchEntry {
  readonly uri: string;
  readonly executable: boolean;
  readonly cache: boolean;
  readonly extract: boolean;
  readonly outputFile: string | null;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export type ContainerType = 'DOCKER' | 'MESOS';
export type NetworkMode = 'HOST' | 'BRIDGE' | 'USER';
export type VolumeMode = 'RW' | 'RO';

export interface ExternalVolume {
  readonly name: string;
  readonly provider: string;
  readonly options: readonly KeyValue[];
}

export interface Volume {
  readonly containerPath: string;
  readonly hostPath: string | null;
  readonly mode: VolumeMode | null;
  readonly external: ExternalVolume | null;
}

export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string | null;
}

export interface NetworkInfo {
  readonly name: string;
  readonly protocol: 'IPv4' | 'IPv6' | null;
  readonly labels: readonly KeyValue[];
  readonly portMappings: readonly PortMapping[];
}

/** A Docker image run by the Docker or Mesos containerizer (spec §2.2). */
export interface Container {
  readonly type: ContainerType;
  readonly image: string;
  readonly network: NetworkMode;
  readonly networkName: string | null;
  readonly networkInfos: readonly NetworkInfo[];
  readonly volumes: readonly Volume[];
  readonly forcePullImage: boolean;
  readonly parameters: readonly KeyValue[];
}

/** A validated, normalised Chronos job. Field meanings follow spec §2.1. */
export interface ChronosJob {
  readonly name: string;
  readonly command: string;
  readonly shell: boolean;
  readonly arguments: readonly string[];

  /** ISO8601 repeating interval or cron; null unless the job is scheduled. */
  readonly schedule: string | null;
  /** Zone id as submitted ('' = none); only meaningful for scheduled jobs. */
  readonly scheduleTimeZone: string;
  /** Parent job names, duplicates removed, first-seen order; non-empty iff dependent. */
  readonly parents: readonly string[];
  /** Kairos extension: names of events that trigger a run. */
  readonly events: readonly string[];

  /** ISO8601 duration (2.x): missed-run window and starting deadline. */
  readonly epsilon: string;
  readonly async: boolean;
  readonly retries: number;
  readonly concurrent: boolean;
  readonly disabled: boolean;
  readonly softError: boolean;
  readonly highPriority: boolean;
  readonly dataProcessingJobType: boolean;
  /** Seconds; 0 = no limit. */
  readonly maxCompletionTime: number;

  readonly cpus: number;
  readonly memMb: number;
  readonly diskMb: number;
  readonly runAsUser: string;
  readonly executor: string;
  readonly executorFlags: string;
  readonly taskInfoData: string;
  readonly environmentVariables: readonly EnvironmentVariable[];
  readonly uris: readonly string[];
  readonly fetch: readonly FetchEntry[];
  readonly constraints: readonly Constraint[];
  readonly container: Container | null;

  readonly owner: string;
  readonly ownerName: string;
  readonly description: string;

  /** Server-maintained but client-writable in Chronos (an update that omits them resets them). */
  readonly successCount: number;
  readonly errorCount: number;
  readonly errorsSinceLastSuccess: number;
  readonly lastSuccessMs: number | null;
  readonly lastErrorMs: number | null;
}

/** Dependent if it has parents, else scheduled if it has a schedule, else event-triggered. */
export function jobKindOf(job: Pick<ChronosJob, 'parents' | 'schedule'>): JobKind {
  if (job.parents.length > 0) return 'dependent';
  if (job.schedule !== null) return 'scheduled';
  return 'event';
}

/** The last outcome as Chronos' summary and graph CSV report it (`jobs/graph/Exporter.scala`). */
export type LastOutcome = 'success' | 'failure' | 'fresh';

export function lastOutcomeOf(job: Pick<ChronosJob, 'lastSuccessMs' | 'lastErrorMs'>): LastOutcome {
  if (job.lastSuccessMs === null && job.lastErrorMs === null) return 'fresh';
  if (job.lastSuccessMs === null) return 'failure';
  if (job.lastErrorMs === null) return 'success';
  // Chronos: success only if strictly after the last error; a tie reads as failure.
  return job.lastSuccessMs > job.lastErrorMs ? 'success' : 'failure';
}
