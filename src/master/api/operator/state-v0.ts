/**
 * The v0 operator JSON (`/master/state`, `/master/state-summary`, `/master/frameworks`,
 * `/master/slaves`, `/master/tasks`) in Mesos's shape (mesos-api.md §6.2): resource summaries as
 * objects, times as seconds (doubles), ids as plain strings. Offers live in the leader's memory
 * only (not in the registry): they come in with the view (`context.offers`). Pure.
 */
import type { AgentEntry, TaskEntry } from '../../registry/types.js';
import {
  type AgentView, type ClusterView, type FrameworkView, type MasterFacts,
  hostOf, isActiveAgent, isConnectedFramework, portOf,
} from './cluster-view.js';
import { agentResourcesJson } from '../../registry/reservations.js';
import { TASK_INFO_VIEW_KEYS } from '../../leader/task-info.js';
import { reservedByRole, summarize, unreserved } from './resource-summary.js';
import type { OfferView } from '../context.js';

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export function masterPid(facts: MasterFacts): string {
  return `master@${facts.httpAddress}`;
}

/** MasterInfo JSON of the replica at `address` (this one, or the leader). */
export function masterInfo(facts: MasterFacts, id: string, address: string): Record<string, unknown> {
  const hostname = hostOf(address);
  const port = portOf(address);
  return { id, pid: `master@${address}`, port, hostname, version: facts.version, address: { hostname, ip: hostname, port } };
}

