/**
 * Follower-side handling of what a leader sends: appends, heartbeats and snapshots. Answers to
 * appends and snapshots acknowledge durable state, so they leave only after the persist step.
 */
import { copyConf } from './membership.js';
import type { RaftState } from './state.js';
import type { Message } from './types.js';

export function handleAppend(r: RaftState, m: Message): void {
  const log = r.log;
  if (m.index < log.committed) {
    // Everything up to our commit is known to match; tell the leader where we really are.
    r.send({ type: 'appResp', to: m.from, index: log.committed }, true);
    return;
  }
  const lastNew = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== null) {
    r.send({ type: 'appResp', to: m.from, index: lastNew }, true);
    return;
  }
  // Rejection with a hint for fast backtracking: the largest index <= the leader's prev index
  // whose term is <= the leader's prev term. The leader can then skip a whole term at once.
  const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
  r.send(
    { type: 'appResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term },
    true,
  );
}

export function handleHeartbeat(r: RaftState, m: Message): void {
  r.log.commitTo(m.commit);
  r.send({ type: 'heartbeatResp', to: m.from, context: m.context });
}

export function handleSnapshot(r: RaftState, m: Message): void {
  const snapshot = m.snapshot;
  if (snapshot === null) return;
  const { index, term } = snapshot.meta;
  if (index <= r.log.committed) {
    r.send({ type: 'appResp', to: m.from, index: r.log.committed }, true);
    return;
  }
  if (r.log.matchTerm(index, term)) {
    // We already hold the snapshot's last entry: the log matches through it, just commit.
    r.log.commitTo(index);
    r.send({ type: 'appResp', to: m.from, index: r.log.committed }, true);
    return;
  }
  r.log.restore(snapshot);
  r.snapshot = snapshot;
  r.conf = copyConf(snapshot.meta.conf);
  r.confAppliedIndex = index;
  r.confHistory = [{ index, conf: r.conf }];
  r.send({ type: 'appResp', to: m.from, index }, true);
}
