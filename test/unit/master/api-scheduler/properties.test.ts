/**
 * Random malformed bodies and headers never reach the port: every one is a 4xx, and the port is
 * neither subscribed to nor called.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { testServer, type TestServer } from '../api-support/fakes.js';

let t: TestServer;
beforeAll(async () => {
  t = await testServer();
  t.registry.addFramework('fw-1');
});
afterAll(async () => {
  await t.app.close();
});

const callTypes = fc.constantFrom('SUBSCRIBE', 'ACCEPT', 'DECLINE', 'KILL', 'ACKNOWLEDGE', 'RECONCILE', 'MESSAGE', 'SHUTDOWN', 'REVIVE', 'TEARDOWN', 'BOGUS', 3, null);
/** Bodies shaped like calls but broken somewhere: wrong types, missing required fields, nulls. */
const brokenCall = fc.record({
  type: callTypes,
  framework_id: fc.oneof(fc.constant(undefined), fc.constant(null), fc.record({ value: fc.oneof(fc.integer(), fc.constant(null)) }), fc.string()),
  subscribe: fc.oneof(fc.constant(undefined), fc.record({ framework_info: fc.oneof(fc.constant(null), fc.record({ user: fc.oneof(fc.integer(), fc.constant(null)), name: fc.anything() })) })),
  accept: fc.oneof(fc.constant(undefined), fc.record({ offer_ids: fc.oneof(fc.string(), fc.array(fc.record({ value: fc.integer() }))), operations: fc.anything() })),
  acknowledge: fc.oneof(fc.constant(undefined), fc.record({ uuid: fc.oneof(fc.integer(), fc.constant('%%%')) })),
}, { requiredKeys: [] });

const body = fc.oneof(
  brokenCall.map((call) => JSON.stringify(call)),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

test.prop([body, fc.constantFrom('application/json', 'text/plain', 'application/x-protobuf', undefined)], { numRuns: 150 })(
  'malformed bodies are 4xx and the port is never used',
  async (payload, contentType) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/scheduler',
      headers: contentType ? { 'content-type': contentType } : {},
      payload: Buffer.from(payload),
    });
    // A body that happens to be a valid non-SUBSCRIBE call for fw-1 is still refused (no stream).
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(t.port.calls).toHaveLength(0);
    expect(t.port.subscriptions).toHaveLength(0);
  },
);
