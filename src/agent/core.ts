/**
 * The agent's decisions as a pure reducer: (state, event) → { state, effects }. It decides
 * what to start, signal, checkpoint and report; the shell (agent.ts) performs the effects in
 * order and feeds back what happened (process started, exited, grace period over, what
 * recovery found). No I/O, no clock, no ids: uuids and timestamps are added by the shell.
 *
 * Status sequence for a command task (mesos-api.md §3.1): (TASK_STARTING if asked) →
 * TASK_RUNNING → TASK_FINISHED (exit 0) / TASK_FAILED (non-zero, or a memory limit) /
 * TASK_KILLED (after a kill). A terminal task never changes again.
 */
import type { ProcessExit, ProcessIdentity, StatusReason, TaskRecord, TaskSpec, TaskStateName } from './types.js';

export const DEFAULT_KILL_GRACE_PERIOD_MS = 3_000;

export interface AgentCoreState {
  readonly tasks: Readonly<Record<string, TaskRecord>>;
}

/** What recovery found for a checkpointed, non-terminal task. */
export type RecoveryObservation =
  /** `process` is set when recovery found the process of a task checkpointed as launching. */
  | { kind: 'running'; process?: ProcessIdentity }
  | { kind: 'exited'; exit: ProcessExit }
  | { kind: 'gone' }
  | { kind: 'neverStarted' };

export type AgentEvent =
  | { type: 'launchRequested'; spec: TaskSpec }
  | { type: 'processStarted'; taskId: string; process?: ProcessIdentity; containerId?: string }
  | { type: 'launchFailed'; taskId: string; message: string }
  /** `gracePeriodMs` overrides the task's kill policy (the master's killTask may carry one). */
  | { type: 'killRequested'; taskId: string; gracePeriodMs?: number }
  | { type: 'killGraceExpired'; taskId: string }
  | { type: 'processExited'; taskId: string; exit: ProcessExit }
  | { type: 'recovered'; record: TaskRecord; observation: RecoveryObservation }
  | { type: 'forget'; taskId: string }
  | { type: 'healthChanged'; taskId: string; healthy: boolean }
  | { type: 'healthCheckFailed'; taskId: string; message: string };

export interface StatusUpdateEffect {
  type: 'statusUpdate';
  taskId: string;
  frameworkId: string;
  state: TaskStateName;
  message?: string;
  reason?: StatusReason;
  exitStatus?: number;
  healthy?: boolean;
}

export type AgentEffect =
  | { type: 'checkpointTask'; record: TaskRecord }
  | { type: 'deleteTask'; taskId: string }
  | { type: 'startProcess'; spec: TaskSpec }
  | { type: 'watchProcess'; record: TaskRecord }
  | { type: 'signal'; taskId: string; process: ProcessIdentity; signal: 'SIGTERM' | 'SIGKILL' }
  /** Docker tasks: `docker stop` does SIGTERM, then SIGKILL after the grace period. */
  | { type: 'stopContainer'; taskId: string; containerId: string; gracePeriodMs: number }
  | { type: 'armKillTimer'; taskId: string; delayMs: number }
  | { type: 'cancelKillTimer'; taskId: string }
  | { type: 'startHealthChecks'; taskId: string }
  | { type: 'stopHealthChecks'; taskId: string }
  | StatusUpdateEffect;

export interface Transition {
  state: AgentCoreState;
  effects: AgentEffect[];
}

export const EMPTY_AGENT_STATE: AgentCoreState = { tasks: {} };

