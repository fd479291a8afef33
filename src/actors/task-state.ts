/**
 * The Mesos task state vocabulary and its legal transitions (mesos-api.md §4.4), as pure data.
 *
 * Wire names (`TASK_RUNNING`) are what agents report and frameworks receive; machine state names
 * (`running`) are what the task machine uses inside (STYLE §3.4: wire names only at the API
 * boundary). The transition rule: a task moves forward through
 * staging → starting → running → killing → terminal, may skip ahead, and may step sideways into
 * a location-unknown state (unreachable, unknown) from which it comes back no earlier than where
 * it was. A terminal state is never left (Kairos does not "resurrect" lost tasks).
 */

export const TASK_STATE_NAMES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;

/** A Mesos `TaskState` as it appears on the wire. */
export type TaskStateName = (typeof TASK_STATE_NAMES)[number];

/** The task machine's state names, one per wire state. */
export const TASK_MACHINE_STATES = {
  TASK_STAGING: 'staging',
  TASK_STARTING: 'starting',
  TASK_RUNNING: 'running',
  TASK_KILLING: 'killing',
  TASK_FINISHED: 'finished',
  TASK_FAILED: 'failed',
  TASK_KILLED: 'killed',
  TASK_ERROR: 'error',
  TASK_LOST: 'lost',
  TASK_DROPPED: 'dropped',
  TASK_UNREACHABLE: 'unreachable',
  TASK_GONE: 'gone',
  TASK_GONE_BY_OPERATOR: 'goneByOperator',
  TASK_UNKNOWN: 'unknown',
} as const satisfies Record<TaskStateName, string>;

export type TaskMachineState = (typeof TASK_MACHINE_STATES)[TaskStateName];

const WIRE_NAME_OF = Object.fromEntries(
  Object.entries(TASK_MACHINE_STATES).map(([wire, state]) => [state, wire]),
) as Record<TaskMachineState, TaskStateName>;

export const TERMINAL_TASK_STATES: ReadonlySet<TaskStateName> = new Set<TaskStateName>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** States where the master does not know where the task is; they carry no progress rank. */
export const LOCATION_UNKNOWN_TASK_STATES: ReadonlySet<TaskStateName> = new Set<TaskStateName>([
  'TASK_UNREACHABLE',
  'TASK_UNKNOWN',
]);

/** Progress rank of a located state: a task's located rank never decreases. */
const PROGRESS_RANK: Partial<Record<TaskStateName, number>> = {
  TASK_STAGING: 0,
  TASK_STARTING: 1,
  TASK_RUNNING: 2,
  TASK_KILLING: 3,
};
const TERMINAL_RANK = 4;

export function isTaskStateName(value: unknown): value is TaskStateName {
  return typeof value === 'string' && (TASK_STATE_NAMES as readonly string[]).includes(value);
}

export function isTerminalTaskState(state: TaskStateName): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

export function isLocationUnknown(state: TaskStateName): boolean {
  return LOCATION_UNKNOWN_TASK_STATES.has(state);
}

/** Rank of a located state (staging 0 … terminal 4); null for unreachable/unknown. */
export function progressRankOf(state: TaskStateName): number | null {
  if (isTerminalTaskState(state)) return TERMINAL_RANK;
  return PROGRESS_RANK[state] ?? null;
}

export function toMachineState(state: TaskStateName): TaskMachineState {
  return TASK_MACHINE_STATES[state];
}

export function toTaskStateName(state: TaskMachineState): TaskStateName {
  return WIRE_NAME_OF[state];
}

/**
 * May a task whose state is `from` move to `to`? `lastLocated` is the last located state the
 * task had (equal to `from` unless `from` is unreachable/unknown); coming back from a partition
 * must not move the task backwards, so a KILLING task cannot reappear as RUNNING.
 */
export function canTransitionTask(from: TaskStateName, to: TaskStateName, lastLocated: TaskStateName): boolean {
  if (isTerminalTaskState(from) || from === to) return false;
  if (isLocationUnknown(to)) return true;
  const fromRank = progressRankOf(lastLocated) ?? 0;
  const toRank = progressRankOf(to) ?? 0;
  if (isLocationUnknown(from)) return toRank >= fromRank;
  return toRank > fromRank;
}
