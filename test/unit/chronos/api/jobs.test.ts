/**
 * Chronos API job routes over a one-replica setup (fastify inject). Goal: every job endpoint of
 * spec §1.2 answers with Chronos' status codes and bodies under both prefixes, and a refused
 * request stores nothing. Method: requests in, status/body/store out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type Setup } from './fixtures.js';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(async () => {
  await s.app.close();
});

const EXAMPLE = { name: 'my_task', command: "/bin/echo 'Hello, World!'", schedule: '0 0 * * *' };
const ISO = { name: 'j1', command: 'echo hi', schedule: 'R/2026-12-01T20:00:00.000Z/PT2H', epsilon: 'PT30M', owner: 'a@b.c', async: false };

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) {
  return s.app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
  });
}

async function jobs(prefix = '/scheduler'): Promise<Array<Record<string, unknown>>> {
  const response = await call('GET', `${prefix}/jobs`);
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe.each(['/scheduler', '/v1/scheduler'])('under %s', (prefix) => {
  it('creates the README example (cron schedule) with 204 and an empty body, and lists it with defaults', async () => {
    const response = await call('POST', `${prefix}/iso8601`, EXAMPLE);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    const [job] = await jobs(prefix);
    expect(job).toMatchObject({ name: 'my_task', schedule: '0 0 * * *', retries: 2, cpus: 0.1, mem: 128, disk: 256, shell: true, runAsUser: 'root', successCount: 0, errorCount: 0, lastSuccess: '', lastError: '' });
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('accepts PUT on /iso8601 (2.x verb) and replaces on re-post (no duplicate)', async () => {
    expect((await call('PUT', `${prefix}/iso8601`, ISO)).statusCode).toBe(204);
    expect((await call('POST', `${prefix}/iso8601`, { ...ISO, command: 'echo again' })).statusCode).toBe(204);
    const list = await jobs(prefix);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ command: 'echo again' });
  });

  it('accepts `id` as an alias of `name`', async () => {
    expect((await call('POST', `${prefix}/iso8601`, { id: 'by_id', command: 'true', schedule: '@daily' })).statusCode).toBe(204);
    expect((await jobs(prefix)).map((j) => j.name)).toEqual(['by_id']);
  });

  it.each([
    ['bad schedule', { name: 'b', command: 'true', schedule: 'every tuesday-ish' }, /Cannot parse schedule/],
    ['bad name', { name: 'a b', command: 'true', schedule: '@daily' }, /name/],
    ['unknown zone', { name: 'b', command: 'true', schedule: '@daily', scheduleTimeZone: 'Mars/Olympus' }, /scheduleTimeZone/],
    ['ISO without period', { name: 'b', command: 'true', schedule: 'R/2008-03-01T13:00:00Z' }, /Cannot parse schedule/],
    ['not JSON', '{"name": ', /not valid JSON/],
    ['a JSON array', '[1,2]', /JSON object/],
  ])('refuses a %s with 400 {status, message} and stores nothing', async (_what, body, message) => {
    const response = await call('POST', `${prefix}/iso8601`, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 'Bad Request', message: expect.stringMatching(message) });
    expect(await jobs(prefix)).toEqual([]);
    expect(s.node.index).toBe(0);
  });

  it('creates dependent jobs; unknown parent, empty parents and cycles are 400', async () => {
    await call('POST', `${prefix}/iso8601`, ISO);
    expect((await call('POST', `${prefix}/dependency`, { name: 'child', command: 'true', parents: ['j1'] })).statusCode).toBe(204);
    expect((await call('POST', `${prefix}/dependency`, { name: 'orphan', command: 'true', parents: ['nope'] })).statusCode).toBe(400);
    expect((await call('POST', `${prefix}/dependency`, { name: 'empty', command: 'true', parents: [] })).statusCode).toBe(400);
    const cycle = await call('PUT', `${prefix}/dependency`, { name: 'j1', command: 'true', parents: ['child'] });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().message).toMatch(/cycle/);
    const child = (await jobs(prefix)).find((j) => j.name === 'child');
    expect(child).toMatchObject({ parents: ['j1'] });
  });

  it('GET /job/{name} answers the job; unknown → 400 with Chronos text', async () => {
    await call('POST', `${prefix}/iso8601`, ISO);
    expect((await call('GET', `${prefix}/job/j1`)).json()).toMatchObject({ name: 'j1' });
    const unknown = await call('GET', `${prefix}/job/nope`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toBe("requirement failed: Job 'nope' not found");
  });

  it('DELETE /job/{name} → 204 empty, kills tasks, re-parents children; unknown → 400', async () => {
    await call('POST', `${prefix}/iso8601`, ISO);
    await call('POST', `${prefix}/dependency`, { name: 'child', command: 'true', parents: ['j1'] });
    const response = await call('DELETE', `${prefix}/job/j1`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(s.runner.calls).toContainEqual(['killJobTasks', 'j1']);
    const list = await jobs(prefix);
    expect(list.map((j) => j.name)).toEqual(['child']);
    expect(list[0]).toMatchObject({ schedule: ISO.schedule }); // the orphan took over the schedule
    expect((await call('DELETE', `${prefix}/job/j1`)).statusCode).toBe(400);
  });

  it('search: case-insensitive substring, default limit 10, limit/offset page, no uris/fetch mirroring', async () => {
    for (let i = 0; i < 12; i += 1) await call('POST', `${prefix}/iso8601`, { name: `Alpha_${i}`, command: 'echo X', schedule: '@daily', uris: ['http://a/b'] });
    await call('POST', `${prefix}/iso8601`, { name: 'beta', command: 'echo alpha', schedule: '@daily' });
    const first = (await call('GET', `${prefix}/jobs/search?name=alpha`)).json();
    expect(first).toHaveLength(10);
    expect(first[0].fetch).toEqual([]);
    expect((await call('GET', `${prefix}/jobs/search?name=ALPHA&limit=5&offset=10`)).json()).toHaveLength(2);
    expect((await call('GET', `${prefix}/jobs/search?command=ALPHA`)).json().map((j: { name: string }) => j.name)).toEqual(['beta']);
    // `any` re-admits jobs whose name or command contains it.
    expect((await call('GET', `${prefix}/jobs/search?name=zzz&any=beta`)).json().map((j: { name: string }) => j.name)).toEqual(['beta']);
    expect((await call('GET', `${prefix}/jobs/search?limit=-1`)).statusCode).toBe(400);
    // GET /jobs takes the same filters, unlimited by default, and mirrors uris into fetch.
    const listed = (await call('GET', `${prefix}/jobs?name=alpha`)).json();
    expect(listed).toHaveLength(12);
    expect(listed[0].fetch).toEqual([expect.objectContaining({ uri: 'http://a/b' })]);
  });

  it('GET /jobs/summary', async () => {
    await call('POST', `${prefix}/iso8601`, ISO);
    await call('POST', `${prefix}/dependency`, { name: 'child', command: 'true', parents: ['j1'] });
    s.runner.statsByJob.set('j1', { lastSuccess: '2026-11-25T10:00:00.000Z', state: 'running' });
    expect((await call('GET', `${prefix}/jobs/summary`)).json()).toEqual({
      jobs: [
        { name: 'j1', status: 'success', state: 'running', schedule: ISO.schedule, parents: [], disabled: false },
        { name: 'child', status: 'fresh', state: 'idle', schedule: '', parents: ['j1'], disabled: false },
      ],
    });
  });
});

describe('JSON generations', () => {
  it('2.x shape under /scheduler (epsilon, async), 3.x under /v1/scheduler (concurrent, maxCompletionTime)', async () => {
    await call('POST', '/scheduler/iso8601', ISO);
    const [v2] = await jobs('/scheduler');
    const [v3] = await jobs('/v1/scheduler');
    expect(v2).toMatchObject({ epsilon: 'PT30M', async: false });
    expect(v2).not.toHaveProperty('concurrent');
    expect(v3).toMatchObject({ concurrent: false, maxCompletionTime: 0 });
    expect(v3).not.toHaveProperty('epsilon');
  });

  it('counters come from the run side when it exists, else the stored values', async () => {
    await call('POST', '/scheduler/iso8601', ISO);
    s.runner.statsByJob.set('j1', { successCount: 3, errorCount: 1, lastSuccess: '2026-11-25T10:00:00.000Z' });
    expect((await jobs())[0]).toMatchObject({ successCount: 3, errorCount: 1, lastSuccess: '2026-11-25T10:00:00.000Z', lastError: '' });
    s.withRunner(false);
    expect((await jobs())[0]).toMatchObject({ successCount: 0, errorCount: 0, lastSuccess: '' });
  });

  it('accepts a body sent with another content type, or none (curl -d default)', async () => {
    const response = await s.app.inject({ method: 'POST', url: '/scheduler/iso8601', payload: JSON.stringify(ISO), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.statusCode).toBe(204);
  });
});

describe('reads on the leader', () => {
  it('pass a read barrier first', async () => {
    await jobs();
    expect(s.node.readBarriers).toBe(1);
  });
});

describe('a put that became invalid between the check and the commit', () => {
  it('is refused by apply with 400 and stores nothing (the parent was deleted meanwhile)', async () => {
    await call('POST', '/scheduler/iso8601', ISO);
    const propose = s.node.propose.bind(s.node);
    let raced = false;
    s.node.propose = async (data: Uint8Array) => {
      if (!raced) {
        raced = true;
        const { encode } = await import('../../../../src/lib/codec.js');
        await propose(encode({ t: 'job.delete', name: 'j1', nowMs: 0 }));
      }
      return propose(data);
    };
    const response = await call('POST', '/scheduler/dependency', { name: 'child', command: 'true', parents: ['j1'] });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/parent job 'j1' does not exist/);
    expect(await jobs()).toEqual([]);
  });
});
