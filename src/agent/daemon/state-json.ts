/**
 * The agent's `/state` document in the Mesos agent v0 shape (pure: the caller passes what it
 * knows). Command tasks run under a command executor whose id is the task id, as in Mesos.
 */
import type { WireResource } from '../../protocol/messages.js';
import type { TaskRecord } from '../types.js';
import { formatValue } from './resources.js';

export interface AgentStateInput {
  agentId: string | null;
  hostname: string;
  httpAddress: string;
  version: string;
  startTimeSec: number;
  resources: readonly WireResource[];
  attributes: Readonly<Record<string, string>>;
  /** host:port of the master we are registered with. */
  master: string | null;
  tasks: readonly TaskRecord[];
  sandboxOf(record: TaskRecord): string;
  flags?: Record<string, string>;
}

/** Mesos v0 resources object: scalars as numbers, ranges and sets in their text form. */
export function resourcesObject(resources: readonly WireResource[]): Record<string, number | string> {
  const object: Record<string, number | string> = {};
  for (const r of resources) {
    if (r.type === 'SCALAR') object[r.name] = ((object[r.name] as number | undefined) ?? 0) + (r.scalar?.value ?? 0);
    else object[r.name] = formatValue(r);
  }
  return object;
}

export function buildAgentState(input: AgentStateInput): Record<string, unknown> {
  const id = input.agentId ?? '';
  const byFramework = new Map<string, TaskRecord[]>();
  for (const record of input.tasks) {
    const list = byFramework.get(record.spec.frameworkId) ?? [];
    list.push(record);
    byFramework.set(record.spec.frameworkId, list);
  }
  const frameworks: unknown[] = [];
  const completedFrameworks: unknown[] = [];
  for (const [frameworkId, records] of [...byFramework].sort(([a], [b]) => a.localeCompare(b))) {
    const live = records.filter((r) => r.phase !== 'terminal');
    const done = records.filter((r) => r.phase === 'terminal');
    const framework = {
      id: frameworkId,
      name: '',
      hostname: input.hostname,
      executors: live.map((r) => executorJson(r, id, input.sandboxOf(r), false)),
      completed_executors: done.map((r) => executorJson(r, id, input.sandboxOf(r), true)),
    };
    (live.length > 0 ? frameworks : completedFrameworks).push(framework);
  }
  const [host, port] = splitAddress(input.httpAddress);
  return {
    version: input.version,
    start_time: input.startTimeSec,
    id,
    pid: `slave(1)@${host}:${port}`,
    hostname: input.hostname,
    port: Number(port),
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'AGENT_OPERATION_FEEDBACK'],
    resources: resourcesObject(input.resources),
    unreserved_resources: resourcesObject(input.resources.filter((r) => !r.role || r.role === '*')),
    reserved_resources: {},
    attributes: { ...input.attributes },
    master_hostname: input.master ? splitAddress(input.master)[0] : null,
    flags: input.flags ?? {},
    frameworks,
    completed_frameworks: completedFrameworks,
  };
}

function executorJson(record: TaskRecord, agentId: string, directory: string, completed: boolean): Record<string, unknown> {
  const spec = record.spec;
  const task = {
    id: spec.taskId,
    name: spec.taskId,
    framework_id: spec.frameworkId,
    executor_id: '',
    slave_id: agentId,
    state: record.lastState,
    resources: resourcesObject(spec.resources ?? []),
    ...(record.healthy !== undefined ? { healthy: record.healthy } : {}),
    ...(spec.container ? { container: { type: 'DOCKER', docker: { image: spec.container.image } } } : {}),
  };
  return {
    id: spec.taskId,
    name: `Command Executor (Task: ${spec.taskId}) (Command: ${spec.command.shell ? 'sh -c' : spec.command.value})`,
    source: spec.taskId,
    container: record.containerId ?? '',
    directory,
    resources: resourcesObject(spec.resources ?? []),
    tasks: completed ? [] : [task],
    queued_tasks: [],
    completed_tasks: completed ? [task] : [],
  };
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  return at < 0 ? [address, ''] : [address.slice(0, at), address.slice(at + 1)];
}
