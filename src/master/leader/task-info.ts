/**
 * Mesos TaskInfo JSON (from a LAUNCH operation) → what the registry records and the agent runs
 * (TaskSpec). Validation follows apache/mesos `src/master/validation.cpp` in spirit: a valid id,
 * the offer's agent, non-empty resources, exactly one of command/executor (we run commands and
 * Docker containers only). Problems are returned, not thrown: they become TASK_ERROR updates.
 * Pure.
 */
import type { CommandSpec, DockerSpec, TaskSpec } from '../../agent/types.js';
import type { HealthCheckSpec } from '../../agent/health-check.js';
import type { WireResource } from '../../protocol/messages.js';
import type { LaunchRecord } from '../registry/commands.js';
import { amountsOf } from '../registry/resources.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const valueOf = (id: unknown): string | undefined => (isObject(id) ? str(id['value']) : undefined);

export type TaskInfoResult = { ok: true; launch: LaunchRecord } | { ok: false; taskId: string; message: string };

/** Mesos task id rules: non-empty, no '/', '\\', control characters, not '.' or '..'. */
export function taskIdProblem(id: string): string | null {
  if (id.length === 0) return 'Task ID must not be empty';
  if (id === '.' || id === '..') return `Task ID '${id}' is invalid`;
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(id)) return `Task ID '${id}' contains invalid characters`;
  return null;
}

export function taskIdOf(info: unknown): string {
  return (isObject(info) ? valueOf(info['task_id']) : undefined) ?? '';
}

/**
 * Mesos resources as sent by frameworks (role/allocation_info may be absent or null). The
 * reservation role is kept — from `role` (pre-refinement) or the last of `reservations[]`
 * (refinement) — with the reservation's principal, so reserved resources are charged to their
 * role's reservation.
 */
export function wireResourcesOf(value: unknown): WireResource[] {
  if (!Array.isArray(value)) return [];
  const out: WireResource[] = [];
  for (const item of value) {
    if (!isObject(item) || !str(item['name'])) continue;
    const type = str(item['type']) ?? (isObject(item['scalar']) ? 'SCALAR' : isObject(item['ranges']) ? 'RANGES' : 'SET');
    let resource: WireResource;
    if (type === 'SCALAR' && isObject(item['scalar']) && num(item['scalar']['value']) !== undefined) {
      resource = { name: item['name'] as string, type: 'SCALAR', scalar: { value: num(item['scalar']['value'])! } };
    } else if (type === 'RANGES' && isObject(item['ranges']) && Array.isArray(item['ranges']['range'])) {
      const range = (item['ranges']['range'] as unknown[])
        .filter(isObject)
        .map((r) => ({ begin: num(r['begin']) ?? 0, end: num(r['end']) ?? -1 }));
      resource = { name: item['name'] as string, type: 'RANGES', ranges: { range } };
    } else if (type === 'SET' && isObject(item['set']) && Array.isArray(item['set']['item'])) {
      resource = { name: item['name'] as string, type: 'SET', set: { item: (item['set']['item'] as unknown[]).filter((x): x is string => typeof x === 'string') } };
    } else {
      continue;
    }
    out.push({ ...resource, ...reservationOf(item) });
  }
  return out;
}

/** `role` and `reservation.principal` of a resource, when it is reserved. */
function reservationOf(item: Json): Pick<WireResource, 'role' | 'reservation'> {
  const refined = Array.isArray(item['reservations']) ? (item['reservations'] as unknown[]).filter(isObject).at(-1) : undefined;
  const role = str(refined?.['role']) ?? str(item['role']);
  if (role === undefined || role === '*' || role === '') return {};
  const principal = str(refined?.['principal']) ?? (isObject(item['reservation']) ? str(item['reservation']['principal']) : undefined);
  return { role, ...(principal !== undefined ? { reservation: { principal } } : {}) };
}

function commandOf(command: Json): CommandSpec {
  const environment: Record<string, string> = {};
  const variables = isObject(command['environment']) ? command['environment']['variables'] : undefined;
  if (Array.isArray(variables)) {
    for (const variable of variables) {
      if (isObject(variable) && str(variable['name'])) environment[variable['name'] as string] = str(variable['value']) ?? '';
    }
  }
  const args = Array.isArray(command['arguments']) ? (command['arguments'] as unknown[]).filter((a): a is string => typeof a === 'string') : undefined;
  const user = str(command['user']);
  return {
    shell: command['shell'] !== false,
    value: str(command['value']) ?? '',
    ...(args && args.length > 0 ? { arguments: args } : {}),
    ...(Object.keys(environment).length > 0 ? { environment } : {}),
    ...(user ? { user } : {}),
  };
}

const NETWORK_MODES: Record<string, DockerSpec['networkMode']> = { HOST: 'host', BRIDGE: 'bridge', NONE: 'none', USER: 'bridge' };

function dockerOf(container: Json): DockerSpec | null {
  const docker = container['docker'];
  if (!isObject(docker) || !str(docker['image'])) return null;
  const spec: DockerSpec = { image: docker['image'] as string };
  const network = str(docker['network']);
  if (network && NETWORK_MODES[network]) spec.networkMode = NETWORK_MODES[network];
  if (docker['force_pull_image'] === true) spec.pullPolicy = 'always';
  if (docker['privileged'] === true) spec.privileged = true;
  if (Array.isArray(docker['port_mappings'])) {
    spec.portMappings = (docker['port_mappings'] as unknown[]).filter(isObject).map((m) => ({
      hostPort: num(m['host_port']) ?? 0,
      containerPort: num(m['container_port']) ?? 0,
      ...(str(m['protocol']) === 'udp' ? { protocol: 'udp' as const } : {}),
    }));
  }
  if (Array.isArray(container['volumes'])) {
    spec.volumes = (container['volumes'] as unknown[])
      .filter(isObject)
      .filter((v) => str(v['host_path']) && str(v['container_path']))
      .map((v) => ({ hostPath: v['host_path'] as string, containerPath: v['container_path'] as string, ...(v['mode'] === 'RO' ? { readOnly: true } : {}) }));
  }
  return spec;
}

