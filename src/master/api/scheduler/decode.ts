/**
 * Request body → validated v1 `Call`, in Mesos's order and with its messages
 * (mesos-api.md §2.1–2.2): JSON parse → protobuf conversion (null = unset, unknown members
 * ignored, enums by name, required fields) → `scheduler::call::validate`. Pure.
 */
import type * as z from 'zod';
import type { V1Call } from '../../leader/scheduler-port.js';
import { BASE64, callSchema, type CallType } from './schema.js';
import { validateCall } from './validate.js';

export type DecodeResult =
  | { ok: true; call: V1Call & { type: CallType } }
  | { ok: false; message: string; /** The offending field as a proto path, when one is known. */ field?: string };

export function decodeCall(body: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, message: `Failed to parse body into JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, message: 'Failed to convert JSON into Call protobuf: Expecting a JSON object' };
  }
  const acknowledge = wellFormedAcknowledge(json as Record<string, unknown>);
  if (acknowledge) return { ok: true, call: acknowledge };
  const parsed = callSchema.safeParse(withoutNulls(json), { reportInput: true });
  if (!parsed.success) {
    const { message, field } = describeIssues(parsed.error.issues);
    return { ok: false, message: `Failed to convert JSON into Call protobuf: ${message}`, field };
  }
  const reason = validateCall(parsed.data);
  if (reason !== null) return { ok: false, message: `Failed to validate scheduler::Call: ${reason.message}`, field: reason.field };
  return { ok: true, call: parsed.data as V1Call & { type: CallType } };
}

/**
 * ACKNOWLEDGE is the hot call (one per status update). When it has exactly the members of a valid
 * ACKNOWLEDGE and nothing else, the schema and the validation would pass it through unchanged, so
 * it is returned as is; any other shape (extra or null members, wrong types) returns null and
 * takes the general path with its error messages.
 */
export function wellFormedAcknowledge(json: Record<string, unknown>): (V1Call & { type: 'ACKNOWLEDGE' }) | null {
  if (json['type'] !== 'ACKNOWLEDGE' || !hasOnlyKeys(json, ['type', 'framework_id', 'acknowledge'])) return null;
  const ack = json['acknowledge'];
  if (!isIdMessage(json['framework_id']) || !isPlainObject(ack) || !hasOnlyKeys(ack, ['agent_id', 'task_id', 'uuid'])) return null;
  if (!isIdMessage(ack['agent_id']) || !isIdMessage(ack['task_id'])) return null;
  const uuid = ack['uuid'];
  if (typeof uuid !== 'string' || !BASE64.test(uuid)) return null;
  return json as V1Call & { type: 'ACKNOWLEDGE' };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnlyKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  let count = 0;
  for (const key in value) {
    if (!keys.includes(key)) return false;
    count++;
  }
  return count === keys.length;
}

function isIdMessage(value: unknown): boolean {
  return isPlainObject(value) && typeof value['value'] === 'string' && hasOnlyKeys(value, ['value']);
}

/** Drops every `null` member of every object (protobuf JSON: null = unset). Arrays keep their
 * elements, so a null inside a repeated field still fails conversion, as in Mesos. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) if (member !== null) out[key] = withoutNulls(member);
  return out;
}

/** `accept.operations[0].launch.task_infos[1].name`, as protobuf names fields. */
export function protoPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

function describeIssues(issues: z.core.$ZodIssue[]): { message: string; field: string } {
  const missing = issues.filter((issue) => issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined);
  if (missing.length > 0) {
    const fields = missing.map((issue) => protoPath(issue.path));
    return { message: `Missing required fields: ${fields.join(', ')}`, field: fields[0]! };
  }
  const issue = issues[0]!;
  const field = protoPath(issue.path);
  if (issue.code === 'invalid_value' || issue.message.startsWith('Failed to find enum')) return { message: `${issue.message} (field '${field}')`, field };
  const got = issue.code === 'invalid_type' ? describeInput(issue) : '';
  return { message: `${issue.message} for field '${field}'${got}`, field };
}

function describeInput(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return '';
  if (Array.isArray(input)) return ', not a JSON array';
  if (typeof input === 'object') return ', not a JSON object';
  return `, not a JSON ${typeof input}`;
}
