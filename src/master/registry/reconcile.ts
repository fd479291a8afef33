/**
 * Re-registration reconciliation: what the registry does with the tasks an agent reports when
 * it re-registers. Unreported live tasks are lost, unknown reported tasks are adopted, tasks the
 * registry already ended are killed again, unreachable ones come back in the reported state, and
 * kills requested while the agent had no link are sent again. Pure: it moves tasks through the
 * host (the reducer) and queues effects there.
 */
import type { AgentContext } from '../../actors/agent.machine.js';
import { initial, step } from '../../actors/step.js';
import { isLocationUnknown, isTerminalTaskState, type TaskStateName } from '../../actors/task-state.js';
import { taskMachine, type TaskContext } from '../../actors/task.machine.js';
import type { StoredSnapshot } from '../../actors/types.js';
import type { StatusSource } from '../../actors/effects.js';
import type { KnownTaskReport, RegistryCommand } from './commands.js';
import { taskKey, type RegistryTables } from './indexes.js';
import type { RegistryEffect } from './state.js';
import type { TaskEntry } from './types.js';

export type ReportedTasks = Extract<RegistryCommand, { t: 'reg.agent.reregister' }>['tasks'];

/** What reconciliation needs from the reducer applying the command. */
export interface ReconcileHost {
  readonly tables: RegistryTables;
  /** Steps one task to `state` (recording the status and its effects); false when refused. */
  moveTask(entry: TaskEntry, state: TaskStateName, reason: string | null, source: StatusSource, uuid: string | null, nowMs: number, message?: string): boolean;
  /** `plain` or, for a PARTITION_AWARE framework, `partitionAware`. */
  forFramework(key: string, plain: TaskStateName, partitionAware: TaskStateName): TaskStateName;
  /** Queues an effect of the command being applied. */
  emit(effect: RegistryEffect): void;
}

/**
 * Tasks the registry has on the agent but the agent does not report are lost; reported tasks
 * the registry does not know are adopted; reported tasks the registry already ended are killed;
 * unreachable ones come back in the state the agent reports. `known` are reports the leader sent
 * without their specs because it held those tasks on this agent when it proposed the command.
 */
export function reconcileReportedTasks(host: ReconcileHost, agentId: string, reported: ReportedTasks, nowMs: number, known: readonly KnownTaskReport[] = []): void {
  const { tables } = host;
  const epoch = (tables.agents.get(agentId)!.machine.context as AgentContext).sessionEpoch;
  // Each key is built once: a fresh concatenated key is flattened and hashed on every use, and a
  // new leader applies 5,000 agents' re-registrations (50,000 tasks) in a burst.
  const reportedKeys = new Set<string>();
  const lookUp = (frameworkId: string, taskId: string): TaskEntry | undefined => {
    const key = taskKey(frameworkId, taskId);
    reportedKeys.add(key);
    return tables.tasks.get(key);
  };
  // Every reported task is looked up before any moves: ending one task may push older terminal
  // ones out of the completed history, and a task looked up after that would be adopted as new.
  const reportedEntries = reported.map((task) => lookUp(task.spec.frameworkId, task.spec.taskId));
  const knownEntries = known.map((task) => lookUp(task.frameworkId, task.taskId));
  reported.forEach((task, i) => {
    const entry = reportedEntries[i];
    if (!entry) adoptTask(tables, agentId, task, nowMs);
    else reconcileHeldTask(host, agentId, epoch, entry, task.state, nowMs);
  });
  known.forEach((task, i) => {
    const entry = knownEntries[i];
    if (entry) {
      reconcileHeldTask(host, agentId, epoch, entry, task.state, nowMs);
    } else if (!isTerminalTaskState(task.state)) {
      // Held when the leader proposed, gone by the time the entry applied: only a terminal task
      // is ever forgotten, so the agent runs something the registry has ended. Without a spec it
      // cannot be adopted either.
      const key = taskKey(task.frameworkId, task.taskId);
      host.emit({ type: 'killTask', key: `agent:${agentId}:${epoch}:kill:${key}`, taskId: task.taskId, frameworkId: task.frameworkId, agentId, reason: 'terminal in the registry' });
    }
  });
  // Unreported tasks are lost only after the reported ones were looked up (see above).
  for (const key of tables.liveTaskKeysOnAgent(agentId)) {
    if (reportedKeys.has(key)) continue;
    host.moveTask(tables.tasks.get(key)!, host.forFramework(key, 'TASK_LOST', 'TASK_GONE'), 'REASON_AGENT_REREGISTERED', 'master', null, nowMs, 'the agent re-registered without this task');
  }
  resendRequestedKills(host, agentId, epoch);
}

