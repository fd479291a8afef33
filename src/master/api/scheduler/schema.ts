/**
 * Schemas of the v1 scheduler `Call` with protobuf-JSON semantics (mesos-api.md §2.2): field names
 * are proto names, enums are names, bytes are base64 strings, 64-bit and double numbers may come
 * as JSON numbers or numeric strings. Unknown members are kept (the port ignores them), `null` has
 * been removed before parsing (null = unset). Required proto2 fields are required here; everything
 * else is optional. Messages the master only stores or forwards (containers, health checks…) are
 * checked to be objects and passed through whole.
 */
import * as z from 'zod';

export const CALL_TYPES = [
  'UNKNOWN', 'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS',
  'REVIVE', 'KILL', 'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE',
  'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST', 'SUPPRESS', 'UPDATE_FRAMEWORK',
] as const;
export type CallType = (typeof CALL_TYPES)[number];

const FRAMEWORK_CAPABILITIES = [
  'UNKNOWN', 'REVOCABLE_RESOURCES', 'TASK_KILLING_STATE', 'GPU_RESOURCES', 'SHARED_RESOURCES',
  'PARTITION_AWARE', 'MULTI_ROLE', 'RESERVATION_REFINEMENT', 'REGION_AWARE',
] as const;

const OPERATION_TYPES = [
  'UNKNOWN', 'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME',
  'SHRINK_VOLUME', 'CREATE_DISK', 'DESTROY_DISK', 'CREATE_VOLUME', 'DESTROY_VOLUME', 'CREATE_BLOCK', 'DESTROY_BLOCK',
] as const;

const RESOURCE_TYPES = ['SCALAR', 'RANGES', 'SET', 'TEXT', 'DEVICES'] as const;

const NUMERIC_STRING = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A proto number (double, int32, int64…): a JSON number or a numeric string (int64 in JSON). */
const num = z.preprocess((v) => (typeof v === 'string' && NUMERIC_STRING.test(v) ? Number(v) : v), z.number({ error: 'Expecting a number' }));
const int = z.preprocess((v) => (typeof v === 'string' && NUMERIC_STRING.test(v) ? Number(v) : v), z.number({ error: 'Expecting a number' }).int('Expecting an integer'));
const str = z.string({ error: 'Expecting a string' });
const bool = z.boolean({ error: 'Expecting a boolean' });
/** Protobuf `bytes` in JSON: base64, standard or URL-safe alphabet. */
export const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;
const bytes = str.regex(BASE64, 'Failed to decode base64');
/** An opaque message the master stores or forwards as is. */
const message = z.looseObject({});
const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => (typeof issue.input === 'string' ? `Failed to find enum for '${issue.input}'` : 'Expecting a string (enum name)') });

const id = z.looseObject({ value: str });
const strings = z.array(str);

export const resourceSchema = z.looseObject({
  name: str,
  type: enumOf(RESOURCE_TYPES),
  scalar: z.looseObject({ value: num }).optional(),
  ranges: z.looseObject({ range: z.array(z.looseObject({ begin: int, end: int })).optional() }).optional(),
  set: z.looseObject({ item: strings.optional() }).optional(),
  role: str.optional(),
  allocation_info: z.looseObject({ role: str.optional() }).optional(),
  reservation: message.optional(),
  reservations: z.array(message).optional(),
  disk: message.optional(),
  revocable: message.optional(),
  shared: message.optional(),
});

const filters = z.looseObject({ refuse_seconds: num.optional() });

const commandInfo = z.looseObject({
  value: str.optional(),
  shell: bool.optional(),
  arguments: strings.optional(),
  user: str.optional(),
  uris: z.array(z.looseObject({ value: str, executable: bool.optional(), extract: bool.optional(), cache: bool.optional(), output_file: str.optional() })).optional(),
  environment: z.looseObject({ variables: z.array(z.looseObject({ name: str, value: str.optional(), type: str.optional() })).optional() }).optional(),
});

