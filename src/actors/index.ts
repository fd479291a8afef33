/**
 * Public surface of the lifecycle machines: the four machines, the pure step/initial functions
 * the registry reducer uses, the effect records, the task-state table, and the leader's timer
 * planning.
 */
export { agentMachine, DEFAULT_AGENT_TIMEOUTS } from './agent.machine.js';
export type { AgentContext, AgentEvent, AgentInput, AgentTimeouts } from './agent.machine.js';
export { frameworkMachine } from './framework.machine.js';
export type { FrameworkContext, FrameworkEvent, FrameworkInput } from './framework.machine.js';
export { taskMachine } from './task.machine.js';
export type { TaskContext, TaskEvent, TaskInput, TaskKillRequestedEvent, TaskStatusUpdateEvent } from './task.machine.js';
export { jobRunMachine, retryDelayMs } from './job-run.machine.js';
export type { JobRunContext, JobRunEvent, JobRunInput, JobRunSettings } from './job-run.machine.js';
export { initial, isFinalSnapshot, restoreSnapshot, step } from './step.js';
export type { StepResult } from './step.js';
export { deadlineKey, EFFECT_TYPES } from './effects.js';
export type { AgentTasksCause, Effect, EffectType, NotifyTopic, StatusSource } from './effects.js';
export {
  TASK_STATE_NAMES,
  canTransitionTask,
  isLocationUnknown,
  isTaskStateName,
  isTerminalTaskState,
  progressRankOf,
  toMachineState,
  toTaskStateName,
} from './task-state.js';
export type { TaskMachineState, TaskStateName } from './task-state.js';
export { dueDeadlines, overdueTimers, reconcileTimers, timeoutEventOf } from './runtime.js';
export type { PlannedTimer, TrackedSnapshot } from './runtime.js';
export { isDeadlineReached } from './types.js';
export type { Deadline, EntityKind, EntityRef, MachineContextBase, StoredSnapshot, TimedEvent } from './types.js';
