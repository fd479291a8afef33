/**
 * The registry's Raft commands (prefix `reg.`) and their validation. Every command is checked
 * with `validateRegistryCommand` before it is proposed (the proposer turns a problem into a
 * ValidationError naming the field) and again in apply, where a bad command is rejected whole.
 * Timestamps (`nowMs`) and new ids travel inside commands; the reducer never invents them,
 * except framework ids, which it numbers from a replicated counter.
 */
import { isTaskStateName, type TaskStateName } from '../../actors/task-state.js';
import type { TaskSpec } from '../../agent/types.js';
import type { ReportedTask, WireResource } from '../../protocol/messages.js';
import { MAX_TASK_DIGEST_LENGTH } from '../../protocol/task-digest.js';
import type { FrameworkInfoJson, TaskEntry } from './types.js';

/** One status change as the agent reported it (or the master decided it). */
export interface StatusRecord {
  taskId: string;
  frameworkId: string;
  state: TaskStateName;
  /** Agent updates carry a uuid (idempotency, acknowledgement); master ones do not. */
  uuid: string | null;
  timestampMs: number;
  message?: string;
  reason?: string;
  healthy?: boolean;
  exitStatus?: number;
}

/** What a launch records: the task entry's identity and payload (state and history come later). */
export type LaunchRecord = Pick<TaskEntry, 'taskId' | 'frameworkId' | 'agentId' | 'name' | 'resources' | 'spec' | 'info'>;

interface AgentDescription {
  agentId: string;
  hostname: string;
  httpAddress: string;
  resources: WireResource[];
  attributes: Record<string, string>;
}

/** A re-registration's description: in full, or (with a digest) the one the registry holds. */
type ReregisterDescription =
  | (AgentDescription & { asHeld?: undefined })
  | { agentId: string; asHeld: true; hostname?: undefined; httpAddress?: undefined; resources?: undefined; attributes?: undefined };

/** A reported task the registry already holds on the agent: ids and the agent's latest state. */
export interface KnownTaskReport {
  frameworkId: string;
  taskId: string;
  state: TaskStateName;
}

/** Deadline events the leader may propose through `reg.deadline`. */
export const DEADLINE_EVENTS = {
  agent: ['agent.reregisterTimeout', 'agent.registryExpired'],
  framework: ['framework.failoverTimeout'],
} as const;

export type RegistryCommand =
  | ({ t: 'reg.agent.register'; nowMs: number } & AgentDescription)
  /** `tasks`: reported tasks with their specs; `known`: reported tasks the leader already held on
   * this agent when proposing, by id and state only (a re-registering fleet re-sends every spec,
   * and recording them all again would make a takeover's log many megabytes for nothing).
   * `digest` (with no tasks and no `known`): the agent's tasks as a task-digest.ts digest, which
   * equalled the registry's when the leader proposed; applied only if it still does (else the
   * result is `tasksChanged` and nothing changes), it then reconciles nothing. With a digest the
   * description may be `asHeld` instead: the agent came back as the registry describes it. */
  | ({ t: 'reg.agent.reregister'; nowMs: number; tasks: ReportedTask[]; known?: KnownTaskReport[]; digest?: string } & ReregisterDescription)
  /** The leader saw too many missed heartbeats. */
  | { t: 'reg.agent.unreachable'; agentId: string; nowMs: number }
  /** An operator's MARK_AGENT_GONE: the agent's tasks end, it is told to shut down, its id never comes back. */
  | { t: 'reg.agent.markGone'; agentId: string; nowMs: number }
  | {
      t: 'reg.framework.subscribe';
      /** Null: a new framework; the reducer names it `<idPrefix>-<NNNN>`. */
      frameworkId: string | null;
      idPrefix: string;
      info: FrameworkInfoJson;
      internal: boolean;
      nowMs: number;
    }
  | { t: 'reg.framework.disconnect'; frameworkId: string; nowMs: number }
  | { t: 'reg.framework.teardown'; frameworkId: string; reason: string; nowMs: number }
  /** All tasks of one ACCEPT (one agent); rejected whole if any of them is invalid. */
  | { t: 'reg.task.launch'; tasks: LaunchRecord[]; nowMs: number }
  | { t: 'reg.task.status'; agentId: string; source: 'agent' | 'master'; update: StatusRecord; nowMs: number }
  | { t: 'reg.task.kill'; frameworkId: string; taskId: string; nowMs: number }
  /**
   * Dynamic reservation of unreserved, unused resources of one agent: each resource names its
   * role (not `*`) and may name `reservation.principal`. Rejected whole if any part does not fit.
   */
  | { t: 'reg.reserve'; agentId: string; resources: WireResource[]; nowMs: number }
  /** Releases dynamically reserved, unused resources back to the unreserved pool; whole or nothing. */
  | { t: 'reg.unreserve'; agentId: string; resources: WireResource[]; nowMs: number }
  /** A new leader took over: subscriptions ended, agents must re-register. */
  /**
   * A new leader ends the previous term's sessions. Without `agentIds` (and in logs written
   * before slices existed) every framework and active agent at once; with them, only the named
   * agents, and the frameworks only when `frameworks` is true — a large fleet is so handled in
   * several small entries instead of one that stalls every replica applying it.
   */
  | { t: 'reg.leader.changed'; nowMs: number; agentIds?: string[]; frameworks?: boolean }
  /** A deadline from a machine's context passed (failover timeout, re-register timeout…). */
  | { t: 'reg.deadline'; kind: 'agent' | 'framework'; id: string; event: string; nowMs: number }
  /**
   * Several commands in one Raft entry (the leader coalesces status updates arriving together):
   * applied one after the other exactly as if each had its own entry, each with its own result.
   */
  | { t: 'reg.batch'; commands: RegistryCommand[]; nowMs: number };