function seconds(value: unknown, fallback?: number): number | undefined {
  const n = num(value);
  return n === undefined ? fallback : Math.round(n * 1000);
}

function healthCheckOf(check: Json): HealthCheckSpec | null {
  const type = str(check['type']) ?? (isObject(check['command']) ? 'COMMAND' : isObject(check['http']) ? 'HTTP' : undefined);
  const timing = {
    ...(seconds(check['delay_seconds']) !== undefined ? { delayMs: seconds(check['delay_seconds'])! } : {}),
    ...(seconds(check['interval_seconds']) !== undefined ? { intervalMs: seconds(check['interval_seconds'])! } : {}),
    ...(seconds(check['timeout_seconds']) !== undefined ? { timeoutMs: seconds(check['timeout_seconds'])! } : {}),
    ...(seconds(check['grace_period_seconds']) !== undefined ? { gracePeriodMs: seconds(check['grace_period_seconds'])! } : {}),
    ...(num(check['consecutive_failures']) !== undefined ? { consecutiveFailures: num(check['consecutive_failures'])! } : {}),
  };
  if (type === 'COMMAND' && isObject(check['command'])) return { type: 'COMMAND', command: str(check['command']['value']) ?? '', ...timing };
  if (type === 'HTTP' && isObject(check['http'])) {
    const http = check['http'];
    const statuses = Array.isArray(http['statuses']) ? (http['statuses'] as unknown[]).filter((s): s is number => typeof s === 'number') : undefined;
    return {
      type: 'HTTP',
      http: { port: num(http['port']) ?? 0, ...(str(http['path']) ? { path: str(http['path'])! } : {}), ...(http['scheme'] === 'https' ? { scheme: 'https' as const } : {}), ...(statuses ? { statuses } : {}) },
      ...timing,
    };
  }
  if (type === 'TCP' && isObject(check['tcp'])) return { type: 'TCP', tcp: { port: num(check['tcp']['port']) ?? 0 }, ...timing };
  return null;
}

/** The TaskInfo fields the operator views show beyond the task's own record (id, name, agent,
 * resources and command are kept there already). Only these are replicated with a launch: the
 * whole TaskInfo was ~40% of a launch entry, encoded, stored and decoded on every replica. */
export const TASK_INFO_VIEW_KEYS = ['role', 'labels', 'discovery', 'container', 'health_check', 'user'] as const;

/** The view fields of a TaskInfo, without nulls. */
export function taskInfoViewFields(info: Json): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TASK_INFO_VIEW_KEYS) if (info[key] !== null && info[key] !== undefined) out[key] = stripNulls(info[key]);
  return out;
}

/** Converts and validates one TaskInfo launched on `agentId` by `frameworkId`. */
export function launchFromTaskInfo(info: unknown, frameworkId: string, agentId: string): TaskInfoResult {
  const taskId = taskIdOf(info);
  if (!isObject(info)) return { ok: false, taskId, message: 'TaskInfo must be an object' };
  const idProblem = taskIdProblem(taskId);
  if (idProblem) return { ok: false, taskId, message: idProblem };
  const givenAgent = valueOf(info['agent_id']) ?? valueOf(info['slave_id']);
  if (givenAgent !== undefined && givenAgent !== agentId) {
    return { ok: false, taskId, message: `Task uses agent ${givenAgent} but the offer is for agent ${agentId}` };
  }
  const resources = wireResourcesOf(info['resources']);
  const amounts = amountsOf(resources);
  if (amounts.cpus <= 0 && amounts.mem <= 0 && amounts.disk <= 0 && amounts.ports.length === 0) {
    return { ok: false, taskId, message: 'Task uses no resources' };
  }
  if (isObject(info['executor'])) return { ok: false, taskId, message: 'Custom executors are not supported; use a command task' };
  const container = isObject(info['container']) ? info['container'] : null;
  const docker = container ? dockerOf(container) : null;
  if (container && str(container['type']) === 'DOCKER' && !docker) return { ok: false, taskId, message: "'container.docker.image' is required" };
  const command = isObject(info['command']) ? commandOf(info['command']) : null;
  if (!command && !docker) return { ok: false, taskId, message: "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present" };
  const spec: TaskSpec = {
    taskId,
    frameworkId,
    // A Docker task without a command runs the image's entrypoint (shell false, no value).
    command: command ?? { shell: false, value: '' },
    limits: { ...(amounts.cpus > 0 ? { cpus: amounts.cpus } : {}), ...(amounts.mem > 0 ? { memMb: amounts.mem } : {}) },
  };
  if (docker) spec.container = docker;
  const healthCheck = isObject(info['health_check']) ? healthCheckOf(info['health_check']) : null;
  if (healthCheck) spec.healthCheck = healthCheck;
  const grace = isObject(info['kill_policy']) && isObject(info['kill_policy']['grace_period']) ? num(info['kill_policy']['grace_period']['nanoseconds']) : undefined;
  if (grace !== undefined) spec.killGracePeriodMs = Math.round(grace / 1e6);
  return {
    ok: true,
    launch: { taskId, frameworkId, agentId, name: str(info['name']) ?? taskId, resources, spec, info: taskInfoViewFields(info) },
  };
}

/** JSON without nulls (clients send null for every unset field; msgpackr keeps them otherwise). */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== null && inner !== undefined) out[key] = stripNulls(inner);
  return out;
}
