/**
 * Operator endpoints over a fake registry (fastify inject): v0 shapes, metrics keys, the v1
 * operator API, follower redirects and query validation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../../src/lib/errors.js';
import { testServer, type TestServer } from '../api-support/fakes.js';

let t: TestServer;
beforeEach(async () => {
  t = await testServer();
  t.registry.addAgent('S1');
  t.registry.addAgent('S2', { hostname: 'host-b', httpAddress: '127.0.0.1:5052', machine: { value: 'unreachable', context: { id: 'S2', deadline: null } } });
  t.registry.addFramework('F1', { info: { user: 'alice', name: 'marathon', id: { value: 'F1' }, failover_timeout: 600, role: 'web', webui_url: 'http://ui' } });
  t.registry.addFramework('F2', { machine: { value: 'tornDown', context: { id: 'F2', deadline: null } } });
  t.registry.addTask('F1', 't1', 'S1', 'TASK_RUNNING', 0.5);
  t.registry.addTask('F1', 't2', 'S1', 'TASK_STAGING', 0.25);
  t.registry.addTask('F1', 't3', 'S1', 'TASK_FINISHED', 1);
});
afterEach(async () => {
  await t.app.close();
});

const getJson = async (url: string) => {
  const response = await t.app.inject({ method: 'GET', url });
  expect(response.statusCode).toBe(200);
  return response.json();
};

describe('/master/state', () => {
  it('has the v0 shape with resource summaries as objects', async () => {
    for (const url of ['/master/state', '/state', '/state.json']) {
      const state = await getJson(url);
      expect(state).toMatchObject({ version: '0.1.0-test', id: 'm1', pid: 'master@127.0.0.1:5050', hostname: '127.0.0.1', activated_slaves: 1, deactivated_slaves: 0, unreachable_slaves: 1, leader: 'master@127.0.0.1:5050' });
      expect(state.slaves).toHaveLength(1);
      expect(state.slaves[0]).toMatchObject({
        id: 'S1', hostname: 'host-a', port: 5051, pid: 'slave(1)@127.0.0.1:5051', active: true, attributes: { rack: 'r1' },
        resources: { cpus: 4, mem: 8192, disk: 10240, gpus: 0, ports: '[31000-32000]' },
        used_resources: { cpus: 0.75, mem: 256, disk: 0, gpus: 0, ports: '[31000-31001]' },
      });
      const [framework] = state.frameworks;
      expect(framework).toMatchObject({ id: 'F1', name: 'marathon', user: 'alice', role: 'web', active: true, connected: true, failover_timeout: 600, webui_url: 'http://ui', offers: [] });
      expect(framework.tasks.map((task: { id: string }) => task.id).sort()).toEqual(['t1', 't2']);
      expect(framework.completed_tasks.map((task: { id: string }) => task.id)).toEqual(['t3']);
      expect(framework.tasks[0]).toMatchObject({ framework_id: 'F1', slave_id: 'S1', resources: { cpus: 0.5, mem: 128 }, statuses: [{ state: 'TASK_RUNNING', timestamp: 1_700_000_001.5 }] });
      expect(state.completed_frameworks.map((f: { id: string }) => f.id)).toEqual(['F2']);
    }
  });

  it('jsonp wraps the body; a bad callback name is 400 naming the field', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/master/state?jsonp=cb' });
    expect(response.body.startsWith('cb({')).toBe(true);
    const bad = await t.app.inject({ method: 'GET', url: '/master/state?jsonp=alert(1)' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('jsonp');
  });

  it('a follower answers 307 to the leader', async () => {
    t.node.isLeader = false;
    t.node.leaderId = 'm2';
    t.context.state.members.advertise({ id: 'm2', httpAddress: '10.0.0.2:5060', raftAddress: '10.0.0.2:5160', term: 4 });
    const response = await t.app.inject({ method: 'GET', url: '/master/state' });
    expect(response.statusCode).toBe(307);
    expect(response.headers.location).toBe('http://10.0.0.2:5060/master/state');
  });
});

describe('other v0 reads', () => {
  it('/master/state-summary counts tasks per agent and framework', async () => {
    const summary = await getJson('/master/state-summary');
    expect(summary.slaves[0]).toMatchObject({ id: 'S1', TASK_RUNNING: 1, TASK_STAGING: 1, TASK_FINISHED: 1, framework_ids: ['F1'] });
    expect(summary.frameworks[0]).toMatchObject({ id: 'F1', TASK_RUNNING: 1, slave_ids: ['S1'] });
    expect(summary.frameworks[0].tasks).toBeUndefined();
  });

  it('/master/frameworks and /master/slaves', async () => {
    expect((await getJson('/master/frameworks')).frameworks.map((f: { id: string }) => f.id)).toEqual(['F1']);
    expect((await getJson('/master/slaves')).slaves.map((s: { id: string }) => s.id)).toEqual(['S1']);
  });

  it('/master/tasks pages with limit, offset and order; bad values are 400 naming the field', async () => {
    const all = await getJson('/master/tasks?order=asc');
    expect(all.tasks).toHaveLength(3);
    expect((await getJson('/master/tasks?limit=1&offset=1&order=asc')).tasks.map((x: { id: string }) => x.id)).toEqual([all.tasks[1].id]);
    for (const [query, field] of [['limit=-1', 'limit'], ['offset=x', 'offset'], ['order=up', 'order']]) {
      const response = await t.app.inject({ method: 'GET', url: `/master/tasks?${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().field).toBe(field);
    }
  });
});

describe('/metrics/snapshot', () => {
  it('derives Mesos master keys from the registry', async () => {
    const metrics = await getJson('/metrics/snapshot');
    expect(metrics).toMatchObject({
      'master/elected': 1,
      'master/slaves_active': 1,
      'master/slaves_unreachable': 1,
      'master/frameworks_active': 1,
      'master/tasks_running': 1,
      'master/tasks_staging': 1,
      'master/tasks_finished': 1,
      'master/tasks_failed': 0,
      'master/cpus_total': 4,
      'master/cpus_used': 0.75,
      'master/mem_used': 256,
    });
    expect(metrics['master/cpus_percent']).toBeCloseTo(0.1875);
    expect(typeof metrics['system/load_1min']).toBe('number');
  });

  it('is answered by followers about themselves (elected 0)', async () => {
    t.node.isLeader = false;
    expect((await getJson('/metrics/snapshot'))['master/elected']).toBe(0);
  });
});

describe('POST /api/v1', () => {
  const call = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    t.app.inject({ method: 'POST', url: '/api/v1', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers every supported read with {type, get_x}', async () => {
    expect((await call({ type: 'GET_HEALTH' })).json()).toEqual({ type: 'GET_HEALTH', get_health: { healthy: true } });
    expect((await call({ type: 'GET_VERSION' })).json().get_version.version_info.version).toBe('0.1.0-test');
    const master = (await call({ type: 'GET_MASTER' })).json();
    expect(master.get_master.master_info).toMatchObject({ id: 'm1', hostname: '127.0.0.1', port: 5050 });
    const metrics = (await call({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1 } } })).json();
    expect(metrics.get_metrics.metrics).toContainEqual({ name: 'master/tasks_running', value: 1 });
    const tasks = (await call({ type: 'GET_TASKS' })).json().get_tasks;
    expect(tasks.tasks.map((x: { task_id: { value: string } }) => x.task_id.value).sort()).toEqual(['t1', 't2']);
    expect(tasks.completed_tasks[0]).toMatchObject({ task_id: { value: 't3' }, framework_id: { value: 'F1' }, agent_id: { value: 'S1' }, state: 'TASK_FINISHED' });
    const agents = (await call({ type: 'GET_AGENTS' })).json().get_agents;
    expect(agents.agents[0]).toMatchObject({ agent_info: { id: { value: 'S1' }, hostname: 'host-a', port: 5051 }, active: true, registered_time: { nanoseconds: 1_700_000_000_000_000_000 } });
    const frameworks = (await call({ type: 'GET_FRAMEWORKS' })).json().get_frameworks;
    expect(frameworks.frameworks[0]).toMatchObject({ framework_info: { id: { value: 'F1' }, name: 'marathon' }, active: true, connected: true });
    expect(frameworks.completed_frameworks[0].framework_info.id.value).toBe('F2');
    const state = (await call({ type: 'GET_STATE' })).json().get_state;
    expect(Object.keys(state).sort()).toEqual(['get_agents', 'get_executors', 'get_frameworks', 'get_tasks']);
  });

  it.each([
    [{ type: 'GET_EVERYTHING' }, 400, "Failed to convert JSON into Call protobuf: Failed to find enum for 'GET_EVERYTHING' (field 'type')"],
    [{}, 400, "Failed to validate master::Call: Expecting 'type' to be present"],
    [{ type: 7 }, 400, "Failed to convert JSON into Call protobuf: Expecting a string (enum name) for field 'type'"],
    ['{', 400, 'Failed to parse body into JSON:'],
    [{ type: 'GET_FLAGS' }, 501, 'GET_FLAGS is not implemented by Kairos'],
  ])('%j → %i', async (body, status, message) => {
    const response = await call(body);
    expect(response.statusCode).toBe(status);
    expect(response.body.startsWith(message)).toBe(true);
  });

  it('header checks: 400 without Content-Type, 415 for protobuf, 406 for Accept, 405 for GET', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1', payload: Buffer.from('{}') })).statusCode).toBe(400);
    expect((await call({ type: 'GET_HEALTH' }, { 'content-type': 'application/x-protobuf' })).statusCode).toBe(415);
    expect((await call({ type: 'GET_HEALTH' }, { 'content-type': 'application/json', accept: 'application/x-protobuf' })).statusCode).toBe(406);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1' })).statusCode).toBe(405);
  });

  it('MARK_AGENT_GONE: 200 once recorded; 400 without the id, 404 for an unknown agent, 503 before recovery, 307 on a follower', async () => {
    const marked: string[] = [];
    t.context.agentOperations = () => ({
      markGone: async (agentId: string) => {
        if (agentId === 'nobody') throw new NotFoundError("Agent 'nobody' not found");
        marked.push(agentId);
      },
    });
    const gone = await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'S1' } } });
    expect(gone.statusCode).toBe(200);
    expect(marked).toEqual(['S1']);
    const missing = await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toBe("Expecting 'mark_agent_gone.agent_id' to be present");
    expect((await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'nobody' } } })).statusCode).toBe(404);
    t.context.agentOperations = () => null;
    expect((await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'S1' } } })).statusCode).toBe(503);
    t.node.isLeader = false;
    t.node.leaderId = 'm2';
    t.context.state.members.advertise({ id: 'm2', httpAddress: '10.0.0.2:5060', raftAddress: '10.0.0.2:5160', term: 4 });
    const redirected = await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'S1' } } });
    expect(redirected.statusCode).toBe(307);
    expect(redirected.headers.location).toBe('//10.0.0.2:5060/api/v1');
    expect(marked).toEqual(['S1']);
  });

  it('with no leader known: 503 for what needs the leader (after the election wait), health and version answered here', async () => {
    t.node.isLeader = false;
    t.node.leaderId = null;
    const [state, v0, agents] = await Promise.all([
      call({ type: 'GET_STATE' }),
      t.app.inject({ method: 'GET', url: '/master/state' }),
      call({ type: 'GET_AGENTS' }),
    ]);
    for (const response of [state, v0, agents]) expect(response.statusCode).toBe(503);
    expect(state.body).toBe('No leader elected');
    expect((await call({ type: 'GET_HEALTH' })).statusCode).toBe(200);
    const version = await t.app.inject({ method: 'GET', url: '/version' });
    expect(version.statusCode).toBe(200);
    expect(version.json()).toMatchObject({ version: '0.1.0-test' });
  });

  it('followers answer reads with 307 to the leader, health and version themselves', async () => {
    t.node.isLeader = false;
    t.node.leaderId = 'm2';
    t.context.state.members.advertise({ id: 'm2', httpAddress: '10.0.0.2:5060', raftAddress: '10.0.0.2:5160', term: 4 });
    const state = await call({ type: 'GET_STATE' });
    expect(state.statusCode).toBe(307);
    expect(state.headers.location).toBe('//10.0.0.2:5060/api/v1');
    expect((await call({ type: 'GET_HEALTH' })).statusCode).toBe(200);
  });
});

describe('/metrics (Prometheus)', () => {
  it('carries registry gauges by state', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/kairos_master_tasks\{state="TASK_RUNNING",replica="m1"\} 1/);
    expect(response.body).toMatch(/kairos_master_agents\{state="unreachable",replica="m1"\} 1/);
    expect(response.body).toMatch(/kairos_master_frameworks\{state="tornDown",replica="m1"\} 1/);
    expect(response.body).toMatch(/kairos_master_resources\{resource="cpus",kind="used",replica="m1"\} 0.75/);
  });
});
