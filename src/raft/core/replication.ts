/**
 * Leader-side log replication: building appends (batched and pipelined per follower), snapshots
 * for followers whose next entry was compacted, heartbeats, and the commit rule.
 */
import { assert } from '../../lib/assert.js';
import { entrySize } from './log.js';
import type { Progress } from './progress.js';
import { committedIndex } from './quorum.js';
import type { RaftState } from './state.js';
import type { NodeId } from './types.js';
import { releaseReadsAwaitingCommit } from './leader.js';

/**
 * Sends what `to` is missing: in replicate state as many appends as the in-flight window allows,
 * in probe state one. With `sendIfEmpty`, an empty append still goes out (to carry the commit
 * index). Returns true if anything was sent.
 */
export function sendAppends(r: RaftState, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.progress.get(to);
  if (pr === undefined || to === r.id) return false;
  let sent = false;
  while (!pr.isPaused()) {
    const hasEntries = pr.next <= r.log.lastIndex();
    if (!hasEntries && !(sendIfEmpty && !sent)) break;
    if (!sendOneAppend(r, pr)) return true;
    sent = true;
    if (pr.state !== 'replicate') break;
  }
  return sent;
}

/** One append (or a snapshot when the previous entry is compacted); false if a snapshot went. */
function sendOneAppend(r: RaftState, pr: Progress): boolean {
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined || prevIndex < r.log.firstIndex() - 1) {
    sendSnapshot(r, pr);
    return false;
  }
  const lastIndex = r.log.lastIndex();
  const entries = pr.next <= lastIndex ? r.log.slice(pr.next, lastIndex + 1, r.config.maxSizePerMsg) : [];
  r.send({
    type: 'app',
    to: pr.id,
    index: prevIndex,
    logTerm: prevTerm,
    entries,
    commit: r.log.committed,
  });
  const last = entries.length > 0 ? entries[entries.length - 1]!.index : prevIndex;
  pr.sentEntries(last, entries.length);
  return true;
}

function sendSnapshot(r: RaftState, pr: Progress): void {
  const snapshot = r.snapshot;
  assert(snapshot !== null, `follower ${pr.id} needs compacted entries but no snapshot exists`);
  r.send({ type: 'snap', to: pr.id, snapshot });
  pr.becomeSnapshot(snapshot.meta.index);
}

export function broadcastAppends(r: RaftState, sendIfEmpty: boolean): void {
  for (const id of r.progress.keys()) if (id !== r.id) sendAppends(r, id, sendIfEmpty);
}

/** Heartbeats carry min(commit, match): a follower must never commit what it may not hold. */
export function broadcastHeartbeats(r: RaftState, context: Uint8Array | null): void {
  for (const pr of r.progress.values()) {
    if (pr.id === r.id) continue;
    r.send({ type: 'heartbeat', to: pr.id, commit: Math.min(r.log.committed, pr.match), context });
  }
}

/**
 * The commit rule (Raft §5.4.2, Figure 8): advance commit to the quorum's match index, but only
 * if that entry is of the current term; earlier-term entries commit indirectly through it.
 */
export function maybeCommit(r: RaftState): boolean {
  const quorumIndex = committedIndex(r.conf.voters, (id) => r.progress.get(id)?.match ?? 0);
  if (quorumIndex <= r.log.committed || r.log.term(quorumIndex) !== r.term) return false;
  const previous = r.log.committed;
  r.log.commitTo(quorumIndex);
  onCommitAdvanced(r, previous);
  return true;
}

function onCommitAdvanced(r: RaftState, previous: number): void {
  for (let index = previous + 1; index <= r.log.committed; index++) {
    const entry = r.log.entryAt(index);
    if (entry !== undefined && entry.term === r.term) r.uncommittedBytes -= entrySize(entry);
  }
  if (r.uncommittedBytes < 0) r.uncommittedBytes = 0;
  // Batched: followers learn the new commit index from the appends built at ready().
  r.commitBroadcastPending = true;
  releaseReadsAwaitingCommit(r);
}

/** Leader's own persistence counts as its acknowledgement (called from advance()). */
export function selfPersisted(r: RaftState, stableIndex: number): void {
  const self = r.progress.get(r.id);
  if (self === undefined) return;
  if (self.maybeUpdate(stableIndex)) maybeCommit(r);
}
