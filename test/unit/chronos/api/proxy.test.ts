/**
 * Followers proxy the Chronos API to the leader (spec §1.1, §1.7.6). Goal: a follower answers
 * with the leader's status, content type and body — never a 307 — forwarding method, path,
 * query, body and content type; an unreachable leader is a 503 in the Chronos error shape.
 * Method: two one-replica setups on loopback ports, the follower's members table pointing at the
 * leader's HTTP address.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode } from '../../../../src/lib/codec.js';
import { freePorts } from '../../../integration/helpers/process.js';
import { setup, type Setup } from './fixtures.js';

let leader: Setup;
let follower: Setup;
let leaderPort: number;

beforeEach(async () => {
  [leaderPort] = (await freePorts(1)) as [number];
  leader = await setup();
  follower = await setup();
  await leader.app.listen({ host: '127.0.0.1', port: leaderPort });
  follower.node.isLeader = false;
  follower.node.leaderId = 'm9';
  follower.state.apply(encode({ t: 'member.advertise', id: 'm9', httpAddress: `127.0.0.1:${leaderPort}`, raftAddress: '127.0.0.1:1', term: 1 }), 1);
});
afterEach(async () => {
  await Promise.all([leader.app.close(), follower.app.close()]);
});

describe('a follower', () => {
  it('proxies writes and reads to the leader and relays its answers', async () => {
    const created = await follower.app.inject({ method: 'POST', url: '/scheduler/iso8601', payload: '{"name":"via_follower","command":"true","schedule":"@daily"}', headers: { 'content-type': 'application/json' } });
    expect(created.statusCode).toBe(204);
    expect(created.body).toBe('');
    expect(leader.deps.jobs.get('via_follower')).toBeDefined();
    expect(follower.deps.jobs.get('via_follower')).toBeUndefined(); // stored by the leader's log only

    const listed = await follower.app.inject({ method: 'GET', url: '/v1/scheduler/jobs/search?name=VIA' });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['content-type']).toMatch(/^application\/json/);
    expect(listed.json().map((job: { name: string }) => job.name)).toEqual(['via_follower']);

    const bad = await follower.app.inject({ method: 'POST', url: '/scheduler/iso8601', payload: '{"name":"x","schedule":"FOO"}', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 'Bad Request', message: expect.stringMatching(/Cannot parse schedule/) });

    const success = await follower.app.inject({ method: 'PUT', url: '/scheduler/job/success/via_follower' });
    expect(success.statusCode).toBe(200);
    expect(success.headers['content-type']).toMatch(/^text\/plain/);
    expect(success.body).toBe('marked job via_follower as successful: true');

    const run = await follower.app.inject({ method: 'PUT', url: '/scheduler/job/via_follower?arguments=a%20b' });
    expect(run.statusCode).toBe(204);
    expect(leader.runner.calls).toContainEqual(['runNow', 'via_follower', ['a', 'b']]);
    expect(follower.runner.calls).toEqual([]);
  });

  it('answers 503 when the leader cannot be reached', async () => {
    await leader.app.close();
    const response = await follower.app.inject({ method: 'GET', url: '/scheduler/jobs' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'Service Unavailable', message: expect.stringMatching(/proxying/) });
  });
});