/** One reported task the registry holds: killed again if ended, brought back if unreachable. */
function reconcileHeldTask(host: ReconcileHost, agentId: string, epoch: number, entry: TaskEntry, reportedState: TaskStateName, nowMs: number): void {
  if (entry.agentId !== agentId) return;
  if (isTerminalTaskState(entry.state) && !isTerminalTaskState(reportedState)) {
    const key = taskKey(entry.frameworkId, entry.taskId);
    host.emit({ type: 'killTask', key: `agent:${agentId}:${epoch}:kill:${key}`, taskId: entry.taskId, frameworkId: entry.frameworkId, agentId, reason: 'terminal in the registry' });
  } else if (isLocationUnknown(entry.state) && reportedState !== entry.state) {
    host.moveTask(entry, reportedState, 'REASON_AGENT_REREGISTERED', 'master', null, nowMs);
  }
}

/**
 * A re-registration whose digest matched the registry's at apply: the agent runs exactly the
 * tasks held on it, in the states held, so of `reconcileReportedTasks` only the kills to send
 * again remain.
 */
export function reconcileUnchangedTasks(host: ReconcileHost, agentId: string): void {
  resendRequestedKills(host, agentId, (host.tables.agents.get(agentId)!.machine.context as AgentContext).sessionEpoch);
}

/**
 * A kill requested while the agent had no live link (restarting, not yet re-connected, or
 * partitioned) was sent nowhere: as Mesos does on re-registration, ask again for every
 * non-terminal task on the agent whose kill was requested. The agent answers TASK_KILLED, or
 * ignores a kill of a task it no longer runs.
 */
function resendRequestedKills(host: ReconcileHost, agentId: string, epoch: number): void {
  for (const key of host.tables.killRequestedOnAgent(agentId)) {
    const entry = host.tables.tasks.get(key)!;
    const requests = (entry.machine.context as TaskContext).killRequestCount;
    host.emit({ type: 'killTask', key: `agent:${agentId}:${epoch}:rekill:${key}:${requests}`, taskId: entry.taskId, frameworkId: entry.frameworkId, agentId, reason: 'kill requested before the agent re-registered' });
  }
}

function adoptTask(tables: RegistryTables, agentId: string, reported: ReportedTasks[number], nowMs: number): void {
  const { spec } = reported;
  const first = initial(taskMachine, { taskId: spec.taskId, frameworkId: spec.frameworkId, agentId, nowMs });
  const entry: TaskEntry = {
    taskId: spec.taskId,
    frameworkId: spec.frameworkId,
    agentId,
    name: spec.taskId,
    resources: reported.resources ?? [],
    spec,
    state: 'TASK_STAGING',
    statuses: [],
    machine: first.snapshot,
  };
  // Adopted, not launched: the agent already runs it, so the launch effect is dropped, and the
  // state change is not announced (the agent re-sends its unacknowledged updates itself).
  if (reported.state !== 'TASK_STAGING') {
    const moved = step(taskMachine, entry.machine as StoredSnapshot<TaskContext>, {
      type: 'task.statusUpdate', nowMs, state: reported.state, reason: null, source: 'agent', uuid: null,
    });
    if (moved.handled) {
      entry.machine = moved.snapshot;
      entry.state = reported.state;
      entry.statuses = [{ state: reported.state, timestamp: nowMs / 1000, source: 'SOURCE_AGENT' }];
    }
  }
  tables.insertTask(entry);
}
