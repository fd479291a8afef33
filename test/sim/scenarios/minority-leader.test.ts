/**
 * Claim: a leader cut off in a minority partition steps down (check-quorum) and no write
 * acknowledged by any leader is lost; what it accepted but could not commit is never applied.
 * Method: 5-node calm cluster; acknowledge a write; partition the leader with one follower away
 * from the other three; propose at the stranded leader; watch it step down within two election
 * timeouts while the majority elects a leader and acknowledges a write; heal, let everyone
 * converge, then check every acknowledged write is in the final leader's log and the stranded
 * write was never applied. A control run without check-quorum shows the stranded leader would
 * otherwise keep believing it leads, so the step-down assertion can fail.
 */
import { describe, expect, test } from 'vitest';
import { awaitAcknowledged, awaitLeader, calmCluster, isApplied, proposePut } from './scenario-kit.js';

const electionTimeoutMs = 10 * 10;

function strandLeader(checkQuorum: boolean) {
  const cluster = calmCluster(23, 5, (options) => {
    options.raft = { ...options.raft, checkQuorum, preVote: true };
  });
  const leader = awaitLeader(cluster);
  awaitAcknowledged(cluster, proposePut(leader, 'k', 'w1'));
  const buddy = cluster.nodeList().find((node) => node.id !== leader.id)!;
  const majority = cluster.liveMemberIds().filter((id) => id !== leader.id && id !== buddy.id);
  cluster.network.partition([[leader.id, buddy.id], majority]);
  const stranded = proposePut(leader, 'k', 'stranded');
  const steppedDown = cluster.runFor(2 * 2 * electionTimeoutMs, () => !leader.isLeader);
  const newLeader = awaitLeader(cluster, 3_000, [leader.id]);
  return { cluster, leader, stranded, steppedDown, newLeader, majority };
}

describe('leader in a minority partition', () => {
  test('steps down, and no acknowledged write is lost', () => {
    const { cluster, stranded, steppedDown, newLeader, majority } = strandLeader(true);
    expect(steppedDown).toBe(true);
    expect(majority).toContain(newLeader.id);
    const w3 = proposePut(newLeader, 'k', 'w3');
    awaitAcknowledged(cluster, w3);
    expect(isApplied(cluster, stranded)).toBe(false);

    cluster.network.heal();
    const converged = cluster.runFor(3_000, () => cluster.nodeList().every((node) => node.kv.appliedIndex >= w3.index));
    expect(converged, cluster.describe()).toBe(true);
    const finalLeader = cluster.leader()!;
    cluster.checker.checkDurable(finalLeader.id, finalLeader.disk);
    expect(isApplied(cluster, stranded)).toBe(false);
    for (const node of cluster.nodeList()) expect(node.kv.read('k')).toBe('w3');
  });

  test('control: without check-quorum the stranded leader keeps leading', () => {
    const { steppedDown, leader } = strandLeader(false);
    expect(steppedDown).toBe(false);
    expect(leader.isLeader).toBe(true);
  });
});
