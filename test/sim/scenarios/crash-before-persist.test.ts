/**
 * Claim: a crash between "messages sent" and "persist done" loses nothing acknowledged, because
 * acknowledgements (messagesAfterPersist) only leave once the write is synced.
 * Method: 3-node cluster whose followers take 40 ms per fsync while the leader takes 1 ms.
 * Propose at the leader; once both followers hold the entry in memory (their write still in
 * flight), crash them both and cut the leader off; restart the followers, let them elect a
 * leader and write over that index; heal and converge. With the real shell the entry was never
 * acknowledged and every checker stays quiet. The control uses a broken shell that acknowledges
 * before syncing: the same schedule then acknowledges the write and loses it, and the safety
 * checkers must catch that — showing the first test can fail.
 */
import { describe, expect, test } from 'vitest';
import { SafetyViolation } from '../../checkers/raft-safety.js';
import { awaitAcknowledged, awaitLeader, calmCluster, isApplied, proposePut } from './scenario-kit.js';

function crashFollowersMidWrite(brokenShell: boolean): { acknowledged: boolean } {
  let slowFollowers = false;
  let leaderId = '';
  const cluster = calmCluster(5, 3, (options) => {
    options.writeLatencyFor = (node) => (slowFollowers && node !== leaderId ? 40 : 1);
    if (brokenShell) options.sendAcksBeforePersist = true;
  });
  const leader = awaitLeader(cluster);
  leaderId = leader.id;
  slowFollowers = true;
  const followers = cluster.nodeList().filter((node) => node.id !== leader.id);
  cluster.runFor(100); // let earlier writes settle before the slow ones start

  const proposal = proposePut(leader, 'k', 'at-risk');
  const received = cluster.runFor(30, () => followers.every((node) => node.core!.status().lastIndex >= proposal.index));
  expect(received, 'followers did not receive the append in time').toBe(true);
  cluster.runFor(5);
  const acknowledged = isApplied(cluster, proposal) && leader.kv.appliedIndex >= proposal.index;
  if (acknowledged) cluster.checker.acknowledge(proposal);

  for (const follower of followers) cluster.crash(follower.id);
  cluster.network.isolate(leader.id, cluster.liveMemberIds());
  slowFollowers = false;
  for (const follower of followers) cluster.restart(follower.id);
  const newLeader = awaitLeader(cluster, 3_000, [leader.id]);
  awaitAcknowledged(cluster, proposePut(newLeader, 'k', 'after'));

  cluster.network.heal();
  cluster.runFor(2_000, () => cluster.nodeList().every((node) => node.kv.appliedIndex >= newLeader.kv.appliedIndex));
  const finalLeader = cluster.leader()!;
  cluster.checker.checkDurable(finalLeader.id, finalLeader.disk);
  return { acknowledged };
}

describe('crash between send and persist', () => {
  test('loses nothing acknowledged: followers never acknowledged what they had not synced', () => {
    const outcome = crashFollowersMidWrite(false);
    expect(outcome.acknowledged).toBe(false);
  });

  test('control: a shell that acknowledges before syncing loses an acknowledged write, and the checkers say so', () => {
    let caught: unknown = null;
    try {
      crashFollowersMidWrite(true);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SafetyViolation);
    expect(String(caught)).toMatch(/leader completeness|state machine safety|durability/);
  });
});
