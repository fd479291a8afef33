/**
 * The operator of the simulation: it walks the cluster through one-at-a-time membership changes
 * (Raft thesis §4.1) while the nemesis is busy — start a spare node, add it as a learner,
 * promote it to voter, then remove one of the founders (sometimes the leader itself) and shut
 * that node down. Each step is proposed to whoever leads and retried until the change shows up
 * in the applied configuration.
 */
import type { ConfChange, NodeId } from '../../../src/raft/core/types.js';
import type { SimCluster } from './sim-cluster.js';

export class MembershipAdmin {
  private readonly plan: ConfChange[];
  private step = 0;
  private running = false;
  proposals = 0;

  constructor(
    private readonly cluster: SimCluster,
    spare: NodeId,
    removed: NodeId,
  ) {
    this.plan = [
      { type: 'addLearner', nodeId: spare },
      { type: 'addVoter', nodeId: spare },
      { type: 'removeNode', nodeId: removed },
    ];
  }

  get finished(): boolean {
    return this.step >= this.plan.length;
  }

  start(delayMs: number): void {
    this.running = true;
    this.cluster.later(delayMs, () => this.poll());
  }

  stop(): void {
    this.running = false;
  }

  private poll(): void {
    if (!this.running || this.finished) return;
    const change = this.plan[this.step]!;
    if (this.isApplied(change)) {
      this.cluster.trace(`admin: ${change.type} ${change.nodeId} is in effect`);
      if (change.type === 'removeNode') this.cluster.later(50, () => this.cluster.stop(change.nodeId));
      this.step++;
      this.cluster.later(this.cluster.rng.int(20, 150), () => this.poll());
      return;
    }
    if (change.type === 'addLearner' && this.cluster.node(change.nodeId) === undefined) {
      this.cluster.addSpareNode(change.nodeId);
    }
    const leader = this.cluster.leader();
    if (leader !== undefined) {
      const result = leader.proposeConfChange(change);
      this.proposals++;
      if (result?.ok === true) this.cluster.trace(`admin: ${leader.id} accepted ${change.type} ${change.nodeId} at ${result.index}`);
    }
    this.cluster.later(40, () => this.poll());
  }

  private isApplied(change: ConfChange): boolean {
    const { voters, learners } = this.cluster.conf;
    switch (change.type) {
      case 'addLearner':
        return learners.includes(change.nodeId) || voters.includes(change.nodeId);
      case 'addVoter':
        return voters.includes(change.nodeId);
      case 'removeNode':
        return !voters.includes(change.nodeId) && !learners.includes(change.nodeId);
    }
  }
}
