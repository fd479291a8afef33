/**
 * Mesos v1 scheduler events as JSON objects (mesos-api.md §2.5), built from registry entries and
 * offers. Pure.
 */
import type { TaskStateName } from '../../actors/task-state.js';
import type { AgentEntry, FrameworkInfoJson, TaskEntry, TaskStatusEntry } from '../registry/types.js';
import type { V1Event } from './scheduler-port.js';
import type { Offer } from './offers.js';
import { offerResourcesJson } from './offer-resources.js';

/** States only PARTITION_AWARE frameworks understand; others get TASK_LOST (§0 C8). */
const PARTITION_AWARE_ONLY: ReadonlySet<TaskStateName> = new Set(['TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

export function stateForFramework(state: TaskStateName, info: FrameworkInfoJson | undefined): TaskStateName {
  const aware = info?.capabilities?.some((c) => c.type === 'PARTITION_AWARE') ?? false;
  return !aware && PARTITION_AWARE_ONLY.has(state) ? 'TASK_LOST' : state;
}

/** A v1 `bytes` field: base64 of the uuid string's UTF-8 (the agent's uuids are strings). */
export function uuidToBytes(uuid: string): string {
  return Buffer.from(uuid, 'utf8').toString('base64');
}

export function uuidFromBytes(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

export interface MasterInfoJson {
  id: string;
  ip: number;
  port: number;
  hostname: string;
  version: string;
  address: { hostname: string; ip: string; port: number };
}

export function masterInfoOf(masterId: string, httpAddress: string, version: string): MasterInfoJson {
  const [host, port] = splitHostPort(httpAddress);
  return { id: masterId, ip: ipv4ToInt(host), port, hostname: host, version, address: { hostname: host, ip: host, port } };
}

export function subscribedEvent(frameworkId: string, heartbeatSeconds: number, masterInfo: MasterInfoJson): V1Event {
  return {
    type: 'SUBSCRIBED',
    subscribed: { framework_id: { value: frameworkId }, heartbeat_interval_seconds: heartbeatSeconds, master_info: masterInfo },
  };
}

export function heartbeatEvent(): V1Event {
  return { type: 'HEARTBEAT' };
}

export function errorEvent(message: string): V1Event {
  return { type: 'ERROR', error: { message } };
}

export function rescindEvent(offerId: string): V1Event {
  return { type: 'RESCIND', rescind: { offer_id: { value: offerId } } };
}

export function failureEvent(agentId: string): V1Event {
  return { type: 'FAILURE', failure: { agent_id: { value: agentId } } };
}

export function offerJson(offer: Offer, agent: AgentEntry, role: string): Record<string, unknown> {
  const [host, port] = splitHostPort(agent.httpAddress);
  return {
    id: { value: offer.id },
    framework_id: { value: offer.frameworkId },
    agent_id: { value: offer.agentId },
    hostname: agent.hostname,
    url: { scheme: 'http', address: { hostname: agent.hostname, ip: host, port }, path: '/slave(1)' },
    resources: offerResourcesJson(offer, agent, role),
    attributes: Object.entries(agent.attributes).map(([name, value]) => ({ name, type: 'TEXT', text: { value } })),
    executor_ids: [],
    allocation_info: { role },
  };
}

export function offersEvent(offers: Array<Record<string, unknown>>): V1Event {
  return { type: 'OFFERS', offers: { offers } };
}

/** The fields of a status the UPDATE carries beyond the task's identity. */
export interface StatusFields {
  state: TaskStateName;
  timestampSeconds: number;
  source: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  uuid?: string | null;
  message?: string | undefined;
  reason?: string | undefined | null;
  healthy?: boolean | undefined;
}

/** UPDATE for one task status; `uuid` only for reliably delivered (agent) updates (§0 C12). */
export function updateEvent(taskId: string, agentId: string, fields: StatusFields, info?: FrameworkInfoJson): V1Event {
  const status: Record<string, unknown> = {
    task_id: { value: taskId },
    state: stateForFramework(fields.state, info),
    source: fields.source,
    agent_id: { value: agentId },
    timestamp: fields.timestampSeconds,
  };
  if (fields.message !== undefined) status['message'] = fields.message;
  if (fields.reason) status['reason'] = fields.reason;
  if (fields.healthy !== undefined) status['healthy'] = fields.healthy;
  if (fields.uuid) status['uuid'] = uuidToBytes(fields.uuid);
  return { type: 'UPDATE', update: { status } };
}

/** Fields of a stored status, for re-sending it (reconciliation drops the uuid). */
export function statusFieldsOf(task: TaskEntry, status: TaskStatusEntry | undefined): StatusFields {
  return {
    state: status?.state ?? task.state,
    timestampSeconds: status?.timestamp ?? 0,
    source: status?.source ?? 'SOURCE_MASTER',
    message: status?.message,
    reason: status?.reason,
    healthy: status?.healthy,
  };
}

export function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  if (at < 0) return [address, 0];
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

function ipv4ToInt(host: string): number {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  // Mesos packs the IPv4 address in network byte order into a uint32.
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}