export function step(state: AgentCoreState, event: AgentEvent): Transition {
  switch (event.type) {
    case 'launchRequested':
      return onLaunch(state, event.spec);
    case 'processStarted':
      return onStarted(state, event.taskId, event.process, event.containerId);
    case 'launchFailed':
      return withTask(state, event.taskId, (task) =>
        task.phase === 'launching'
          ? toTerminal(state, task, 'TASK_FAILED', `cannot launch: ${event.message}`, 'REASON_CONTAINER_LAUNCH_FAILED')
          : { state, effects: [] },
      );
    case 'killRequested':
      return withTask(state, event.taskId, (task) => onKill(state, task, event.gracePeriodMs));
    case 'killGraceExpired':
      return withTask(state, event.taskId, (task) =>
        task.phase === 'killing' && task.process
          ? { state, effects: [{ type: 'signal', taskId: event.taskId, process: task.process, signal: 'SIGKILL' }] }
          : { state, effects: [] },
      );
    case 'processExited':
      return withTask(state, event.taskId, (task) => onExit(state, task, event.exit));
    case 'recovered':
      return onRecovered(state, event.record, event.observation);
    case 'healthChanged':
      return withTask(state, event.taskId, (task) => onHealthChanged(state, task, event.healthy));
    case 'healthCheckFailed':
      return withTask(state, event.taskId, (task) => onKill(state, { ...task, healthy: false }));
    case 'forget': {
      const { [event.taskId]: _gone, ...rest } = state.tasks;
      return { state: { tasks: rest }, effects: [{ type: 'deleteTask', taskId: event.taskId }] };
    }
  }
}

function onLaunch(state: AgentCoreState, spec: TaskSpec): Transition {
  // A re-delivered launch of a task we already know is a no-op: launches are idempotent.
  if (state.tasks[spec.taskId]) return { state, effects: [] };
  const record: TaskRecord = { spec, phase: 'launching', lastState: 'TASK_STAGING' };
  // Checkpoint first, so a crash between spawn and checkpoint cannot orphan an unknown process.
  return { state: put(state, record), effects: [{ type: 'checkpointTask', record }, { type: 'startProcess', spec }] };
}

function onStarted(state: AgentCoreState, taskId: string, process?: ProcessIdentity, containerId?: string): Transition {
  const task = state.tasks[taskId];
  if (!task || task.phase !== 'launching') return { state, effects: [] };
  const record: TaskRecord = { ...task, phase: 'running', lastState: 'TASK_RUNNING', ...(process ? { process } : {}), ...(containerId ? { containerId } : {}) };
  const effects: AgentEffect[] = [{ type: 'checkpointTask', record }];
  if (task.spec.sendStarting) effects.push(update(task, 'TASK_STARTING'));
  effects.push(update(task, 'TASK_RUNNING'));
  if (task.spec.healthCheck) effects.push({ type: 'startHealthChecks', taskId });
  const next = put(state, record);
  // A kill that arrived while launching is carried out as soon as there is a process.
  if (task.killRequested) return chain({ state: next, effects }, onKill(next, record));
  return { state: next, effects };
}

function onKill(state: AgentCoreState, task: TaskRecord, gracePeriodMs?: number): Transition {
  if (task.phase === 'terminal' || task.phase === 'killing') return { state, effects: [] };
  const graceMs = gracePeriodMs ?? task.spec.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS;
  const record: TaskRecord = { ...task, phase: 'killing', killRequested: true };
  if (task.phase !== 'launching' && task.spec.container && task.containerId) {
    const stop: AgentEffect = { type: 'stopContainer', taskId: task.spec.taskId, containerId: task.containerId, gracePeriodMs: graceMs };
    return { state: put(state, record), effects: [{ type: 'checkpointTask', record }, stop] };
  }
  if (task.phase === 'launching' || !task.process) {
    const pending: TaskRecord = { ...task, killRequested: true };
    return { state: put(state, pending), effects: [{ type: 'checkpointTask', record: pending }] };
  }
  return {
    state: put(state, record),
    effects: [
      { type: 'checkpointTask', record },
      { type: 'signal', taskId: task.spec.taskId, process: task.process, signal: 'SIGTERM' },
      { type: 'armKillTimer', taskId: task.spec.taskId, delayMs: graceMs },
    ],
  };
}

function onExit(state: AgentCoreState, task: TaskRecord, exit: ProcessExit): Transition {
  if (task.phase === 'terminal') return { state, effects: [] };
  const outcome = terminalOutcome(task, exit);
  const transition = toTerminal(state, task, outcome.state, outcome.message, outcome.reason, exit.status ?? undefined);
  return { state: transition.state, effects: [{ type: 'cancelKillTimer', taskId: task.spec.taskId }, ...transition.effects] };
}

