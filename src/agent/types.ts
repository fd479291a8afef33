/**
 * Plain data shared by the agent's core and shells: what a command task asks for, the status
 * updates the agent reports, and the checkpointed record of each task. Everything here must
 * survive JSON round trips, because it is written to the checkpoint store as is.
 */
import type { TaskStateName } from '../actors/task-state.js';
import type { HealthCheckSpec } from './health-check.js';
import type { WireResource } from '../protocol/messages.js';

export type { TaskStateName };

/** How a command task runs (Mesos CommandInfo, reduced to what the agent executes). */
export interface CommandSpec {
  /** true: `/bin/sh -c value`; false: exec `value` with `arguments` (argv[0] included). */
  shell: boolean;
  value: string;
  arguments?: string[];
  environment?: Record<string, string>;
  /** Run as this user; honoured only when the agent runs as root. */
  user?: string;
}

/** Resource limits applied through cgroups where the machine allows it. */
export interface TaskLimits {
  cpus?: number;
  memMb?: number;
}

/** A Docker container for the task (Mesos ContainerInfo.docker, reduced). */
export interface DockerSpec {
  image: string;
  /** ifMissing (default): pull only when absent; always: pull every launch; never: local only. */
  pullPolicy?: 'ifMissing' | 'always' | 'never';
  networkMode?: 'bridge' | 'host' | 'none';
  /** Host ports come from the task's offer. */
  portMappings?: Array<{ hostPort: number; containerPort: number; protocol?: 'tcp' | 'udp' }>;
  volumes?: Array<{ hostPath: string; containerPath: string; readOnly?: boolean }>;
  privileged?: boolean;
  labels?: Record<string, string>;
}

/** A task handed to the agent by the master. */
export interface TaskSpec {
  taskId: string;
  frameworkId: string;
  command: CommandSpec;
  limits?: TaskLimits;
  /** Run in a Docker container instead of as a plain process. */
  container?: DockerSpec;
  /** Mesos health check; results are TASK_RUNNING updates carrying `healthy`. */
  healthCheck?: HealthCheckSpec;
  /** SIGTERM → SIGKILL delay; Mesos kill policy default is 3 s. */
  killGracePeriodMs?: number;
  /** Send TASK_STARTING before TASK_RUNNING (some framework clients break on it, so opt-in). */
  sendStarting?: boolean;
  /** Resources the master gave the task (kept so a re-registration can report them). */
  resources?: WireResource[];
}

/** Why a task reached the state it did (a subset of Mesos TaskStatus.Reason). */
export type StatusReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_EXECUTOR_TERMINATED'
  | 'REASON_TASK_KILLED_DURING_LAUNCH'
  | 'REASON_TASK_UNKNOWN'
  | 'REASON_AGENT_RESTARTED'
  | 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

/** One status update; `uuid` identifies it for acknowledgement. */
export interface StatusUpdate {
  uuid: string;
  taskId: string;
  frameworkId: string;
  state: TaskStateName;
  timestampMs: number;
  message?: string;
  reason?: StatusReason;
  /** Set on updates driven by health checks (and on later updates of checked tasks). */
  healthy?: boolean;
  /** Exit status of the command, when the task ended by exiting. */
  exitStatus?: number;
}

/** How the task's process ended, as seen by the executor. */
export interface ProcessExit {
  /** Shell-style status: the exit code, or 128 + signal number when a signal ended it. */
  status: number | null;
  /** Set when the agent saw the signal directly (its own child died by a signal). */
  signal?: string;
  /** The kernel's OOM killer acted inside the task's memory cgroup. */
  oomKilled?: boolean;
}

/** Identity of a live process: a pid alone can be recycled, pid + start time cannot. */
export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks since boot). */
  startTime: number;
}

/** Agent-side lifecycle of a task (wire state names are kept in `lastState`). */
export type TaskPhase = 'launching' | 'running' | 'killing' | 'terminal';

/** The checkpointed record of one task. */
export interface TaskRecord {
  spec: TaskSpec;
  phase: TaskPhase;
  lastState: TaskStateName;
  process?: ProcessIdentity;
  /** Opaque container id (the cgroup name for command tasks). */
  containerId?: string;
  killRequested?: boolean;
  /** Latest health check verdict, for tasks with a health check. */
  healthy?: boolean;
}
