/**
 * Small helpers the named scenario tests share: build a calm cluster, wait (in virtual time, with
 * a deadline) for a leader or for an entry to be applied, and propose a put directly at a node.
 */
import { expect } from 'vitest';
import type { NodeId } from '../../../src/raft/core/types.js';
import { encodeKvCommand } from '../harness/kv-state-machine.js';
import { defaultClusterOptions, SimCluster, type ClusterOptions } from '../harness/sim-cluster.js';
import type { SimNode } from '../harness/sim-node.js';

export function calmCluster(seed: number, size: number, adjust: (options: ClusterOptions) => void = () => {}): SimCluster {
  const options = defaultClusterOptions(seed, Array.from({ length: size }, (_, k) => `n${k + 1}`));
  adjust(options);
  return new SimCluster(options).start();
}

/** Runs until some live node leads (and has committed its no-op), failing after `budgetMs`. */
export function awaitLeader(cluster: SimCluster, budgetMs = 2_000, exclude: NodeId[] = []): SimNode {
  const found = cluster.runFor(budgetMs, () => {
    const leader = cluster.leader();
    return leader !== undefined && !exclude.includes(leader.id) && leader.core!.status().commitIndex >= leader.core!.status().lastIndex;
  });
  expect(found, `no leader within ${budgetMs}ms\n${cluster.describe()}`).toBe(true);
  return cluster.leader()!;
}

export interface Proposal {
  node: NodeId;
  index: number;
  term: number;
  label: string;
}

/** Proposes `key=value` at `node` (which must lead). */
export function proposePut(node: SimNode, key: string, value: string): Proposal {
  const result = node.propose(encodeKvCommand({ op: 'put', key, value }));
  expect(result?.ok, `${node.id} refused the proposal`).toBe(true);
  const accepted = result as { index: number; term: number };
  return { node: node.id, index: accepted.index, term: accepted.term, label: `put ${key}=${value}` };
}

/** Has anyone applied exactly this proposal? */
export function isApplied(cluster: SimCluster, proposal: Proposal): boolean {
  return cluster.checker.appliedTerm(proposal.index) === proposal.term;
}

/** Runs until the proposal is applied by the node that proposed it; records the acknowledgement. */
export function awaitAcknowledged(cluster: SimCluster, proposal: Proposal, budgetMs = 1_000): void {
  const node = cluster.node(proposal.node)!;
  const done = cluster.runFor(budgetMs, () => node.kv.appliedIndex >= proposal.index);
  expect(done && isApplied(cluster, proposal), `${proposal.label} was not applied\n${cluster.describe()}`).toBe(true);
  cluster.checker.acknowledge(proposal);
}

/** Every live node's term. */
export function terms(cluster: SimCluster): Record<NodeId, number> {
  const result: Record<NodeId, number> = {};
  for (const node of cluster.nodeList()) if (node.isUp) result[node.id] = node.core!.status().term;
  return result;
}
