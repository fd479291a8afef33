/**
 * Goal: the Chronos REST API on three real `kairos master` processes behaves as one server —
 * a job created through a follower (proxied to the leader, not redirected) is listed by every
 * replica, bad bodies answer 400 on any replica and store nothing, deletes answer 204 and
 * disappear everywhere, and both prefixes serve the same jobs. The job store survives a leader
 * kill (it is replicated state).
 * Method: the built CLI with temp LevelDB dirs, driven with fetch (no redirect following, as
 * Chronos clients do), waiting on conditions with deadlines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type ReplicaSpec } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';

interface Answer {
  status: number;
  body: string;
  type: string | null;
}

async function api(replica: ReplicaSpec, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`http://${replica.http}${path}`, {
    method,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

async function names(replica: ReplicaSpec, prefix = '/scheduler'): Promise<string[]> {
  const answer = await api(replica, 'GET', `${prefix}/jobs`);
  expect(answer.status, answer.body).toBe(200);
  return (JSON.parse(answer.body) as Array<{ name: string }>).map((job) => job.name).sort();
}

describe('the Chronos API on a three-replica cluster', () => {
  let cluster: TestCluster;
  let leader: ReplicaSpec;
  let followers: ReplicaSpec[];

  beforeAll(async () => {
    cluster = await TestCluster.create(3);
    cluster.startAll();
    leader = await cluster.waitForLeader(30_000);
    followers = cluster.replicas.filter((r) => r !== leader);
    await cluster.waitForAllUp(30_000);
    // Followers learn the leader's HTTP address from the log.
    await waitFor('followers to know the leader address', async () => {
      const answers = await Promise.all(followers.map((f) => api(f, 'GET', '/scheduler/leader')));
      return answers.every((a) => a.status === 200) ? true : undefined;
    }, 30_000);
  }, 90_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('creates the README example through a follower (proxied: 204, not 307) and lists it on every replica', async () => {
    const created = await api(followers[0]!, 'POST', '/scheduler/iso8601', { name: 'my_task', command: "/bin/echo 'Hello, World!'", schedule: '0 0 * * *' });
    expect(created.status, created.body).toBe(204);
    expect(created.body).toBe('');
    for (const replica of cluster.replicas) {
      expect(await names(replica)).toContain('my_task');
      expect(await names(replica, '/v1/scheduler')).toContain('my_task');
    }
    const leaderAnswer = JSON.parse((await api(followers[1]!, 'GET', '/v1/scheduler/leader')).body) as { leader: string };
    expect(leaderAnswer.leader).toBe(leader.http);
  }, 60_000);

  it('creates a dependent job via the other follower with PUT, and refuses a cycle there', async () => {
    expect((await api(followers[1]!, 'PUT', '/scheduler/dependency', { name: 'after_task', command: 'true', parents: ['my_task'] })).status).toBe(204);
    const cycle = await api(followers[1]!, 'POST', '/scheduler/dependency', { name: 'my_task', command: 'true', parents: ['after_task'] });
    expect(cycle.status).toBe(400);
    expect(JSON.parse(cycle.body)).toMatchObject({ status: 'Bad Request', message: expect.stringMatching(/cycle/) });
    const csv = await api(leader, 'GET', '/scheduler/graph/csv');
    expect(csv.type).toMatch(/^text\/plain/);
    expect(csv.body).toContain('link,my_task,after_task\n');
  }, 60_000);

  it('answers 400 for bad input on any replica and stores nothing', async () => {
    const before = await names(leader);
    for (const replica of cluster.replicas) {
      for (const body of [
        { name: 'bad_job', command: 'true', schedule: 'every tuesday-ish' },
        { name: 'bad job', command: 'true', schedule: '@daily' },
        { name: 'bad_job', command: 'true', schedule: '@daily', scheduleTimeZone: 'Nowhere/Land' },
        '{"name": "bad_job",',
      ]) {
        const answer = await api(replica, 'POST', '/v1/scheduler/iso8601', body);
        expect(answer.status, `${replica.id} ${JSON.stringify(body)}: ${answer.body}`).toBe(400);
        expect(JSON.parse(answer.body)).toMatchObject({ status: 'Bad Request' });
      }
      expect((await api(replica, 'POST', '/scheduler/dependency', { name: 'bad_job', command: 'true', parents: ['nope'] })).status).toBe(400);
      expect((await api(replica, 'GET', '/scheduler/job/nope')).status).toBe(400);
      expect((await api(replica, 'DELETE', '/scheduler/job/nope')).status).toBe(400);
    }
    for (const replica of cluster.replicas) expect(await names(replica)).toEqual(before);
  }, 60_000);

  it('deletes through a follower with 204 and an empty body; every replica stops listing the job', async () => {
    expect((await api(followers[0]!, 'POST', '/scheduler/iso8601', { name: 'short_lived', command: 'true', schedule: 'R/2030-01-01T00:00:00Z/P1D' })).status).toBe(204);
    const deleted = await api(followers[0]!, 'DELETE', '/scheduler/job/short_lived');
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    for (const replica of cluster.replicas) expect(await names(replica)).not.toContain('short_lived');
  }, 60_000);

  it('keeps every job across a leader kill', async () => {
    const before = await names(leader);
    await cluster.kill(leader);
    const next = await cluster.waitForLeader(30_000);
    const survivor = cluster.replicas.find((r) => r.process && r !== next)!;
    await waitFor('the Chronos API on the survivors', async () => {
      const answer = await api(survivor, 'GET', '/scheduler/jobs').catch(() => null);
      return answer?.status === 200 ? true : undefined;
    }, 30_000);
    expect(await names(next)).toEqual(before);
    expect(await names(survivor)).toEqual(before);
  }, 90_000);
});
