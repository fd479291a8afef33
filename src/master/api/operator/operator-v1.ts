/**
 * The v1 operator API's read calls (`POST /api/v1`, apache/mesos master.proto, mesos-api.md §6.3):
 * GET_HEALTH, GET_VERSION, GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS, GET_MASTER,
 * GET_METRICS, answered `{"type":"GET_X","get_x":{…}}` with v1 shapes (ids as `{value}`, full
 * Resource arrays, times as `{nanoseconds}`). Pure.
 */
import type { TaskEntry } from '../../registry/types.js';
import { type ClusterView, type FrameworkView, type AgentView, type MasterFacts, isActiveAgent, isConnectedFramework, portOf } from './cluster-view.js';
import { masterInfo, taskInfoExtras } from './state-v0.js';

/** Every call type of master.proto; the ones not in SUPPORTED answer 501. */
export const OPERATOR_CALL_TYPES = [
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL',
  'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS',
  'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'UPDATE_WEIGHTS', 'GET_MASTER', 'SUBSCRIBE', 'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS', 'GET_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE',
  'STOP_MAINTENANCE', 'DRAIN_AGENT', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT', 'GET_QUOTA', 'UPDATE_QUOTA',
  'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE',
] as const;

export const SUPPORTED_OPERATOR_CALLS = ['GET_HEALTH', 'GET_VERSION', 'GET_STATE', 'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_TASKS', 'GET_MASTER', 'GET_METRICS'] as const;
export type SupportedOperatorCall = (typeof SUPPORTED_OPERATOR_CALLS)[number];

/** Calls any replica answers itself; the rest are redirected to the leader. */
export const LOCAL_OPERATOR_CALLS: ReadonlySet<string> = new Set(['GET_HEALTH', 'GET_VERSION']);

const time = (ms: number | undefined) => (ms === undefined ? undefined : { nanoseconds: Math.round(ms * 1e6) });
const idOf = (value: string) => ({ value });

function taskV1(task: TaskEntry): Record<string, unknown> {
  const info = task.info ?? {};
  const latest = task.statuses.at(-1);
  return {
    name: task.name,
    task_id: idOf(task.taskId),
    framework_id: idOf(task.frameworkId),
    agent_id: idOf(task.agentId),
    state: task.state,
    resources: task.resources,
    statuses: task.statuses.map((s) => ({
      task_id: idOf(task.taskId),
      state: s.state,
      agent_id: idOf(task.agentId),
      timestamp: s.timestamp,
      ...(s.source !== undefined ? { source: s.source } : {}),
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      ...(s.message !== undefined ? { message: s.message } : {}),
      ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
    })),
    ...(latest ? { status_update_state: latest.state } : {}),
    ...(latest?.uuid !== undefined ? { status_update_uuid: latest.uuid } : {}),
    ...taskInfoExtras(info),
  };
}

function frameworkV1(view: FrameworkView): Record<string, unknown> {
  const connected = isConnectedFramework(view.entry);
  return {
    framework_info: { ...view.entry.info, id: idOf(view.entry.id) },
    active: connected,
    connected,
    recovered: false,
    registered_time: time(view.entry.registeredAtMs),
    ...(view.entry.reregisteredAtMs !== undefined ? { reregistered_time: time(view.entry.reregisteredAtMs) } : {}),
    ...(view.entry.unregisteredAtMs !== undefined ? { unregistered_time: time(view.entry.unregisteredAtMs) } : {}),
    offers: view.offers.map((offer) => ({ id: idOf(offer.id), framework_id: idOf(offer.frameworkId), agent_id: idOf(offer.agentId), resources: offer.resources })),
    inverse_offers: [],
    allocated_resources: view.used,
    offered_resources: view.offered,
  };
}

function agentV1(view: AgentView): Record<string, unknown> {
  const { entry } = view;
  return {
    agent_info: {
      id: idOf(entry.id),
      hostname: entry.hostname,
      port: portOf(entry.httpAddress),
      resources: entry.resources,
      attributes: Object.entries(entry.attributes).map(([name, value]) => ({ name, type: 'TEXT', text: { value } })),
    },
    active: isActiveAgent(entry),
    deactivated: !isActiveAgent(entry),
    version: '',
    pid: `slave(1)@${entry.httpAddress}`,
    registered_time: time(entry.registeredAtMs),
    ...(entry.reregisteredAtMs !== undefined ? { reregistered_time: time(entry.reregisteredAtMs) } : {}),
    total_resources: entry.resources,
    allocated_resources: view.used,
    offered_resources: view.offered,
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
  };
}

export function getTasks(view: ClusterView): Record<string, unknown> {
  const frameworks = [...view.frameworks, ...view.completedFrameworks];
  return {
    pending_tasks: [],
    tasks: frameworks.flatMap((f) => f.live.map(taskV1)),
    unreachable_tasks: frameworks.flatMap((f) => f.unreachable.map(taskV1)),
    completed_tasks: frameworks.flatMap((f) => f.completed.map(taskV1)),
    orphan_tasks: [],
  };
}

export function getFrameworks(view: ClusterView): Record<string, unknown> {
  return { frameworks: view.frameworks.map(frameworkV1), completed_frameworks: view.completedFrameworks.map(frameworkV1), recovered_frameworks: [] };
}

export function getAgents(view: ClusterView): Record<string, unknown> {
  return { agents: view.agents.map(agentV1), recovered_agents: [] };
}

export function getVersion(facts: MasterFacts): Record<string, unknown> {
  return { version_info: { version: facts.version, build_date: '', build_time: 0, build_user: '', git_sha: '' } };
}

export function getMaster(facts: MasterFacts): Record<string, unknown> {
  return {
    master_info: masterInfo(facts, facts.id, facts.httpAddress),
    start_time: facts.startedAtMs / 1000,
    ...(facts.elected && facts.electedAtMs !== undefined ? { elected_time: facts.electedAtMs / 1000 } : {}),
  };
}

/** The body of a supported call's answer: `{type, get_x: …}`. */
export function answerOperatorCall(type: SupportedOperatorCall, view: () => ClusterView, facts: MasterFacts, metrics: () => Record<string, number>): Record<string, unknown> {
  const key = type.toLowerCase();
  switch (type) {
    case 'GET_HEALTH':
      return { type, [key]: { healthy: true } };
    case 'GET_VERSION':
      return { type, [key]: getVersion(facts) };
    case 'GET_MASTER':
      return { type, [key]: getMaster(facts) };
    case 'GET_METRICS':
      return { type, [key]: { metrics: Object.entries(metrics()).map(([name, value]) => ({ name, value })) } };
    case 'GET_TASKS':
      return { type, [key]: getTasks(view()) };
    case 'GET_AGENTS':
      return { type, [key]: getAgents(view()) };
    case 'GET_FRAMEWORKS':
      return { type, [key]: getFrameworks(view()) };
    case 'GET_STATE': {
      const v = view();
      return { type, [key]: { get_tasks: getTasks(v), get_executors: { executors: [], orphan_executors: [] }, get_frameworks: getFrameworks(v), get_agents: getAgents(v) } };
    }
  }
}
