/**
 * Property: random bad jobs are refused with 400 and leave the job list (and the log) unchanged.
 * Bad = one field of a valid job replaced by a value of the wrong type or an invalid value.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { setup, type Setup } from './fixtures.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
  const seed = await s.app.inject({ method: 'POST', url: '/scheduler/iso8601', payload: JSON.stringify({ name: 'keep', command: 'true', schedule: '@daily' }), headers: { 'content-type': 'application/json' } });
  expect(seed.statusCode).toBe(204);
});
afterAll(async () => {
  await s.app.close();
});

const badField = fc.oneof(
  fc.record({ key: fc.constant('name'), value: fc.oneof(fc.constant(''), fc.constant('a b'), fc.constant('x/y'), fc.constant({}), fc.constant(null)) }),
  fc.record({ key: fc.constant('schedule'), value: fc.oneof(fc.constant('FOO'), fc.constant('R/2008-03-01T13:00:00Z'), fc.constant('61 * * * *'), fc.stringMatching(/^[a-z]{3,8} [a-z]{2,5}$/)) }),
  fc.record({ key: fc.constant('scheduleTimeZone'), value: fc.oneof(fc.constant('Mars/Olympus'), fc.constant('Not/AZone'), fc.integer()) }),
  fc.record({ key: fc.constant('cpus'), value: fc.oneof(fc.constant(-1), fc.constant('lots'), fc.constant({})) }),
  fc.record({ key: fc.constant('retries'), value: fc.oneof(fc.constant(-1), fc.constant('x'), fc.constant(1.5)) }),
  fc.record({ key: fc.constant('parents'), value: fc.oneof(fc.constant(['missing_parent']), fc.constant('keep'), fc.constant([1])) }),
  fc.record({ key: fc.constant('constraints'), value: fc.oneof(fc.constant([['host', 'NEAR', 'x']]), fc.constant([['host', 'LIKE', '(']]), fc.constant('x')) }),
  fc.record({ key: fc.constant('environmentVariables'), value: fc.oneof(fc.constant([{ FOO: 'bar' }]), fc.constant('x')) }),
  fc.record({ key: fc.constant('epsilon'), value: fc.oneof(fc.constant('soon'), fc.constant(60)) }),
);

test.prop([fc.constantFrom('/scheduler', '/v1/scheduler'), fc.constantFrom('POST', 'PUT'), fc.constantFrom('/iso8601', '/dependency'), badField], { numRuns: 200 })(
  'a job with one bad field → 400 {status, message}; nothing stored',
  async (prefix, method, requested, { key, value }) => {
    // A dependent job ignores schedule fields (Chronos: parents win), so those are bad only on /iso8601.
    const endpoint = key === 'schedule' || key === 'scheduleTimeZone' ? '/iso8601' : requested;
    const before = (await s.app.inject({ method: 'GET', url: '/scheduler/jobs' })).body;
    const logBefore = s.node.index;
    const base: Record<string, unknown> = endpoint === '/iso8601'
      ? { name: 'newjob', command: 'true', schedule: '@hourly' }
      : { name: 'newjob', command: 'true', parents: ['keep'] };
    const body = { ...base, [key]: value };
    if (key === 'parents' && endpoint === '/iso8601') delete body['schedule'];
    const response = await s.app.inject({ method, url: `${prefix}${endpoint}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ status: 'Bad Request', message: expect.any(String) });
    expect(s.node.index).toBe(logBefore);
    expect((await s.app.inject({ method: 'GET', url: '/scheduler/jobs' })).body).toBe(before);
  },
);
