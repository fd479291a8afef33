/**
 * Entry point for every incoming message: term rules first (Raft §5.1, pre-vote §9.6, leader
 * stickiness §4.2.3), then dispatch by role and message type.
 */
import { commitHint, handleVoteRequest, handleVoteResponse, hup, learnCommitFromHint } from './election.js';
import { handleAppend, handleHeartbeat, handleSnapshot } from './follower.js';
import { handleAppendResponse, handleHeartbeatResponse } from './leader.js';
import { isLeaderMessage, isTransferContext, isVoteRequest } from './messages.js';
import type { RaftState } from './state.js';
import type { Message } from './types.js';

export function step(r: RaftState, m: Message): void {
  if (m.from === r.id) return;
  if (m.term > r.term) {
    if (!acceptHigherTerm(r, m)) return;
  } else if (m.term < r.term) {
    answerStaleTerm(r, m);
    return;
  }
  if (isVoteRequest(m.type)) {
    handleVoteRequest(r, m);
    return;
  }
  if (m.type === 'voteResp' || m.type === 'preVoteResp') learnCommitFromHint(r, m);
  switch (r.role) {
    case 'leader':
      stepLeader(r, m);
      return;
    case 'candidate':
    case 'preCandidate':
      stepCandidate(r, m);
      return;
    case 'follower':
      stepFollower(r, m);
      return;
  }
}

/**
 * A message from a higher term. Returns false if it must be ignored. Votes are ignored while we
 * hear from a live leader (stickiness), unless forced by a leadership transfer; a pre-vote
 * request or a granted pre-vote answer does not change our term.
 */
function acceptHigherTerm(r: RaftState, m: Message): boolean {
  if (isVoteRequest(m.type)) {
    const leaseApplies = m.type === 'preVote' || r.config.checkQuorum;
    if (leaseApplies && r.leaseActive() && !isTransferContext(m.context)) return false;
  }
  if (m.type === 'preVote') return true;
  if (m.type === 'preVoteResp' && !m.reject) return true;
  r.becomeFollower(m.term, isLeaderMessage(m.type) ? m.from : null);
  return true;
}

/**
 * A message from an older term. A stale leader gets an answer carrying our term so that it
 * steps down (otherwise pre-vote/check-quorum could leave it stranded); a stale pre-candidate
 * learns our term from a rejection. Everything else is dropped.
 */
function answerStaleTerm(r: RaftState, m: Message): void {
  if ((r.config.checkQuorum || r.config.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
    r.send({ type: 'appResp', to: m.from });
  } else if (m.type === 'preVote') {
    r.send({ type: 'preVoteResp', to: m.from, reject: true, ...commitHint(r) });
  }
}

function stepLeader(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'appResp':
      handleAppendResponse(r, m);
      return;
    case 'heartbeatResp':
      handleHeartbeatResponse(r, m);
      return;
    default:
      // Another leader of our term cannot exist; stale answers to old campaigns are dropped.
      return;
  }
}

function stepCandidate(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'app':
    case 'heartbeat':
    case 'snap':
      // Someone won this term: follow it.
      r.becomeFollower(m.term, m.from);
      stepFollower(r, m);
      return;
    case 'voteResp':
    case 'preVoteResp':
      handleVoteResponse(r, m);
      return;
    default:
      return;
  }
}

function stepFollower(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'app':
    case 'heartbeat':
    case 'snap':
      r.electionElapsed = 0;
      r.lead = m.from;
      if (m.type === 'app') handleAppend(r, m);
      else if (m.type === 'heartbeat') handleHeartbeat(r, m);
      else handleSnapshot(r, m);
      return;
    case 'timeoutNow':
      // The leader hands over: campaign at once, skipping pre-vote and overriding stickiness.
      hup(r, true);
      return;
    default:
      return;
  }
}
