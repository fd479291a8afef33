/**
 * Claim: a follower cut off from the cluster rejoins without raising the term (pre-vote, Raft
 * thesis §9.6), so it cannot depose a healthy leader. Method: in a calm 3-node cluster, isolate
 * a follower for 30 election timeouts, heal, and compare terms and leadership before and after.
 * The control run disables pre-vote and shows the same isolation does raise the term — so the
 * first test would notice if pre-vote stopped working.
 */
import { describe, expect, test } from 'vitest';
import { awaitLeader, calmCluster, proposePut, awaitAcknowledged } from './scenario-kit.js';

function isolateFollowerAndRejoin(preVote: boolean): { termBefore: number; isolatedTermMax: number; termAfter: number; sameLeader: boolean } {
  const cluster = calmCluster(11, 3, (options) => {
    options.raft = { ...options.raft, preVote, checkQuorum: true };
  });
  const leader = awaitLeader(cluster);
  awaitAcknowledged(cluster, proposePut(leader, 'k', 'before'));
  const follower = cluster.nodeList().find((node) => node.id !== leader.id)!;
  const termBefore = leader.core!.status().term;
  cluster.network.isolate(follower.id, cluster.liveMemberIds());
  let isolatedTermMax = 0;
  cluster.runFor(30 * 10 * 10, () => {
    isolatedTermMax = Math.max(isolatedTermMax, follower.core!.status().term);
    return false;
  });
  cluster.network.heal();
  cluster.runFor(1_000);
  awaitAcknowledged(cluster, proposePut(cluster.leader()!, 'k', 'after'));
  return {
    termBefore,
    isolatedTermMax,
    termAfter: cluster.leader()!.core!.status().term,
    sameLeader: cluster.leader()!.id === leader.id,
  };
}

describe('a partitioned follower rejoins', () => {
  test('with pre-vote it never raises the term, and the leader keeps leading', () => {
    const outcome = isolateFollowerAndRejoin(true);
    expect(outcome.isolatedTermMax).toBe(outcome.termBefore);
    expect(outcome.termAfter).toBe(outcome.termBefore);
    expect(outcome.sameLeader).toBe(true);
  });

  test('control: without pre-vote the isolated follower inflates its term and forces a new election', () => {
    const outcome = isolateFollowerAndRejoin(false);
    expect(outcome.isolatedTermMax).toBeGreaterThan(outcome.termBefore + 5);
    expect(outcome.termAfter).toBeGreaterThan(outcome.termBefore);
  });
});