export const taskInfoSchema = z.looseObject({
  name: str,
  task_id: id,
  agent_id: id,
  resources: z.array(resourceSchema).optional(),
  command: commandInfo.optional(),
  executor: message.optional(),
  container: message.optional(),
  health_check: message.optional(),
  check: message.optional(),
  kill_policy: message.optional(),
  labels: message.optional(),
  discovery: message.optional(),
  data: bytes.optional(),
  max_completion_time: message.optional(),
});

const resources = z.looseObject({ resources: z.array(resourceSchema).optional() });

const operation = z.looseObject({
  type: enumOf(OPERATION_TYPES).optional(),
  id: id.optional(),
  launch: z.looseObject({ task_infos: z.array(taskInfoSchema).optional() }).optional(),
  launch_group: z.looseObject({ executor: message, task_group: z.looseObject({ tasks: z.array(taskInfoSchema).optional() }) }).optional(),
  reserve: resources.optional(),
  unreserve: resources.optional(),
  create: z.looseObject({ volumes: z.array(resourceSchema).optional() }).optional(),
  destroy: z.looseObject({ volumes: z.array(resourceSchema).optional() }).optional(),
});

export const frameworkInfoSchema = z.looseObject({
  user: str,
  name: str,
  id: id.optional(),
  failover_timeout: num.optional(),
  checkpoint: bool.optional(),
  role: str.optional(),
  roles: strings.optional(),
  hostname: str.optional(),
  principal: str.optional(),
  webui_url: str.optional(),
  capabilities: z.array(z.looseObject({ type: enumOf(FRAMEWORK_CAPABILITIES).optional() })).optional(),
  labels: message.optional(),
  offer_filters: message.optional(),
});

const offerIds = z.looseObject({ offer_ids: z.array(id).optional(), filters: filters.optional() });
const inverseOfferIds = z.looseObject({ inverse_offer_ids: z.array(id).optional(), filters: filters.optional() });
const rolesOnly = z.looseObject({ roles: strings.optional() });
const frameworkUpdate = z.looseObject({ framework_info: frameworkInfoSchema, suppressed_roles: strings.optional(), offer_constraints: message.optional() });

export const callSchema = z.looseObject({
  type: enumOf(CALL_TYPES).optional(),
  framework_id: id.optional(),
  subscribe: frameworkUpdate.optional(),
  accept: z.looseObject({ offer_ids: z.array(id).optional(), operations: z.array(operation).optional(), filters: filters.optional() }).optional(),
  decline: offerIds.optional(),
  accept_inverse_offers: inverseOfferIds.optional(),
  decline_inverse_offers: inverseOfferIds.optional(),
  revive: rolesOnly.optional(),
  suppress: rolesOnly.optional(),
  kill: z.looseObject({ task_id: id, agent_id: id.optional(), kill_policy: message.optional() }).optional(),
  shutdown: z.looseObject({ executor_id: id, agent_id: id }).optional(),
  acknowledge: z.looseObject({ agent_id: id, task_id: id, uuid: bytes }).optional(),
  acknowledge_operation_status: z.looseObject({ agent_id: id.optional(), resource_provider_id: id.optional(), uuid: bytes, operation_id: id }).optional(),
  reconcile: z.looseObject({ tasks: z.array(z.looseObject({ task_id: id, agent_id: id.optional() })).optional() }).optional(),
  reconcile_operations: z.looseObject({ operations: z.array(z.looseObject({ operation_id: id, agent_id: id.optional(), resource_provider_id: id.optional() })).optional() }).optional(),
  message: z.looseObject({ agent_id: id, executor_id: id, data: bytes }).optional(),
  request: z.looseObject({ requests: z.array(z.looseObject({ agent_id: id.optional(), resources: z.array(resourceSchema).optional() })).optional() }).optional(),
  update_framework: frameworkUpdate.optional(),
});

export type DecodedCall = z.infer<typeof callSchema>;
