/**
 * Claim: one-at-a-time membership changes keep the cluster safe and live — a node that joins
 * after the log was compacted catches up from a snapshot as a learner, is promoted to voter, and
 * when the leader itself is removed it steps down and the remaining voters elect a leader and
 * keep committing. Method: calm 3-node cluster that snapshots every 5 entries with no trailing
 * log; write 20 entries; start n4 and add it as learner, promote it, then remove the leader;
 * every change goes through the real core and the checkers watch every step.
 */
import { expect, test } from 'vitest';
import type { ConfChange } from '../../../src/raft/core/types.js';
import type { SimCluster } from '../harness/sim-cluster.js';
import type { SimNode } from '../harness/sim-node.js';
import { awaitAcknowledged, awaitLeader, calmCluster, proposePut } from './scenario-kit.js';

function changeMembership(cluster: SimCluster, leader: SimNode, change: ConfChange): void {
  const result = leader.proposeConfChange(change);
  expect(result?.ok, `${change.type} ${change.nodeId} refused: ${JSON.stringify(result)}`).toBe(true);
  const index = (result as { index: number }).index;
  const applied = cluster.runFor(2_000, () => cluster.checker.appliedTerm(index) !== undefined);
  expect(applied, `${change.type} ${change.nodeId} not applied\n${cluster.describe()}`).toBe(true);
}

test('a late joiner catches up by snapshot, is promoted, and the removed leader steps down', () => {
  const cluster = calmCluster(42, 3, (options) => {
    options.snapshotEveryEntries = 5;
    options.raft = { ...options.raft, snapshotTrailingEntries: 0 };
  });
  let leader = awaitLeader(cluster);
  for (let k = 0; k < 20; k++) awaitAcknowledged(cluster, proposePut(leader, `k${k % 3}`, `v${k}`));

  const joiner = cluster.addSpareNode('n4');
  changeMembership(cluster, leader, { type: 'addLearner', nodeId: 'n4' });
  const caughtUp = cluster.runFor(2_000, () => joiner.kv.appliedIndex >= leader.kv.appliedIndex);
  expect(caughtUp, cluster.describe()).toBe(true);
  expect(cluster.snapshotInstalls).toBeGreaterThan(0);
  expect(joiner.kv.read('k1')).toBe(leader.kv.read('k1'));

  changeMembership(cluster, leader, { type: 'addVoter', nodeId: 'n4' });
  expect(cluster.conf.voters).toContain('n4');

  const removed = leader;
  changeMembership(cluster, leader, { type: 'removeNode', nodeId: removed.id });
  const steppedDown = cluster.runFor(1_000, () => !removed.isLeader);
  expect(steppedDown).toBe(true);
  expect(cluster.conf.voters).not.toContain(removed.id);
  cluster.stop(removed.id);

  leader = awaitLeader(cluster, 3_000, [removed.id]);
  expect(cluster.conf.voters).toContain(leader.id);
  const last = proposePut(leader, 'k0', 'after-removal');
  awaitAcknowledged(cluster, last);
  const converged = cluster.runFor(1_000, () =>
    cluster.conf.voters.every((id) => cluster.node(id)!.kv.appliedIndex >= last.index),
  );
  expect(converged, cluster.describe()).toBe(true);
  for (const id of cluster.conf.voters) expect(cluster.node(id)!.kv.read('k0')).toBe('after-removal');
});