export function taskJson(task: TaskEntry): Record<string, unknown> {
  const info = task.info ?? {};
  return {
    id: task.taskId,
    name: task.name,
    framework_id: task.frameworkId,
    executor_id: '',
    slave_id: task.agentId,
    state: task.state,
    resources: summarize(task.resources),
    role: typeof info['role'] === 'string' ? info['role'] : '*',
    statuses: task.statuses.map((s) => ({
      state: s.state,
      timestamp: s.timestamp,
      ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
      container_status: {},
    })),
    ...taskInfoExtras(info),
  };
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

/** The TaskInfo fields both task views copy as they are (role goes into its own field). */
const TASK_INFO_EXTRA_KEYS = TASK_INFO_VIEW_KEYS.filter((key) => key !== 'role');

/** Those fields of a TaskInfo (labels, container, health check…), for either task view. */
export function taskInfoExtras(info: Record<string, unknown>): Record<string, unknown> {
  return pick(info, TASK_INFO_EXTRA_KEYS);
}

/** One outstanding offer in the v0 shape (`frameworks[].offers[]`). */
export function offerJson(offer: OfferView): Record<string, unknown> {
  return { id: offer.id, framework_id: offer.frameworkId, slave_id: offer.agentId, resources: summarize(offer.resources), offered_time: seconds(offer.createdAtMs) };
}

export function frameworkJson(view: FrameworkView, withTasks = true): Record<string, unknown> {
  const { entry } = view;
  const info = entry.info;
  const multiRole = info.capabilities?.some((c) => c.type === 'MULTI_ROLE') ?? false;
  const connected = isConnectedFramework(entry);
  return {
    id: entry.id,
    name: info.name,
    ...(entry.internal ? { pid: `scheduler-${entry.id}@internal` } : {}),
    used_resources: summarize(view.used),
    offered_resources: summarize(view.offered),
    resources: summarize(view.used, view.offered),
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: connected,
    connected,
    recovered: false,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    ...(multiRole ? { roles: info.roles ?? [] } : { role: info.role ?? '*' }),
    registered_time: seconds(entry.registeredAtMs),
    unregistered_time: seconds(entry.unregisteredAtMs) ?? 0,
    ...(entry.reregisteredAtMs !== undefined ? { reregistered_time: seconds(entry.reregisteredAtMs) } : {}),
    ...(info.principal !== undefined ? { principal: info.principal } : {}),
    ...(info.labels !== undefined ? { labels: info.labels } : {}),
    ...(withTasks
      ? {
          tasks: view.live.map(taskJson),
          unreachable_tasks: view.unreachable.map(taskJson),
          completed_tasks: view.completed.map(taskJson),
          offers: view.offers.map(offerJson),
          executors: [],
        }
      : {}),
  };
}

export function agentJson(view: AgentView, full: boolean): Record<string, unknown> {
  const { entry, used } = view;
  // Static reservations are the agent's role-tagged resources; dynamic ones live in the registry.
  const withReservations = agentResourcesJson(entry);
  const out: Record<string, unknown> = {
    id: entry.id,
    pid: `slave(1)@${entry.httpAddress}`,
    hostname: entry.hostname,
    port: portOf(entry.httpAddress),
    attributes: entry.attributes,
    registered_time: seconds(entry.registeredAtMs),
    ...(entry.reregisteredAtMs !== undefined ? { reregistered_time: seconds(entry.reregisteredAtMs) } : {}),
    resources: summarize(entry.resources),
    used_resources: summarize(used),
    offered_resources: summarize(view.offered),
    reserved_resources: reservedByRole(withReservations),
    unreserved_resources: summarize(unreserved(withReservations)),
    active: isActiveAgent(entry),
    version: '',
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
  };
  if (full) {
    out['reserved_resources_full'] = Object.fromEntries(Object.keys(out['reserved_resources'] as object).map((role) => [role, withReservations.filter((r) => r.role === role)]));
    out['unreserved_resources_full'] = unreserved(withReservations);
    out['used_resources_full'] = used;
    out['offered_resources_full'] = view.offered;
  }
  return out;
}

function leaderPid(facts: MasterFacts): string | undefined {
  return facts.leaderHttpAddress === null ? undefined : `master@${facts.leaderHttpAddress}`;
}

/** `/master/state`. */
export function stateJson(view: ClusterView, facts: MasterFacts): Record<string, unknown> {
  const active = view.agents.filter((a) => isActiveAgent(a.entry)).length;
  const leader = leaderPid(facts);
  return {
    version: facts.version,
    git_sha: '',
    git_branch: '',
    build_date: '',
    build_time: 0,
    build_user: '',
    start_time: facts.startedAtMs / 1000,
    ...(facts.elected && facts.electedAtMs !== undefined ? { elected_time: facts.electedAtMs / 1000 } : {}),
    id: facts.id,
    pid: masterPid(facts),
    hostname: hostOf(facts.httpAddress),
    capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: active,
    deactivated_slaves: view.agents.length - active,
    unreachable_slaves: view.unreachableAgents.length,
    ...(leader !== undefined ? { leader, leader_info: masterInfo(facts, facts.elected ? facts.id : '', facts.leaderHttpAddress!) } : {}),
    log_dir: '',
    flags: {},
    slaves: view.agents.map((a) => agentJson(a, true)),
    recovered_slaves: [],
    frameworks: view.frameworks.map((f) => frameworkJson(f)),
    completed_frameworks: view.completedFrameworks.map((f) => frameworkJson(f)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

function taskCounts(tasks: readonly TaskEntry[]): Record<string, number> {
  const counts: Record<string, number> = { TASK_STAGING: 0, TASK_STARTING: 0, TASK_RUNNING: 0, TASK_KILLING: 0, TASK_FINISHED: 0, TASK_KILLED: 0, TASK_FAILED: 0, TASK_LOST: 0, TASK_ERROR: 0, TASK_UNREACHABLE: 0 };
  for (const task of tasks) counts[task.state] = (counts[task.state] ?? 0) + 1;
  return counts;
}

/** `/master/state-summary`: agents and frameworks with task counts, no task lists. */
export function stateSummaryJson(view: ClusterView, facts: MasterFacts): Record<string, unknown> {
  const frameworksOnAgent = new Map<string, Set<string>>();
  const tasksOnAgent = new Map<string, TaskEntry[]>();
  const agentsOfFramework = new Map<string, Set<string>>();
  for (const f of [...view.frameworks, ...view.completedFrameworks]) {
    for (const task of [...f.live, ...f.unreachable, ...f.completed]) {
      (frameworksOnAgent.get(task.agentId) ?? frameworksOnAgent.set(task.agentId, new Set()).get(task.agentId)!).add(f.entry.id);
      (tasksOnAgent.get(task.agentId) ?? tasksOnAgent.set(task.agentId, []).get(task.agentId)!).push(task);
      (agentsOfFramework.get(f.entry.id) ?? agentsOfFramework.set(f.entry.id, new Set()).get(f.entry.id)!).add(task.agentId);
    }
  }
  const summaryOfAgent = (a: AgentView) => ({
    ...pick(agentJson(a, false), ['id', 'pid', 'hostname', 'registered_time', 'resources', 'used_resources', 'offered_resources', 'reserved_resources', 'unreserved_resources', 'attributes', 'active', 'version', 'capabilities']),
    ...taskCounts(tasksOnAgent.get(a.entry.id) ?? []),
    framework_ids: [...(frameworksOnAgent.get(a.entry.id) ?? [])],
  });
  const summaryOfFramework = (f: FrameworkView) => ({
    ...frameworkJson(f, false),
    ...taskCounts([...f.live, ...f.unreachable, ...f.completed]),
    slave_ids: [...(agentsOfFramework.get(f.entry.id) ?? [])],
  });
  return {
    hostname: hostOf(facts.httpAddress),
    cluster: '',
    slaves: view.agents.map(summaryOfAgent),
    frameworks: view.frameworks.map(summaryOfFramework),
  };
}

export function frameworksJson(view: ClusterView): Record<string, unknown> {
  return {
    frameworks: view.frameworks.map((f) => frameworkJson(f)),
    completed_frameworks: view.completedFrameworks.map((f) => frameworkJson(f)),
    unregistered_frameworks: [],
  };
}

export function slavesJson(view: ClusterView): Record<string, unknown> {
  return { slaves: view.agents.map((a) => agentJson(a, true)), recovered_slaves: [] as AgentEntry[] };
}
