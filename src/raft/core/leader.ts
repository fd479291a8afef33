/**
 * Leader-only steps: append and heartbeat responses, the leader's tick (heartbeats, check-quorum,
 * transfer timeout), ReadIndex, leadership transfer.
 */
import { hasQuorum } from './quorum.js';
import { broadcastHeartbeats, maybeCommit, sendAppends } from './replication.js';
import type { RaftState } from './state.js';
import type { Message, NodeId } from './types.js';

/** A follower lost in snapshot state for this many election timeouts gets probed again. */
const snapshotRetryElectionTimeouts = 3;

export function handleAppendResponse(r: RaftState, m: Message): void {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (m.reject) {
    // Fast backtracking: with the follower's (hint index, term at it), skip every entry of ours
    // whose term is above that term — a whole conflicting term per round trip.
    const retryFrom = m.logTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
    if (pr.maybeDecrTo(m.index, retryFrom)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppends(r, m.from, true);
    }
    return;
  }
  if (pr.maybeUpdate(m.index)) {
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match >= r.log.firstIndex() - 1) {
      // The follower installed the snapshot (or caught up otherwise): the log can serve it.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    maybeCommit(r);
  }
  sendAppends(r, m.from, false);
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
}

export function handleHeartbeatResponse(r: RaftState, m: Message): void {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  pr.probeSent = false;
  // The follower is alive: if acks were lost and the window filled up, let one more append go.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex() || pr.state === 'probe') sendAppends(r, m.from, true);
  if (m.context !== null && m.context.length > 0) acknowledgeRead(r, m.from, m.context);
}

function acknowledgeRead(r: RaftState, from: NodeId, context: Uint8Array): void {
  const acks = r.reads.recordAck(from, context);
  if (acks === null || !hasQuorum(r.conf.voters, (id) => acks.has(id))) return;
  for (const state of r.reads.releaseThrough(context)) r.readStates.push(state);
}

export function tickLeader(r: RaftState): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.config.electionTicks) {
    r.electionElapsed = 0;
    if (r.config.checkQuorum && !quorumActive(r)) {
      r.becomeFollower(r.term, null);
      return;
    }
    // A transfer that did not finish within an election timeout is abandoned (thesis §3.10).
    r.leadTransferee = null;
  }
  retryStuckSnapshots(r);
  if (r.heartbeatElapsed >= r.config.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    broadcastHeartbeats(r, r.reads.lastContext());
  }
}

/** Check-quorum: did a majority of voters talk to us during the last election timeout? */
function quorumActive(r: RaftState): boolean {
  const active = hasQuorum(r.conf.voters, (id) => id === r.id || r.progress.get(id)?.recentActive === true);
  for (const pr of r.progress.values()) if (pr.id !== r.id) pr.recentActive = false;
  return active;
}

/** Snapshots can be lost like any message; without an ack for a while, probe again. */
function retryStuckSnapshots(r: RaftState): void {
  const limit = snapshotRetryElectionTimeouts * r.config.electionTicks;
  for (const pr of r.progress.values()) {
    if (pr.state !== 'snapshot') continue;
    pr.snapshotTicks++;
    if (pr.snapshotTicks >= limit) pr.becomeProbe();
  }
}

/** ReadIndex (thesis §6.4); the caller checked that this node leads. */
export function leaderReadIndex(r: RaftState, context: Uint8Array): void {
  if (!r.committedInCurrentTerm()) {
    // Our commit index is not known to be current until an entry of our term commits.
    r.readsAwaitingCommit.push(context);
    return;
  }
  if (startRead(r, context)) broadcastHeartbeats(r, context);
}

/** Registers a read; returns true if it needs a heartbeat round (more than one voter). */
function startRead(r: RaftState, context: Uint8Array): boolean {
  if (r.conf.voters.length === 1 && r.conf.voters[0] === r.id) {
    r.readStates.push({ index: r.log.committed, context });
    return false;
  }
  r.reads.add(r.log.committed, context, r.id);
  return true;
}

export function releaseReadsAwaitingCommit(r: RaftState): void {
  if (r.readsAwaitingCommit.length === 0 || !r.committedInCurrentTerm()) return;
  const waiting = r.readsAwaitingCommit;
  r.readsAwaitingCommit = [];
  let needsRound = false;
  for (const context of waiting) needsRound = startRead(r, context) || needsRound;
  if (needsRound) broadcastHeartbeats(r, waiting[waiting.length - 1]!);
}

/** Leadership transfer (thesis §3.10): catch the target up, then tell it to campaign now. */
export function leaderTransfer(r: RaftState, to: NodeId): boolean {
  const pr = r.progress.get(to);
  if (to === r.id || pr === undefined || !r.isVoter(to)) return false;
  if (r.leadTransferee === to) return true;
  r.leadTransferee = to;
  // The transfer is abandoned when this reaches an election timeout (see tickLeader).
  r.electionElapsed = 0;
  if (pr.match === r.log.lastIndex()) sendTimeoutNow(r, to);
  else sendAppends(r, to, true);
  return true;
}

function sendTimeoutNow(r: RaftState, to: NodeId): void {
  r.send({ type: 'timeoutNow', to });
}

export function leaderReportUnreachable(r: RaftState, peer: NodeId): void {
  const pr = r.progress.get(peer);
  if (pr !== undefined && peer !== r.id) pr.becomeProbe();
}
