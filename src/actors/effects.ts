/**
 * Kairos effects: what a lifecycle transition asks the world to do, as plain data.
 *
 * Machines never perform effects. Each effect-producing action in a machine is named after the
 * effect type it records (`launchTask`, `killTask`, ...), its implementation is a no-op, and its
 * params are the effect's fields. `step.ts` turns the action objects returned by xstate's pure
 * `transition()` into these records; the leader executes them, the followers drop them.
 *
 * Every effect carries `key`, an idempotency key derived only from replicated data (entity id,
 * epoch or attempt counters, deadlines). The same transition applied on any replica yields the
 * same key, so a new leader can tell what was already done and nothing happens twice.
 */
import type { Deadline, EntityRef } from './types.js';
import type { TaskStateName } from './task-state.js';

/** Start a task on its agent (the master's RunTask message). */
export interface LaunchTaskEffect {
  readonly type: 'launchTask';
  readonly key: string;
  readonly taskId: string;
  readonly frameworkId: string;
  readonly agentId: string;
}

/** Ask an agent to kill a task. */
export interface KillTaskEffect {
  readonly type: 'killTask';
  readonly key: string;
  readonly taskId: string;
  readonly agentId: string;
  readonly reason: string;
}

/** Tell the task's framework about a state change (agent updates carry their `uuid` for ACK). */
export interface SendStatusUpdateEffect {
  readonly type: 'sendStatusUpdate';
  readonly key: string;
  readonly taskId: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly state: TaskStateName;
  readonly reason: string | null;
  readonly source: StatusSource;
  readonly uuid: string | null;
  readonly timestampMs: number;
}

/** Arm a timer that proposes `deadline.event` for `entity` at `deadline.atMs`. */
export interface ScheduleDeadlineEffect {
  readonly type: 'scheduleDeadline';
  readonly key: string;
  readonly entity: EntityRef;
  readonly deadline: Deadline;
}

/**
 * Arm the retry timer of a failed job run; when it fires the leader proposes `run.retryDue`.
 * The retry flavour of `scheduleDeadline`: its key is the same `deadlineKey` the runtime derives.
 */
export interface ProposeRetryEffect {
  readonly type: 'proposeRetry';
  readonly key: string;
  readonly runKey: string;
  readonly jobName: string;
  /** The attempt number the retry will run as (the first run is attempt 0). */
  readonly attempt: number;
  readonly atMs: number;
}

/** An event for observers: history, metrics, owner notifications (Chronos JobsObserver). */
export interface NotifyEffect {
  readonly type: 'notify';
  readonly key: string;
  readonly topic: NotifyTopic;
  readonly subject: EntityRef;
  readonly message: string | null;
}

/** Withdraw outstanding offers of one agent or one framework. */
export interface RescindOffersEffect {
  readonly type: 'rescindOffers';
  readonly key: string;
  readonly scope: EntityRef;
}

/** A control message from the master to an agent. */
export interface MessageAgentEffect {
  readonly type: 'messageAgent';
  readonly key: string;
  readonly agentId: string;
  readonly message: 'registered' | 'reregistered' | 'shutdown';
}

/**
 * Follow-up for the reducer itself: step every task on the agent for `cause` (TASK_LOST,
 * TASK_UNREACHABLE, back to TASK_RUNNING, TASK_GONE_BY_OPERATOR...). Which state each task gets
 * depends on its framework's capabilities, which only the reducer knows.
 */
export interface UpdateAgentTasksEffect {
  readonly type: 'updateAgentTasks';
  readonly key: string;
  readonly agentId: string;
  readonly cause: AgentTasksCause;
}

/** Follow-up for the reducer: kill every task of a removed framework, shut its executors down. */
export interface RemoveFrameworkTasksEffect {
  readonly type: 'removeFrameworkTasks';
  readonly key: string;
  readonly frameworkId: string;
  readonly reason: string;
}

export type Effect =
  | LaunchTaskEffect
  | KillTaskEffect
  | SendStatusUpdateEffect
  | ScheduleDeadlineEffect
  | ProposeRetryEffect
  | NotifyEffect
  | RescindOffersEffect
  | MessageAgentEffect
  | UpdateAgentTasksEffect
  | RemoveFrameworkTasksEffect;

export type EffectType = Effect['type'];

/** An effect's fields without its `type`: what a machine action puts in `params`. */
export type EffectParams<T extends EffectType> = Omit<Extract<Effect, { type: T }>, 'type'>;

export type StatusSource = 'agent' | 'master' | 'executor';

export type AgentTasksCause = 'disconnected' | 'unreachable' | 'reregistered' | 'goneByOperator' | 'removed';

export type NotifyTopic =
  | 'agentActivated'
  | 'agentUnreachable'
  | 'agentGone'
  | 'agentRemoved'
  | 'frameworkDisconnected'
  | 'frameworkFailedOver'
  | 'frameworkRemoved'
  | 'jobQueued'
  | 'jobStarted'
  | 'jobFinished'
  | 'jobFailed'
  | 'jobRetriesExhausted'
  | 'jobKilled'
  | 'jobSkipped';

export const EFFECT_TYPES: ReadonlySet<string> = new Set<EffectType>([
  'launchTask',
  'killTask',
  'sendStatusUpdate',
  'scheduleDeadline',
  'proposeRetry',
  'notify',
  'rescindOffers',
  'messageAgent',
  'updateAgentTasks',
  'removeFrameworkTasks',
]);

/**
 * A recording-only action implementation: it does nothing when executed, because effects are
 * data that step() collects. Typed by the effect's params so machine configs are checked.
 */
function recorded<T extends EffectType>(): (_args: unknown, _params: EffectParams<T>) => void {
  return () => undefined;
}

/** The no-op implementations machines pass to `setup({ actions })`. */
export const effectActions = {
  launchTask: recorded<'launchTask'>(),
  killTask: recorded<'killTask'>(),
  sendStatusUpdate: recorded<'sendStatusUpdate'>(),
  scheduleDeadline: recorded<'scheduleDeadline'>(),
  proposeRetry: recorded<'proposeRetry'>(),
  notify: recorded<'notify'>(),
  rescindOffers: recorded<'rescindOffers'>(),
  messageAgent: recorded<'messageAgent'>(),
  updateAgentTasks: recorded<'updateAgentTasks'>(),
  removeFrameworkTasks: recorded<'removeFrameworkTasks'>(),
};

/** The idempotency key of a deadline timer; the runtime re-derives the same key from context. */
export function deadlineKey(entity: EntityRef, deadline: Deadline): string {
  return `${entity.kind}:${entity.id}:${deadline.event}@${deadline.atMs}`;
}
