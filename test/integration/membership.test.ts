/**
 * Goal: single-server membership changes work on real processes: a new replica started with
 * --join is added as a learner, catches up (including state written before it joined), is
 * promoted to voter, and an old replica is removed — the cluster keeps committing throughout.
 * Method: 3 real replicas, then a 4th; drive /raft/members on the leader; check /raft/status.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster, getKvFollowing, putKvFollowing } from './helpers/cluster.js';
import { waitFor } from './helpers/process.js';

describe('membership changes', () => {
  let cluster: TestCluster;
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('adds a learner, promotes it, removes an old voter', async () => {
    cluster = await TestCluster.create(3);
    cluster.startAll();
    let leader = await cluster.waitForLeader();
    for (let i = 0; i < 30; i++) expect(await putKvFollowing(leader.http, `before${i}`, `v${i}`)).toBe(204);

    const newcomer = await cluster.addSpec('m4');
    cluster.start(newcomer, ['--join']);
    await waitFor('the newcomer to listen', () => cluster.status(newcomer));

    const post = (path: string, body?: unknown): Promise<Response> =>
      fetch(`http://${leader.http}${path}`, {
        method: 'POST',
        ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });

    const bad = await post('/raft/members', { id: 'm4', raftAddress: 'nonsense' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Record<string, unknown>).message).toMatch(/raftAddress/);

    const added = await post('/raft/members', { id: 'm4', raftAddress: newcomer.raft });
    expect(added.status).toBe(200);
    expect((await added.json()) as Record<string, unknown>).toMatchObject({ learners: ['m4'] });

    await waitFor('the learner to catch up', async () => {
      const [own, lead] = [await cluster.status(newcomer), await cluster.status(leader)];
      return own && lead && own.appliedIndex >= lead.commitIndex ? true : undefined;
    });
    const promoted = await post('/raft/members/m4/promote');
    expect(promoted.status).toBe(200);
    expect(((await promoted.json()) as Record<string, unknown>).voters).toContain('m4');

    // Remove one of the original voters that is not the leader.
    const victim = cluster.replicas.find((r) => r.id !== leader.id && r.id !== 'm4')!;
    const removed = await fetch(`http://${leader.http}/raft/members/${victim.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as Record<string, unknown>).voters).not.toContain(victim.id);
    await cluster.kill(victim);

    leader = await cluster.waitForLeader();
    expect(await putKvFollowing(leader.http, 'after', 'ok')).toBe(204);
    expect(await getKvFollowing(newcomer.http, 'before7')).toEqual({ status: 200, body: 'v7' });
    const status = await cluster.status(newcomer);
    expect(status!.leader).not.toBeNull();
  });
});