/** Most commands one `reg.batch` may carry. */
export const MAX_BATCH_COMMANDS = 4_096;

export type RegistryCommandType = RegistryCommand['t'];

/** A problem with a command: the field and what is wrong. */
export interface CommandProblem {
  field: string;
  message: string;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function problem(field: string, message: string): CommandProblem {
  return { field, message };
}

function checkResources(resources: unknown, field: string): CommandProblem | null {
  if (!Array.isArray(resources)) return problem(field, 'must be a list of resources');
  for (const [i, resource] of resources.entries()) {
    if (!isObject(resource) || !isNonEmpty(resource['name'])) return problem(`${field}[${i}].name`, 'is required');
    const type = resource['type'];
    if (type !== 'SCALAR' && type !== 'RANGES' && type !== 'SET') return problem(`${field}[${i}].type`, 'must be SCALAR, RANGES or SET');
    if (type === 'SCALAR') {
      const scalar = resource['scalar'];
      if (!isObject(scalar) || typeof scalar['value'] !== 'number' || !Number.isFinite(scalar['value']) || scalar['value'] < 0) {
        return problem(`${field}[${i}].scalar.value`, 'must be a non-negative number');
      }
    }
    if (type === 'RANGES') {
      const ranges = resource['ranges'];
      const list = isObject(ranges) ? ranges['range'] : undefined;
      if (!Array.isArray(list)) return problem(`${field}[${i}].ranges.range`, 'must be a list');
      for (const range of list) {
        if (!isObject(range) || !Number.isInteger(range['begin']) || !Number.isInteger(range['end']) || (range['end'] as number) < (range['begin'] as number)) {
          return problem(`${field}[${i}].ranges.range`, 'each range needs integer begin ≤ end');
        }
      }
    }
  }
  return null;
}

/** RESERVE / UNRESERVE resources: a non-empty list of cpus/mem/disk/gpus scalars and ports, each with a role. */
function checkReservationResources(resources: unknown): CommandProblem | null {
  if (!Array.isArray(resources) || resources.length === 0) return problem('resources', 'must be a non-empty list of resources');
  const bad = checkResources(resources, 'resources');
  if (bad) return bad;
  for (const [i, resource] of (resources as Array<Record<string, unknown>>).entries()) {
    const name = resource['name'];
    if (!RESERVABLE.has(name as string)) return problem(`resources[${i}].name`, `must be one of ${[...RESERVABLE].join(', ')}`);
    if ((name === 'ports') !== (resource['type'] === 'RANGES')) return problem(`resources[${i}].type`, name === 'ports' ? 'ports must be RANGES' : 'must be SCALAR');
    if (!isNonEmpty(resource['role']) || resource['role'] === '*') return problem(`resources[${i}].role`, "must name a role other than '*'");
    const reservation = resource['reservation'];
    if (reservation !== undefined && (!isObject(reservation) || (reservation['principal'] !== undefined && !isString(reservation['principal'])))) {
      return problem(`resources[${i}].reservation.principal`, 'must be a string');
    }
  }
  return null;
}

const RESERVABLE: ReadonlySet<string> = new Set(['cpus', 'mem', 'disk', 'gpus', 'ports']);

function checkAgent(command: Record<string, unknown>): CommandProblem | null {
  if (!isNonEmpty(command['agentId'])) return problem('agentId', 'is required');
  if (!isString(command['hostname'])) return problem('hostname', 'must be a string');
  if (!isString(command['httpAddress'])) return problem('httpAddress', 'must be a string');
  if (!isObject(command['attributes']) || !Object.values(command['attributes']).every(isString)) {
    return problem('attributes', 'must map names to strings');
  }
  return checkResources(command['resources'], 'resources');
}

function checkReportedTasks(tasks: unknown): CommandProblem | null {
  if (!Array.isArray(tasks)) return problem('tasks', 'must be a list');
  for (const [i, task] of tasks.entries()) {
    if (!isObject(task) || !isObject(task['spec'])) return problem(`tasks[${i}].spec`, 'is required');
    const spec = task['spec'];
    if (!isNonEmpty(spec['taskId'])) return problem(`tasks[${i}].spec.taskId`, 'is required');
    if (!isNonEmpty(spec['frameworkId'])) return problem(`tasks[${i}].spec.frameworkId`, 'is required');
    if (!isTaskStateName(task['state'])) return problem(`tasks[${i}].state`, 'must be a Mesos task state');
    if (task['resources'] !== undefined) {
      const bad = checkResources(task['resources'], `tasks[${i}].resources`);
      if (bad) return bad;
    }
  }
  return null;
}

/** A description `asHeld` comes with a digest and without any of the fields it stands for. */
function checkHeld(command: Record<string, unknown>): CommandProblem | null {
  if (!isNonEmpty(command['agentId'])) return problem('agentId', 'is required');
  if (command['asHeld'] !== true) return problem('asHeld', 'must be true when present');
  if (command['digest'] === undefined) return problem('asHeld', 'needs a digest');
  for (const field of ['hostname', 'httpAddress', 'resources', 'attributes']) {
    if (command[field] !== undefined) return problem(field, 'must be absent when the description is asHeld');
  }
  return null;
}

/** A digest stands for all of the agent's tasks: it comes alone. */
function checkDigest(command: Record<string, unknown>): CommandProblem | null {
  const digest = command['digest'];
  if (digest === undefined) return null;
  if (!isNonEmpty(digest) || digest.length > MAX_TASK_DIGEST_LENGTH) return problem('digest', `must be a task digest (at most ${MAX_TASK_DIGEST_LENGTH} characters)`);
  if ((command['tasks'] as unknown[]).length > 0 || command['known'] !== undefined) return problem('digest', 'stands for every task: tasks must be empty and known absent');
  return null;
}

function checkKnownTasks(known: unknown): CommandProblem | null {
  if (known === undefined) return null;
  if (!Array.isArray(known)) return problem('known', 'must be a list');
  for (const [i, task] of known.entries()) {
    if (!isObject(task)) return problem(`known[${i}]`, 'must be an object');
    if (!isNonEmpty(task['taskId'])) return problem(`known[${i}].taskId`, 'is required');
    if (!isNonEmpty(task['frameworkId'])) return problem(`known[${i}].frameworkId`, 'is required');
    if (!isTaskStateName(task['state'])) return problem(`known[${i}].state`, 'must be a Mesos task state');
  }
  return null;
}

function checkLaunch(tasks: unknown): CommandProblem | null {
  if (!Array.isArray(tasks) || tasks.length === 0) return problem('tasks', 'must be a non-empty list');
  for (const [i, task] of tasks.entries()) {
    if (!isObject(task)) return problem(`tasks[${i}]`, 'must be an object');
    for (const key of ['taskId', 'frameworkId', 'agentId'] as const) {
      if (!isNonEmpty(task[key])) return problem(`tasks[${i}].${key}`, 'is required');
    }
    if (!isString(task['name'])) return problem(`tasks[${i}].name`, 'must be a string');
    const spec = task['spec'];
    if (!isObject(spec) || spec['taskId'] !== task['taskId'] || spec['frameworkId'] !== task['frameworkId']) {
      return problem(`tasks[${i}].spec`, 'must name the same task and framework');
    }
    const bad = checkResources(task['resources'], `tasks[${i}].resources`);
    if (bad) return bad;
  }
  return null;
}

function checkStatus(update: unknown): CommandProblem | null {
  if (!isObject(update)) return problem('update', 'is required');
  if (!isNonEmpty(update['taskId'])) return problem('update.taskId', 'is required');
  if (!isNonEmpty(update['frameworkId'])) return problem('update.frameworkId', 'is required');
  if (!isTaskStateName(update['state'])) return problem('update.state', 'must be a Mesos task state');
  if (update['uuid'] !== null && !isNonEmpty(update['uuid'])) return problem('update.uuid', 'must be a non-empty string or null');
  if (!isTime(update['timestampMs'])) return problem('update.timestampMs', 'must be epoch milliseconds');
  return null;
}

/** The first problem with a command, or null when it may be proposed and applied. */
export function validateRegistryCommand(command: unknown): CommandProblem | null {
  if (!isObject(command) || !isString(command['t'])) return problem('t', 'is required');
  if (!isTime(command['nowMs'])) return problem('nowMs', 'must be epoch milliseconds');
  const c = command;
  switch (c['t']) {
    case 'reg.agent.register':
      return checkAgent(c);
    case 'reg.agent.reregister':
      return (c['asHeld'] === undefined ? checkAgent(c) : checkHeld(c)) ?? checkReportedTasks(c['tasks']) ?? checkKnownTasks(c['known']) ?? checkDigest(c);
    case 'reg.agent.unreachable':
    case 'reg.agent.markGone':
      return isNonEmpty(c['agentId']) ? null : problem('agentId', 'is required');
    case 'reg.framework.subscribe': {
      if (c['frameworkId'] !== null && !isNonEmpty(c['frameworkId'])) return problem('frameworkId', 'must be a non-empty string or null');
      if (!isNonEmpty(c['idPrefix'])) return problem('idPrefix', 'is required');
      if (typeof c['internal'] !== 'boolean') return problem('internal', 'must be a boolean');
      const info = c['info'];
      if (!isObject(info)) return problem('info', 'is required');
      if (!isString(info['user'])) return problem('info.user', 'is required');
      if (!isString(info['name'])) return problem('info.name', 'is required');
      const timeout = info['failover_timeout'];
      if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) return problem('info.failover_timeout', 'must be a non-negative number');
      return null;
    }
    case 'reg.framework.disconnect':
      return isNonEmpty(c['frameworkId']) ? null : problem('frameworkId', 'is required');
    case 'reg.framework.teardown':
      if (!isNonEmpty(c['frameworkId'])) return problem('frameworkId', 'is required');
      return isString(c['reason']) ? null : problem('reason', 'must be a string');
    case 'reg.task.launch':
      return checkLaunch(c['tasks']);
    case 'reg.task.status':
      if (!isNonEmpty(c['agentId'])) return problem('agentId', 'is required');
      if (c['source'] !== 'agent' && c['source'] !== 'master') return problem('source', 'must be agent or master');
      return checkStatus(c['update']);
    case 'reg.task.kill':
      if (!isNonEmpty(c['frameworkId'])) return problem('frameworkId', 'is required');
      return isNonEmpty(c['taskId']) ? null : problem('taskId', 'is required');
    case 'reg.reserve':
    case 'reg.unreserve':
      if (!isNonEmpty(c['agentId'])) return problem('agentId', 'is required');
      return checkReservationResources(c['resources']);
    case 'reg.leader.changed': {
      const ids = c['agentIds'];
      if (ids !== undefined && !(Array.isArray(ids) && ids.every(isNonEmpty))) return problem('agentIds', 'must be a list of agent ids');
      if (c['frameworks'] !== undefined && typeof c['frameworks'] !== 'boolean') return problem('frameworks', 'must be a boolean');
      return null;
    }
    case 'reg.deadline': {
      const kind = c['kind'];
      if (kind !== 'agent' && kind !== 'framework') return problem('kind', 'must be agent or framework');
      if (!isNonEmpty(c['id'])) return problem('id', 'is required');
      const events: readonly string[] = DEADLINE_EVENTS[kind];
      return events.includes(c['event'] as string) ? null : problem('event', `must be one of ${events.join(', ')}`);
    }
    case 'reg.batch': {
      const commands = c['commands'];
      if (!Array.isArray(commands) || commands.length === 0 || commands.length > MAX_BATCH_COMMANDS) {
        return problem('commands', `must be 1 to ${MAX_BATCH_COMMANDS} commands`);
      }
      for (let index = 0; index < commands.length; index++) {
        const inner = commands[index] as unknown;
        if (isObject(inner) && inner['t'] === 'reg.batch') return problem(`commands[${index}].t`, 'a batch cannot hold a batch');
        const found = validateRegistryCommand(inner);
        if (found) return problem(`commands[${index}].${found.field}`, found.message);
      }
      return null;
    }
    default:
      return problem('t', `unknown registry command ${JSON.stringify(c['t'])}`);
  }
}
