/**
 * Chronos API run-side, stat, graph and leader routes over a one-replica setup. Goal: each asks
 * the runner what the spec says, with Chronos' status codes (204 / 200 text / 400 unknown) and
 * 503 with a message while there is no run side. Method: fastify inject, a recording runner.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup, type Setup } from './fixtures.js';

let s: Setup;
beforeEach(async () => {
  s = await setup();
  await post('/scheduler/iso8601', { name: 'p', command: 'true', schedule: '@daily', dataProcessingJobType: true });
  await post('/scheduler/dependency', { name: 'c', command: 'true', parents: ['p'] });
});
afterEach(async () => {
  await s.app.close();
});

function post(url: string, body: unknown) {
  return s.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

describe.each(['/scheduler', '/v1/scheduler'])('under %s', (prefix) => {
  it('PUT /job/{name}: manual run, 204, with no body or content type; ?arguments= reaches the runner', async () => {
    const bare = await s.app.inject({ method: 'PUT', url: `${prefix}/job/p`, headers: { 'content-length': '0' } });
    expect(bare.statusCode).toBe(204);
    expect(bare.body).toBe('');
    expect((await s.app.inject({ method: 'PUT', url: `${prefix}/job/p?arguments=-x%3B%20y` })).statusCode).toBe(204);
    expect(s.runner.calls).toEqual([['runNow', 'p', undefined], ['runNow', 'p', ['-x', 'y']]]);
    expect((await s.app.inject({ method: 'PUT', url: `${prefix}/job/nope` })).statusCode).toBe(400);
  });

  it('PUT /job/success/{name}: 200 text true; unknown job still 200 with false', async () => {
    const known = await s.app.inject({ method: 'PUT', url: `${prefix}/job/success/p` });
    expect(known.statusCode).toBe(200);
    expect(known.body).toBe('marked job p as successful: true');
    const unknown = await s.app.inject({ method: 'PUT', url: `${prefix}/job/success/nope` });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe('marked job nope as successful: false');
    expect(s.runner.calls).toEqual([['markSuccess', 'p']]);
  });

  it('DELETE /task/kill/{name}: 204; unknown → 400', async () => {
    expect((await s.app.inject({ method: 'DELETE', url: `${prefix}/task/kill/p` })).statusCode).toBe(204);
    expect((await s.app.inject({ method: 'DELETE', url: `${prefix}/task/kill/nope` })).statusCode).toBe(400);
    expect(s.runner.calls).toEqual([['killJobTasks', 'p']]);
  });

  it('PUT /task/{taskId} completes an async task (URL-decoded id); bad statusCode → 400; DELETE /task/all → 204', async () => {
    const response = await s.app.inject({ method: 'PUT', url: `${prefix}/task/ct%3A1700000000000%3A0%3Ap%3A`, payload: '{"statusCode":0}', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(204);
    expect(s.runner.calls).toEqual([['completeAsyncTask', 'ct:1700000000000:0:p:', 0]]);
    expect((await s.app.inject({ method: 'PUT', url: `${prefix}/task/x`, payload: '{"statusCode":"zero"}' })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'DELETE', url: `${prefix}/task/all` })).statusCode).toBe(204);
  });

  it('POST /job/{name}/task/{taskId}/progress: 204 for a data job, 400 otherwise', async () => {
    const ok = await s.app.inject({ method: 'POST', url: `${prefix}/job/p/task/ct:1:0:p:/progress`, payload: '{"numAdditionalElementsProcessed":5}' });
    expect(ok.statusCode).toBe(204);
    expect((await s.app.inject({ method: 'POST', url: `${prefix}/job/c/task/t/progress`, payload: '{"numAdditionalElementsProcessed":5}' })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'POST', url: `${prefix}/job/p/task/t/progress`, payload: '{"numAdditionalElementsProcessed":-1}' })).statusCode).toBe(400);
  });

  it('POST /events/{event}: payload becomes env, answers the run ids; a non-object payload → 400', async () => {
    const response = await s.app.inject({ method: 'POST', url: `${prefix}/events/file-uploaded`, payload: '{"FILE":"a.txt","SIZE":3}', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ event: 'file-uploaded', runIds: ['ev#file-uploaded'] });
    expect(s.runner.calls).toEqual([['fireEvent', 'file-uploaded', { FILE: 'a.txt', SIZE: '3' }]]);
    expect((await s.app.inject({ method: 'POST', url: `${prefix}/events/e`, payload: '"x"' })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'POST', url: `${prefix}/events/e` })).statusCode).toBe(200);
  });

  it('GET /job/stat/{name}: the 2.3+ shape (histogram in ms, taskStatHistory); unknown → 400', async () => {
    s.runner.statsByJob.set('p', { successCount: 4, percentiles: { p75: 2, p95: 3, p98: 4, p99: 5, median: 1.5 } });
    s.runner.historyByJob.set('p', [
      { runId: 'p@1', jobName: 'p', cause: 'schedule', scheduledAtMs: 0, startedAtMs: Date.UTC(2026, 0, 2, 3, 4, 5), finishedAtMs: Date.UTC(2026, 0, 3, 4, 5, 6), state: 'succeeded', attempt: 0, taskIds: ['ct:1:0:p:'], agentId: 'a1' },
      { runId: 'p@2', jobName: 'p', cause: 'schedule', scheduledAtMs: 0, state: 'queued', attempt: 0, taskIds: [] },
    ]);
    const response = await s.app.inject({ method: 'GET', url: `${prefix}/job/stat/p` });
    expect(response.json()).toEqual({
      histogram: { '75thPercentile': 2000, '95thPercentile': 3000, '98thPercentile': 4000, '99thPercentile': 5000, median: 1500, mean: 1500, count: 4 },
      taskStatHistory: [
        { taskId: 'ct:1:0:p:', jobName: 'p', slaveId: 'a1', startTime: '01/02/26 03:04:05', endTime: '01/03/26 04:05:06', duration: '1d1h1m1s', status: 'Success' },
        { taskId: 'p@2', jobName: 'p', slaveId: '', startTime: 'N/A', endTime: 'N/A', status: 'Idle' },
      ],
    });
    expect((await s.app.inject({ method: 'GET', url: `${prefix}/job/stat/nope` })).statusCode).toBe(400);
  });

  it('GET /stats/{percentile}: every job (never-run at 0), slowest first, seconds; unknown name → []', async () => {
    s.runner.statsByJob.set('c', { successCount: 1, percentiles: { p75: 2, p95: 3, p98: 4, p99: 5, median: 1.5 } });
    expect((await s.app.inject({ method: 'GET', url: `${prefix}/stats/99thPercentile` })).json()).toEqual([
      { jobNameLabel: 'c', time: 5 },
      { jobNameLabel: 'p', time: 0 },
    ]);
    expect((await s.app.inject({ method: 'GET', url: `${prefix}/stats/mean` })).json()[0]).toEqual({ jobNameLabel: 'c', time: 1.5 });
    expect((await s.app.inject({ method: 'GET', url: `${prefix}/stats/bogus` })).json()).toEqual([]);
  });

  it('GET /graph/dot and /graph/csv as text/plain', async () => {
    s.runner.statsByJob.set('p', { lastError: '2026-11-25T10:00:00.000Z', state: 'queued' });
    const dot = await s.app.inject({ method: 'GET', url: `${prefix}/graph/dot` });
    expect(dot.headers['content-type']).toMatch(/^text\/plain/);
    expect(dot.body).toBe('digraph G {\n  1 [ label="p" ];\n  2 [ label="c" ];\n  1 -> 2;\n}\n');
    const csv = await s.app.inject({ method: 'GET', url: `${prefix}/graph/csv` });
    expect(csv.body).toBe('node,p,failure,queued\nnode,c,fresh,idle\nlink,p,c\n');
  });

  it('GET /leader names the leader', async () => {
    expect((await s.app.inject({ method: 'GET', url: `${prefix}/leader` })).json()).toEqual({ leader: '127.0.0.1:4400' });
  });

  it('without a run side, the routes that need it answer 503 with a message', async () => {
    s.withRunner(false);
    for (const [method, url] of [['PUT', '/job/p'], ['PUT', '/job/success/p'], ['DELETE', '/task/kill/p'], ['POST', '/events/e'], ['GET', '/job/stat/p'], ['GET', '/stats/mean']] as const) {
      const response = await s.app.inject({ method, url: `${prefix}${url}` });
      expect(response.statusCode, `${method} ${url}`).toBe(503);
      expect(response.json()).toMatchObject({ status: 'Service Unavailable', message: expect.stringMatching(/run side/) });
    }
    // Delete works without it.
    expect((await s.app.inject({ method: 'DELETE', url: `${prefix}/job/c` })).statusCode).toBe(204);
  });

  it('an unknown endpoint is a 404 in the Chronos error shape', async () => {
    const response = await s.app.inject({ method: 'GET', url: `${prefix}/tasks` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ status: 'Not Found' });
  });
});

describe('on a follower with no leader', () => {
  it('answers 503 (not a redirect)', async () => {
    s.node.isLeader = false;
    s.node.leaderId = null;
    const response = await s.app.inject({ method: 'GET', url: '/scheduler/jobs' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'Service Unavailable' });
  }, 15_000);

  it('refuses to forward an already-forwarded request', async () => {
    s.node.isLeader = false;
    const response = await s.app.inject({ method: 'GET', url: '/scheduler/jobs', headers: { 'x-kairos-forwarded-by': 'm2' } });
    expect(response.statusCode).toBe(503);
  });
});
