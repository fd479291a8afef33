/**
 * One-server-at-a-time membership changes (Raft thesis §4.1). A change takes effect when its
 * entry is committed and handed to the shell; this module holds the pure rules: applying a
 * change, checking one is allowed, and replaying the changes found in a log.
 */
import { decode, encode } from '../../lib/codec.js';
import { assert } from '../../lib/assert.js';
import { EntryType } from './types.js';
import type { ConfChange, ConfState, Entry, NodeId } from './types.js';

export function encodeConfChange(change: ConfChange): Uint8Array {
  return encode({ type: change.type, nodeId: change.nodeId });
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const value = decode<ConfChange>(data);
  const ok =
    typeof value === 'object' &&
    value !== null &&
    (value.type === 'addVoter' || value.type === 'addLearner' || value.type === 'removeNode') &&
    typeof value.nodeId === 'string';
  assert(ok, 'malformed ConfChange entry');
  return { type: value.type, nodeId: value.nodeId };
}

export function copyConf(conf: ConfState): ConfState {
  return { voters: conf.voters.slice(), learners: conf.learners.slice() };
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/**
 * The configuration after `change`. addVoter promotes a learner; addLearner of a voter demotes
 * it; removeNode drops the node from either list. The input is not modified.
 */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const id = change.nodeId;
  const voters = conf.voters.filter((v) => v !== id);
  const learners = conf.learners.filter((l) => l !== id);
  if (change.type === 'addVoter') voters.push(id);
  if (change.type === 'addLearner') learners.push(id);
  return { voters, learners };
}

/**
 * Why a change may not be proposed, or null if it may: it must change something, and it must
 * leave at least one voter.
 */
export function checkConfChange(conf: ConfState, change: ConfChange): string | null {
  const id = change.nodeId;
  if (change.type === 'addVoter' && conf.voters.includes(id)) return `${id} is already a voter`;
  if (change.type === 'addLearner' && conf.learners.includes(id)) return `${id} is already a learner`;
  if (change.type === 'removeNode' && !isMember(conf, id)) return `${id} is not a member`;
  const after = applyConfChange(conf, change);
  if (after.voters.length === 0) return 'the change would leave no voters';
  return null;
}

/** Applies every ConfChange entry in `entries` (in order) to `conf`. */
export function replayConfChanges(conf: ConfState, entries: readonly Entry[]): ConfState {
  let current = conf;
  for (const entry of entries) {
    if (entry.type === EntryType.ConfChange) current = applyConfChange(current, decodeConfChange(entry.data));
  }
  return current;
}

/** The entries that bootstrap a brand-new cluster: one committed change per initial member. */
export function bootstrapEntries(conf: ConfState): Entry[] {
  const changes: ConfChange[] = [
    ...conf.voters.map((nodeId): ConfChange => ({ type: 'addVoter', nodeId })),
    ...conf.learners.map((nodeId): ConfChange => ({ type: 'addLearner', nodeId })),
  ];
  return changes.map((change, k) => ({
    term: 1,
    index: k + 1,
    type: EntryType.ConfChange,
    data: encodeConfChange(change),
  }));
}
