/**
 * Elections: the follower/candidate tick, campaigning (with pre-vote, thesis §9.6), answering
 * vote requests and counting answers.
 */
import { EntryType } from './types.js';
import type { Message, NodeId } from './types.js';
import { TRANSFER_CONTEXT } from './messages.js';
import { voteResult } from './quorum.js';
import type { RaftState } from './state.js';

export function tickElection(r: RaftState): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    hup(r, false);
  }
}

/**
 * Starts an election if this node may: with pre-vote unless `transfer` (the leader asked us to
 * take over, so there is no point asking first).
 */
export function hup(r: RaftState, transfer: boolean): void {
  if (r.role === 'leader' || !r.promotable()) return;
  // A committed but unapplied conf change could change who votes; wait until it is applied.
  if (hasUnappliedConfChange(r)) return;
  if (r.config.preVote && !transfer) campaign(r, 'preVote', false);
  else campaign(r, 'vote', transfer);
}

function hasUnappliedConfChange(r: RaftState): boolean {
  // Entries through `applied` were handed out and their conf changes applied in advance().
  const from = Math.max(r.confAppliedIndex, r.log.applied) + 1;
  for (let index = from; index <= r.log.committed; index++) {
    if (r.log.entryAt(index)?.type === EntryType.ConfChange) return true;
  }
  return false;
}

function campaign(r: RaftState, kind: 'preVote' | 'vote', transfer: boolean): void {
  let voteTerm: number;
  if (kind === 'preVote') {
    r.becomePreCandidate();
    voteTerm = r.term + 1;
  } else {
    r.becomeCandidate();
    voteTerm = r.term;
  }
  if (recordVote(r, r.id, true)) return;
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const id of r.conf.voters) {
    if (id === r.id) continue;
    r.send(
      {
        type: kind,
        to: id,
        term: voteTerm,
        index: lastIndex,
        logTerm: lastTerm,
        context: transfer ? TRANSFER_CONTEXT : null,
      },
      true,
    );
  }
}

/** Counts a vote; acts on the outcome. Returns true if the election finished. */
function recordVote(r: RaftState, from: NodeId, granted: boolean): boolean {
  if (!r.votes.has(from)) r.votes.set(from, granted);
  const result = voteResult(r.conf.voters, r.votes);
  if (result === 'pending') return false;
  if (result === 'lost') {
    r.becomeFollower(r.term, null);
  } else if (r.role === 'preCandidate') {
    campaign(r, 'vote', false);
  } else {
    r.becomeLeader();
  }
  return true;
}

/** Vote and pre-vote requests (the term checks in step.ts already ran). */
export function handleVoteRequest(r: RaftState, m: Message): void {
  const isPreVote = m.type === 'preVote';
  // We may vote for this candidate if we already did, if we have voted for nobody and know no
  // leader in this term, or — for a pre-vote — if it asks about a future term.
  const canVote = r.vote === m.from || (r.vote === null && r.lead === null) || (isPreVote && m.term > r.term);
  const responseType = isPreVote ? 'preVoteResp' : 'voteResp';
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    // A granted pre-vote answers in the term it was asked about, so the candidate counts it.
    r.send({ type: responseType, to: m.from, term: m.term }, true);
    if (!isPreVote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
    return;
  }
  r.send({ type: responseType, to: m.from, reject: true, ...commitHint(r) }, true);
}

/**
 * A rejection also tells the candidate our commit index and the term of the entry there. If
 * the candidate holds that same entry, Log Matching makes its prefix ours, so it is committed
 * there too. Without this, a leader that removed itself and stepped down right after the change
 * committed could leave the remaining voter(s) unaware of the commit, still counting on the
 * departed node's vote, which it refuses because its own log runs longer: no election could
 * ever succeed.
 */
export function commitHint(r: RaftState): { commit: number; logTerm: number } {
  return { commit: r.log.committed, logTerm: r.log.term(r.log.committed) ?? 0 };
}

/** Learns a commit index from a vote rejection (see commitHint). Never on a leader. */
export function learnCommitFromHint(r: RaftState, m: Message): void {
  if (r.role === 'leader' || !m.reject || m.logTerm === 0 || m.commit <= r.log.committed) return;
  if (r.log.matchTerm(m.commit, m.logTerm)) r.log.commitTo(m.commit);
}

export function handleVoteResponse(r: RaftState, m: Message): void {
  const expected = r.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
  if (m.type !== expected) return;
  recordVote(r, m.from, !m.reject);
}

/**
 * The shell lost its connection to `peer`. If that was our leader, forget it and campaign (with
 * pre-vote) after a short random delay instead of a whole election timeout.
 */
export function followerReportUnreachable(r: RaftState, peer: NodeId): void {
  if (r.role !== 'follower' || r.lead !== peer) return;
  r.lead = null;
  r.electionElapsed = 0;
  r.randomizedElectionTimeout = fastCampaignDelayTicks(r, peer);
}

/**
 * Every follower of a crashed leader notices at once, so equal short delays would make them all
 * campaign together and split the vote (then a whole election timeout passes). Stagger them by
 * rank among the remaining voters — two ticks apart, plus jitter — so one usually asks first and
 * the others, still leaderless, grant it.
 */
function fastCampaignDelayTicks(r: RaftState, lostLeader: NodeId): number {
  const others = r.conf.voters.filter((id) => id !== lostLeader).sort();
  const rank = Math.max(0, others.indexOf(r.id));
  return 1 + 2 * rank + r.rng.int(0, 1);
}
