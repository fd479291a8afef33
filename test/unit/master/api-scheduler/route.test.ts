/**
 * POST /api/v1/scheduler over a fake SchedulerPort (fastify inject): every status code and text
 * of mesos-api.md §2.1 in Mesos's order of checks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotLeaderError, ValidationError, KairosError } from '../../../../src/lib/errors.js';
import { testServer, type TestServer } from '../api-support/fakes.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const subscribeCall = { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'test' } } };

let t: TestServer;
beforeEach(async () => {
  t = await testServer();
});
afterEach(async () => {
  await t.app.close();
});

function post(body: unknown, headers: Record<string, string> = JSON_HEADERS, url = '/api/v1/scheduler') {
  return t.app.inject({ method: 'POST', url, headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('leader gate', () => {
  it('a follower answers 307 to the leader with the scheduler path, before any other check', async () => {
    t.node.isLeader = false;
    t.node.leaderId = 'm2';
    t.context.state.members.advertise({ id: 'm2', httpAddress: '10.0.0.2:5060', raftAddress: '10.0.0.2:5160', term: 4 });
    const response = await t.app.inject({ method: 'GET', url: '/master/api/v1/scheduler' });
    expect(response.statusCode).toBe(307);
    expect(response.headers.location).toBe('//10.0.0.2:5060/api/v1/scheduler');
  });

  it('503 "No leader elected" while none is known (after a short wait)', async () => {
    t.node.isLeader = false;
    t.node.leaderId = null;
    const response = await post(subscribeCall);
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('No leader elected');
  });

  it('503 "Master has not finished recovery" on a leader whose port is not ready', async () => {
    t.setPort(null);
    const response = await post(subscribeCall);
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('Master has not finished recovery');
  });
});

describe('method and content type', () => {
  it('405 with Allow: POST', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/scheduler' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('400 without Content-Type', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/scheduler', payload: Buffer.from('{}') });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe("Expecting 'Content-Type' to be present");
  });

  it('415 for another Content-Type', async () => {
    const response = await post(subscribeCall, { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(response.body).toBe("Expecting 'Content-Type' of application/json or application/x-protobuf");
  });

  it('accepts application/json with a charset parameter', async () => {
    const response = await post({ type: 'TEARDOWN' }, { 'content-type': 'application/json; charset=utf-8' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe("Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
  });
});

describe('decoding and validation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not JSON', '{"type":', 'Failed to parse body into JSON: '],
    ['a JSON array', '[1]', 'Failed to convert JSON into Call protobuf: Expecting a JSON object'],
    ['an unknown enum name', { type: 'LAUNCH_ROCKETS' }, "Failed to convert JSON into Call protobuf: Failed to find enum for 'LAUNCH_ROCKETS'"],
    ['a number for the type enum', { type: 3 }, 'Failed to convert JSON into Call protobuf: Expecting a string (enum name)'],
    ['missing framework_info fields', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: null } } }, 'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user, subscribe.framework_info.name'],
    ['an object for a string', { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: { x: 1 } } } }, "Failed to convert JSON into Call protobuf: Expecting a string for field 'subscribe.framework_info.name', not a JSON object"],
    ['bad base64 bytes', { type: 'ACKNOWLEDGE', framework_id: { value: 'f' }, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: '*not*' } }, "Failed to convert JSON into Call protobuf: Failed to decode base64 for field 'acknowledge.uuid'"],
    ['a nested task field missing', { type: 'ACCEPT', framework_id: { value: 'f' }, accept: { offer_ids: [{ value: 'o' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 't', task_id: { value: 't' } }] } }] } }, 'Failed to convert JSON into Call protobuf: Missing required fields: accept.operations[0].launch.task_infos[0].agent_id'],
    ['no type', {}, "Failed to validate scheduler::Call: Expecting 'type' to be present"],
    ['SUBSCRIBE without subscribe', { type: 'SUBSCRIBE' }, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present"],
    ['framework ids that differ', { type: 'SUBSCRIBE', framework_id: { value: 'a' }, subscribe: { framework_info: { user: 'u', name: 'n', id: { value: 'b' } } } }, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'"],
    ['no framework_id', { type: 'REVIVE' }, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present"],
    ['ACCEPT without accept', { type: 'ACCEPT', framework_id: { value: 'f' } }, "Failed to validate scheduler::Call: Expecting 'accept' to be present"],
    ['KILL without kill', { type: 'KILL', framework_id: { value: 'f' }, kill: null }, "Failed to validate scheduler::Call: Expecting 'kill' to be present"],
    ['RECONCILE without reconcile', { type: 'RECONCILE', framework_id: { value: 'f' } }, "Failed to validate scheduler::Call: Expecting 'reconcile' to be present"],
  ];
  it.each(cases)('400 for %s', async (_name, body, message) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(response.body.startsWith(message)).toBe(true);
    expect(t.port.calls).toHaveLength(0);
    expect(t.port.subscriptions).toHaveLength(0);
  });

  it('nulls are unset, unknown members ignored, int64 as strings', async () => {
    const body = {
      type: 'SUBSCRIBE', framework_id: null, extra: { anything: true },
      subscribe: { framework_info: { user: 'u', name: 'n', id: null, role: null, roles: [], failover_timeout: '3600', capabilities: null, webui_url: null }, suppressed_roles: null },
    };
    const pending = post(body);
    await waitUntil(() => t.port.subscriptions.length === 1);
    const info = (t.port.subscriptions[0]!.call['subscribe'] as { framework_info: Record<string, unknown> }).framework_info;
    expect(info['failover_timeout']).toBe(3600);
    expect('role' in info).toBe(false);
    t.port.subscriptions[0]!.sink.close('done');
    expect((await pending).statusCode).toBe(200);
  });
});

describe('SUBSCRIBE', () => {
  it('406 when Accept allows neither JSON nor protobuf', async () => {
    const response = await post(subscribeCall, { ...JSON_HEADERS, accept: 'text/html' });
    expect(response.statusCode).toBe(406);
    expect(t.port.subscriptions).toHaveLength(0);
  });

  it('400 when it carries a Mesos-Stream-Id', async () => {
    const response = await post(subscribeCall, { ...JSON_HEADERS, 'mesos-stream-id': 'x' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe("Subscribe calls should not include the 'Mesos-Stream-Id' header");
  });

  it('200 RecordIO stream with the stream id; ends cleanly when the port closes the sink', async () => {
    const pending = post(subscribeCall, { ...JSON_HEADERS, accept: 'application/json' });
    await waitUntil(() => t.port.subscriptions.length === 1);
    const { sink } = t.port.subscriptions[0]!;
    sink.send({ type: 'UPDATE', update: { status: { task_id: { value: 'tâche' }, state: 'TASK_RUNNING' } } });
    sink.close('leadership lost');
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['mesos-stream-id']).toBe('stream-1');
    const records = response.body.split(/(?<=})(?=\d+\n)/);
    expect(records.map((r) => JSON.parse(r.slice(r.indexOf('\n') + 1)).type)).toEqual(['SUBSCRIBED', 'HEARTBEAT', 'UPDATE']);
    for (const record of records) expect(Number(record.slice(0, record.indexOf('\n')))).toBe(Buffer.byteLength(record) - record.indexOf('\n') - 1);
    expect(response.body).toContain('t\\u00e2che');
  });

  it('200 + ERROR + end when the port refuses in-stream', async () => {
    t.port.refuseSubscribeWith = 'Framework has been removed';
    const response = await post(subscribeCall);
    expect(response.statusCode).toBe(200);
    const json = '{"type":"ERROR","error":{"message":"Framework has been removed"}}';
    expect(response.body).toBe(`${json.length}\n${json}`);
  });

  it('a typed refusal without events maps to its status', async () => {
    t.port.failWith = new ValidationError('subscribe.framework_info.roles', 'roles needs the MULTI_ROLE capability');
    const response = await post(subscribeCall);
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('roles needs the MULTI_ROLE capability');
  });

  it('a port that lost leadership → 307 to the new leader', async () => {
    t.port.failWith = new NotLeaderError('m2');
    t.node.isLeader = false;
    t.node.leaderId = 'm2';
    t.context.state.members.advertise({ id: 'm2', httpAddress: '10.0.0.2:5060', raftAddress: '10.0.0.2:5160', term: 4 });
    // The gate ran while still leader in a real race; here the request meets the follower gate.
    const response = await post(subscribeCall);
    expect(response.statusCode).toBe(307);
  });
});

describe('other calls', () => {
  it('400 "Framework cannot be found" for an unknown framework; port not called', async () => {
    const response = await post({ type: 'REVIVE', framework_id: { value: 'nope' } }, { ...JSON_HEADERS, 'mesos-stream-id': 's' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('Framework cannot be found');
    expect(t.port.calls).toHaveLength(0);
  });

  it('403 "Framework is not subscribed" when no stream of it is open here', async () => {
    t.registry.addFramework('fw-1', { machine: { value: 'disconnected', context: { id: 'fw-1', deadline: null } } });
    const response = await post({ type: 'REVIVE', framework_id: { value: 'fw-1' } }, { ...JSON_HEADERS, 'mesos-stream-id': 's' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toBe('Framework is not subscribed');
  });

  it('403 "Framework is not connected via HTTP" for a built-in framework', async () => {
    t.registry.addFramework('chronos', { internal: true });
    const response = await post({ type: 'REVIVE', framework_id: { value: 'chronos' } }, { ...JSON_HEADERS, 'mesos-stream-id': 's' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toBe('Framework is not connected via HTTP');
  });

  describe('with an open subscription', () => {
    let closeStream: () => Promise<void>;
    let streamId: string;
    beforeEach(async () => {
      t.registry.addFramework('fw-1');
      const pending = post({ type: 'SUBSCRIBE', framework_id: { value: 'fw-1' }, subscribe: { framework_info: { user: 'u', name: 'n', id: { value: 'fw-1' } } } });
      await waitUntil(() => t.port.subscriptions.length === 1);
      streamId = t.port.subscriptions[0]!.subscription.streamId;
      closeStream = async () => {
        t.port.subscriptions[0]!.sink.close('test over');
        await pending;
      };
    });
    afterEach(async () => closeStream());

    it('400 without Mesos-Stream-Id', async () => {
      const response = await post({ type: 'REVIVE', framework_id: { value: 'fw-1' } });
      expect(response.statusCode).toBe(400);
      expect(response.body).toBe("All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    });

    it('400 with another stream id', async () => {
      const response = await post({ type: 'REVIVE', framework_id: { value: 'fw-1' } }, { ...JSON_HEADERS, 'mesos-stream-id': 'other' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toBe("The stream ID 'other' included in this request didn't match the stream ID currently associated with framework ID fw-1");
    });

    it('202 with an empty body; the port gets the decoded call and the stream id', async () => {
      const response = await post({ type: 'DECLINE', framework_id: { value: 'fw-1' }, decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: '10' } } }, { ...JSON_HEADERS, 'mesos-stream-id': streamId });
      expect(response.statusCode).toBe(202);
      expect(response.body).toBe('');
      expect(t.port.calls).toEqual([{ call: { type: 'DECLINE', framework_id: { value: 'fw-1' }, decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: 10 } } }, streamId }]);
    });

    it('501 for UNKNOWN', async () => {
      const response = await post({ type: 'UNKNOWN', framework_id: { value: 'fw-1' } }, { ...JSON_HEADERS, 'mesos-stream-id': streamId });
      expect(response.statusCode).toBe(501);
    });

    it('port errors map to statuses with their text', async () => {
      t.port.failWith = new KairosError('forbidden', 'Framework is not subscribed');
      const response = await post({ type: 'REVIVE', framework_id: { value: 'fw-1' } }, { ...JSON_HEADERS, 'mesos-stream-id': streamId });
      expect(response.statusCode).toBe(403);
      expect(response.body).toBe('Framework is not subscribed');
      t.port.failWith = null;
    });

    it('a stream the port closed no longer speaks for the framework', async () => {
      await closeStream();
      closeStream = async () => {};
      const response = await post({ type: 'REVIVE', framework_id: { value: 'fw-1' } }, { ...JSON_HEADERS, 'mesos-stream-id': streamId });
      expect(response.statusCode).toBe(403);
    });
  });
});

