/**
 * Applying committed membership changes inside the core (called from advance(), once the shell
 * has been handed the entries): the configuration, the leader's progress table, and a leader
 * that removed itself stepping down.
 */
import { applyConfChange, decodeConfChange } from './membership.js';
import { broadcastAppends, maybeCommit } from './replication.js';
import type { RaftState } from './state.js';
import { EntryType } from './types.js';
import type { ConfState, Entry } from './types.js';

export function applyConfEntries(r: RaftState, committed: readonly Entry[]): void {
  for (const entry of committed) {
    if (entry.type !== EntryType.ConfChange || entry.index <= r.confAppliedIndex) continue;
    r.conf = applyConfChange(r.conf, decodeConfChange(entry.data));
    r.confAppliedIndex = entry.index;
    r.confHistory.push({ index: entry.index, conf: r.conf });
    if (r.role === 'leader') leaderReconfigured(r);
  }
}

function leaderReconfigured(r: RaftState): void {
  if (!r.isVoter(r.id)) {
    // Thesis §4.2.2: a leader removed from the configuration steps down once the change is
    // committed. Tell followers the commit index first so the change is known to be committed.
    broadcastAppends(r, true);
    r.becomeFollower(r.term, null);
    return;
  }
  syncProgress(r);
  if (r.leadTransferee !== null && !r.isVoter(r.leadTransferee)) r.leadTransferee = null;
  // The quorum changed: a smaller one may already cover more of the log.
  maybeCommit(r);
  broadcastAppends(r, false);
}

/** Adds progress for new members (probing from our log end) and drops removed ones. */
function syncProgress(r: RaftState): void {
  const next = r.log.lastIndex() + 1;
  for (const id of r.conf.voters) r.addProgress(id, next, false);
  for (const id of r.conf.learners) r.addProgress(id, next, true);
  for (const id of [...r.progress.keys()]) {
    if (!r.conf.voters.includes(id) && !r.conf.learners.includes(id)) r.progress.delete(id);
  }
}

/** The configuration in force at `index` (which must not precede the oldest history entry). */
export function confAt(r: RaftState, index: number): ConfState {
  let conf = r.confHistory[0]!.conf;
  for (const h of r.confHistory) if (h.index <= index) conf = h.conf;
  return conf;
}
