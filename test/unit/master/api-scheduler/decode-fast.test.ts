/**
 * The ACKNOWLEDGE fast path of decodeCall must be invisible: for any body (well formed, or with
 * extra, null or mistyped members) decodeCall answers exactly as the schema + validation path
 * does on its own.
 */
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { decodeCall, wellFormedAcknowledge, withoutNulls } from '../../../../src/master/api/scheduler/decode.js';
import { callSchema } from '../../../../src/master/api/scheduler/schema.js';
import { validateCall } from '../../../../src/master/api/scheduler/validate.js';

/** The general path alone (what decodeCall did before the fast path). */
function generalPath(json: Record<string, unknown>): { ok: boolean; call?: unknown } {
  const parsed = callSchema.safeParse(withoutNulls(json));
  if (!parsed.success) return { ok: false };
  if (validateCall(parsed.data) !== null) return { ok: false };
  return { ok: true, call: parsed.data };
}

const oddValue = fc.constantFrom<unknown>(null, 3, '', 'x', [], {}, { value: 'v' }, { value: 3 }, { value: 'v', extra: 1 }, 'not base64!');
const id = fc.oneof({ weight: 4, arbitrary: fc.string().map((value) => ({ value })) }, { weight: 1, arbitrary: oddValue });
const uuid = fc.oneof({ weight: 4, arbitrary: fc.base64String() }, { weight: 1, arbitrary: oddValue });
const extra = fc.option(fc.tuple(fc.constantFrom('decline', 'kill', 'junk', '__proto__', 'uuid'), oddValue), { nil: undefined });
const acknowledgeBody = fc
  .record({
    type: fc.oneof({ weight: 5, arbitrary: fc.constant<unknown>('ACKNOWLEDGE') }, { weight: 1, arbitrary: oddValue }),
    framework_id: id,
    acknowledge: fc.oneof({ weight: 5, arbitrary: fc.record({ agent_id: id, task_id: id, uuid }, { requiredKeys: [] }) }, { weight: 1, arbitrary: oddValue }),
    outer: extra,
    inner: extra,
  }, { requiredKeys: ['outer', 'inner'] })
  .map(({ outer, inner, ...call }) => {
    // Built as text: a member named __proto__ must stay a plain member, as JSON.parse makes it.
    const member = (key: string, value: unknown): string => `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    const object = (members: string[]): string => `{${members.join(',')}}`;
    const members = Object.entries(call).map(([key, value]) => {
      if (key !== 'acknowledge' || !inner || typeof value !== 'object' || value === null || Array.isArray(value)) return member(key, value);
      return `${JSON.stringify(key)}:${object([...Object.entries(value).map(([k, v]) => member(k, v)), member(inner[0], inner[1])])}`;
    });
    if (outer) members.push(member(outer[0], outer[1]));
    return object(members);
  });

test.prop([acknowledgeBody], { numRuns: 2000 })('decodeCall with the fast path equals the general path', (text) => {
  const decoded = decodeCall(text);
  const expected = generalPath(JSON.parse(text) as Record<string, unknown>);
  expect(decoded.ok).toBe(expected.ok);
  if (decoded.ok) expect(decoded.call).toEqual(expected.call);
});

test('a plain ACKNOWLEDGE takes the fast path; anything extra does not', () => {
  const ack = { type: 'ACKNOWLEDGE', framework_id: { value: 'f' }, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AAEC' } };
  expect(wellFormedAcknowledge(ack)).toBe(ack);
  expect(wellFormedAcknowledge({ ...ack, kill: null })).toBeNull();
  expect(wellFormedAcknowledge({ ...ack, acknowledge: { ...ack.acknowledge, uuid: 'not base64!' } })).toBeNull();
  expect(wellFormedAcknowledge({ ...ack, framework_id: { value: 'f', extra: 1 } })).toBeNull();
});
