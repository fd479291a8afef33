/**
 * Majority arithmetic over the voters of one configuration: the commit index a quorum has
 * reached, and the outcome of an election. Pure functions; learners never appear here.
 */
import type { NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

// Reused scratch buffer: the leader computes this on every append response.
const scratch: number[] = [];

/**
 * The largest index that a majority of voters have matched: the k-th largest match, where k is
 * the quorum size. With no voters there is nothing to commit (0).
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  scratch.length = n;
  for (let k = 0; k < n; k++) scratch[k] = matchOf(voters[k]!);
  // Insertion sort, descending: n is a handful of voters.
  for (let i = 1; i < n; i++) {
    const value = scratch[i]!;
    let j = i - 1;
    while (j >= 0 && scratch[j]! < value) {
      scratch[j + 1] = scratch[j]!;
      j--;
    }
    scratch[j + 1] = value;
  }
  return scratch[quorumSize(n) - 1]!;
}

/** Tallies granted and rejected votes among voters; votes from non-voters are not counted. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = quorumSize(voters.length);
  if (voters.length === 0) return 'lost';
  if (granted >= needed) return 'won';
  if (voters.length - rejected < needed) return 'lost';
  return 'pending';
}

/** True when the voters in `acked` form a majority. */
export function hasQuorum(voters: readonly NodeId[], acked: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (acked(id)) count++;
  return voters.length > 0 && count >= quorumSize(voters.length);
}
