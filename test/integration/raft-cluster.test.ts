/**
 * Goal: three real `kairos master` processes on loopback elect a leader and serve the Raft HTTP
 * surface as documented — /health, /raft/status, /master/redirect, the replicated KV store with
 * linearizable reads, follower redirects and size limits.
 * Method: start the replicas from the built CLI with temp LevelDB dirs, drive them with fetch,
 * wait on conditions with deadlines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, getKvFollowing, putKv, putKvFollowing, type ReplicaSpec } from './helpers/cluster.js';
import { waitFor } from './helpers/process.js';

describe('a three-replica master cluster', () => {
  let cluster: TestCluster;
  let leader: ReplicaSpec;
  let follower: ReplicaSpec;

  beforeAll(async () => {
    cluster = await TestCluster.create(3);
    cluster.startAll();
    leader = await cluster.waitForLeader();
    follower = cluster.replicas.find((r) => r !== leader)!;
    // Followers learn the leader's HTTP address from the log.
    await waitFor('follower to know the leader address', async () => {
      const response = await fetch(`http://${follower.http}/master/redirect`, { redirect: 'manual' });
      return response.status === 307 ? true : undefined;
    });
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('answers /health with 200 and an empty body on every replica', async () => {
    for (const replica of cluster.replicas) {
      const response = await fetch(`http://${replica.http}/health`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
    }
  });

  it('keeps idle client connections open for 60 s, as it says in Keep-Alive', async () => {
    // The CLI binds its port before the app loads; that server must get the app's timeouts too
    // (Node's own default closed idle connections after 5 s).
    const response = await fetch(`http://${leader.http}/health`);
    expect(response.headers.get('keep-alive')).toBe('timeout=60');
  });

  it('reports raft status with exactly one leader that everyone agrees on', async () => {
    const statuses = await Promise.all(cluster.replicas.map((r) => cluster.status(r)));
    const leaders = statuses.filter((s) => s?.role === 'leader');
    expect(leaders).toHaveLength(1);
    const leaderStatus = leaders[0]!;
    expect(leaderStatus.id).toBe(leader.id);
    expect(leaderStatus.peers.map((p) => p.id).sort()).toEqual(['m1', 'm2', 'm3']);
    for (const status of statuses) {
      expect(status).toMatchObject({ id: expect.any(String), term: leaderStatus.term, leader: leader.id });
      expect(status!.commitIndex).toBeGreaterThanOrEqual(1);
    }
  });

  it('redirects /master/redirect to the leader with 307 and a scheme-relative location', async () => {
    const response = await fetch(`http://${follower.http}/master/redirect`, { redirect: 'manual' });
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe(`//${leader.http}`);
  });

  it('writes through the leader and reads back linearizably', async () => {
    const put = await putKv(leader.http, 'greeting', 'hello');
    expect(put.status).toBe(204);
    const get = await fetch(`http://${leader.http}/raft/kv/greeting`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('hello');
  });

  it('has followers answer 307 to the same URL on the leader, for reads and writes', async () => {
    const put = await putKv(follower.http, 'k1', 'v1');
    expect(put.status).toBe(307);
    expect(put.headers.get('location')).toBe(`http://${leader.http}/raft/kv/k1`);
    expect(await putKvFollowing(follower.http, 'k1', 'v1')).toBe(204);
    expect(await getKvFollowing(follower.http, 'k1')).toEqual({ status: 200, body: 'v1' });
  });

  it('answers 404 for a missing key', async () => {
    const response = await fetch(`http://${leader.http}/raft/kv/never-written`);
    expect(response.status).toBe(404);
  });

  it('refuses a value over 1 MiB with 413 and writes nothing', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const response = await putKv(leader.http, 'big', big, 5_000);
    expect(response.status).toBe(413);
    expect(((await response.json()) as Record<string, unknown>).message).toMatch(/1048576 bytes/);
    expect((await fetch(`http://${leader.http}/raft/kv/big`)).status).toBe(404);
  });

  it('refuses a key over 1 KiB with 413', async () => {
    const response = await putKv(leader.http, 'k'.repeat(1025), 'v');
    expect(response.status).toBe(413);
  });

  it('exposes Prometheus metrics with the Raft view of each replica', async () => {
    const response = await fetch(`http://${leader.http}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(new RegExp(`kairos_raft_is_leader\\{replica="${leader.id}"\\} 1`));
    expect(text).toMatch(/kairos_raft_term\{replica="m\d"\} [1-9]/);
    expect(text).toMatch(/kairos_transport_messages_sent_total\{replica="m\d"\} [1-9]/);
    expect(text).toMatch(/kairos_process_cpu_seconds_total/);
    const followerText = await (await fetch(`http://${follower.http}/metrics`)).text();
    expect(followerText).toMatch(new RegExp(`kairos_raft_is_leader\\{replica="${follower.id}"\\} 0`));
  });

  it('replicates every write to every replica', async () => {
    for (let i = 0; i < 20; i++) expect((await putKv(leader.http, `r${i}`, `v${i}`)).status).toBe(204);
    const leaderStatus = (await cluster.status(leader))!;
    await waitFor('followers to apply the writes', async () => {
      const statuses = await Promise.all(cluster.replicas.map((r) => cluster.status(r)));
      return statuses.every((s) => s && s.appliedIndex >= leaderStatus.commitIndex) ? true : undefined;
    });
  });
});