/** Maps how the process ended to the terminal state and message (Mesos command executor rules). */
export function terminalOutcome(task: TaskRecord, exit: ProcessExit): { state: TaskStateName; message: string; reason?: StatusReason } {
  const how = describeExit(exit);
  if (task.killRequested) return { state: 'TASK_KILLED', message: `Command killed: ${how}` };
  if (exit.oomKilled) return { state: 'TASK_FAILED', message: `Memory limit exceeded: ${how}`, reason: 'REASON_CONTAINER_LIMITATION_MEMORY' };
  if (exit.status === 0) return { state: 'TASK_FINISHED', message: 'Command exited with status 0' };
  return { state: 'TASK_FAILED', message: `Command ${how}`, reason: 'REASON_COMMAND_EXECUTOR_FAILED' };
}

function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `terminated by ${exit.signal}`;
  if (exit.status === null) return 'ended with an unknown status';
  return `exited with status ${exit.status}`;
}

function onRecovered(state: AgentCoreState, record: TaskRecord, observation: RecoveryObservation): Transition {
  const next = put(state, record);
  if (record.phase === 'terminal') return { state: next, effects: [] };
  switch (observation.kind) {
    case 'running': {
      if (record.phase === 'launching' && observation.process) {
        const started = onStarted(next, record.spec.taskId, observation.process);
        const found = started.state.tasks[record.spec.taskId] ?? record;
        return { state: started.state, effects: [...started.effects, { type: 'watchProcess', record: found }] };
      }
      const effects: AgentEffect[] = [{ type: 'watchProcess', record }];
      if (record.spec.healthCheck && record.phase === 'running') effects.push({ type: 'startHealthChecks', taskId: record.spec.taskId });
      const watch: Transition = { state: next, effects };
      // A kill in progress when the agent died is restarted: SIGTERM again, fresh grace period.
      if (record.phase !== 'killing') return watch;
      return chain(watch, onKill(next, { ...record, phase: 'running' }));
    }
    case 'exited':
      return onExit(next, record, observation.exit);
    case 'gone':
      return toTerminal(next, record, 'TASK_FAILED', 'Process ended while the agent was down; its exit status is unknown', 'REASON_EXECUTOR_TERMINATED');
    case 'neverStarted':
      return toTerminal(next, record, 'TASK_LOST', 'The agent restarted before the task was started', 'REASON_AGENT_RESTARTED');
  }
}

function toTerminal(state: AgentCoreState, task: TaskRecord, terminal: TaskStateName, message: string, reason?: StatusReason, exitStatus?: number): Transition {
  const record: TaskRecord = { ...task, phase: 'terminal', lastState: terminal };
  const status = update(task, terminal, message, reason, exitStatus);
  const effects: AgentEffect[] = [{ type: 'checkpointTask', record }, status];
  if (task.spec.healthCheck) effects.push({ type: 'stopHealthChecks', taskId: task.spec.taskId });
  return { state: put(state, record), effects };
}

function update(task: TaskRecord, state: TaskStateName, message?: string, reason?: StatusReason, exitStatus?: number): StatusUpdateEffect {
  return {
    type: 'statusUpdate',
    taskId: task.spec.taskId,
    frameworkId: task.spec.frameworkId,
    state,
    ...(message !== undefined ? { message } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(exitStatus !== undefined ? { exitStatus } : {}),
    ...(task.healthy !== undefined ? { healthy: task.healthy } : {}),
  };
}

/** Health changes are TASK_RUNNING updates with `healthy`, only while the task runs. */
function onHealthChanged(state: AgentCoreState, task: TaskRecord, healthy: boolean): Transition {
  if (task.phase !== 'running' || task.healthy === healthy) return { state, effects: [] };
  const record: TaskRecord = { ...task, healthy };
  const status = update(record, 'TASK_RUNNING', healthy ? 'health check passed' : 'health check failed', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
  return { state: put(state, record), effects: [{ type: 'checkpointTask', record }, status] };
}

function withTask(state: AgentCoreState, taskId: string, fn: (task: TaskRecord) => Transition): Transition {
  const task = state.tasks[taskId];
  return task ? fn(task) : { state, effects: [] };
}

function put(state: AgentCoreState, record: TaskRecord): AgentCoreState {
  return { tasks: { ...state.tasks, [record.spec.taskId]: record } };
}

function chain(first: Transition, second: Transition): Transition {
  return { state: second.state, effects: [...first.effects, ...second.effects] };
}
