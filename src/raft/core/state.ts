/**
 * The mutable state of one Raft replica and its role transitions (becomeFollower, ...). The
 * step functions in election.ts, replication.ts, follower.ts and leader.ts act on it; RaftCore
 * (raft.ts) is the public surface. Outputs accumulate in `messages`, `messagesAfterPersist` and
 * `readStates` until the next Ready.
 */
import { assert } from '../../lib/assert.js';
import type { Rng } from '../../lib/rng.js';
import type { RaftLog } from './log.js';
import { entrySize } from './log.js';
import { makeMessage } from './messages.js';
import type { MessageFields } from './messages.js';
import { Progress } from './progress.js';
import { ReadIndexQueue } from './read-index.js';
import { EntryType } from './types.js';
import type { ConfState, Entry, Message, NodeId, RaftConfig, ReadState, Role, Snapshot } from './types.js';

/** Optional tuning beyond the shared RaftConfig (see types.ts). */
export const defaultSnapshotTrailingEntries = 1024;

export class RaftState {
  readonly id: NodeId;
  term = 0;
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  role: Role = 'follower';

  /** Configuration as of `confAppliedIndex` (changes apply when committed and handed out). */
  conf: ConfState;
  confAppliedIndex: number;
  /** Configurations by the index that introduced them, for snapshots taken at older indexes. */
  confHistory: Array<{ index: number; conf: ConfState }>;
  /** The latest snapshot (taken locally or installed), kept to send to lagging followers. */
  snapshot: Snapshot | null;

  /** Leader only: one entry per member, self included. */
  progress = new Map<NodeId, Progress>();
  /** Candidate and pre-candidate only. */
  votes = new Map<NodeId, boolean>();

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;

  leadTransferee: NodeId | null = null;
  /** Index of the latest conf change appended by this leader (or its last index on election). */
  pendingConfIndex = 0;
  /** Bytes of entries this leader appended and has not seen committed. */
  uncommittedBytes = 0;
  reads = new ReadIndexQueue();
  /** Reads that arrived before this leader committed an entry of its term. */
  readsAwaitingCommit: Uint8Array[] = [];

  messages: Message[] = [];
  messagesAfterPersist: Message[] = [];
  readStates: ReadState[] = [];
  /** Leader: proposals or a commit advance wait to be broadcast when ready() is called. */
  appendBroadcastPending = false;
  commitBroadcastPending = false;

  constructor(
    readonly config: RaftConfig,
    readonly rng: Rng,
    readonly log: RaftLog,
    conf: ConfState,
    confAppliedIndex: number,
    snapshot: Snapshot | null,
  ) {
    this.id = config.id;
    this.conf = conf;
    this.confAppliedIndex = confAppliedIndex;
    this.confHistory = [{ index: confAppliedIndex, conf }];
    this.snapshot = snapshot;
  }

  // --- small queries -------------------------------------------------------------------------

  isVoter(id: NodeId): boolean {
    return this.conf.voters.includes(id);
  }

  /** May this node campaign? Only voters may (learners and removed nodes never do). */
  promotable(): boolean {
    return this.isVoter(this.id);
  }

  /** Heard from a live leader within the (minimum) election timeout. */
  leaseActive(): boolean {
    return this.lead !== null && this.electionElapsed < this.config.electionTicks;
  }

  /** Every member except this node. */
  peers(): NodeId[] {
    const all: NodeId[] = [];
    for (const id of this.conf.voters) if (id !== this.id) all.push(id);
    for (const id of this.conf.learners) if (id !== this.id) all.push(id);
    return all;
  }

  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  // --- output ----------------------------------------------------------------------------------

  send(fields: Omit<MessageFields, 'from' | 'term'> & { term?: number }, afterPersist = false): void {
    const message = makeMessage({ ...fields, from: this.id, term: fields.term ?? this.term });
    (afterPersist ? this.messagesAfterPersist : this.messages).push(message);
  }

  // --- terms and role transitions ----------------------------------------------------------

  private setTerm(term: number): void {
    assert(term >= this.term, `term must never decrease (${this.term} -> ${term})`);
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
  }

  private reset(term: number): void {
    this.setTerm(term);
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = null;
    this.votes = new Map();
    this.progress = new Map();
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.reads = new ReadIndexQueue();
    this.readsAwaitingCommit = [];
    this.appendBroadcastPending = false;
    this.commitBroadcastPending = false;
  }

  /** Election timeout drawn from [electionTicks, 2 * electionTicks). */
  resetRandomizedElectionTimeout(): void {
    const base = this.config.electionTicks;
    this.randomizedElectionTimeout = base + this.rng.int(0, base - 1);
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
  }

  /** Pre-vote (thesis §9.6): ask first, without touching the persisted term or vote. */
  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    this.role = 'preCandidate';
    this.lead = null;
    this.votes = new Map();
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.role = 'candidate';
    this.vote = this.id;
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', 'only a candidate becomes leader');
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    const next = this.log.lastIndex() + 1;
    for (const id of this.conf.voters) this.addProgress(id, next, false);
    for (const id of this.conf.learners) this.addProgress(id, next, true);
    const self = this.progress.get(this.id);
    if (self !== undefined) {
      // The leader counts only entries it has persisted itself (advance() moves this on).
      self.maybeUpdate(this.log.stableLastIndex());
      self.becomeReplicate();
      self.recentActive = true;
    }
    // An earlier leader may have left an unapplied conf change in our log: be conservative.
    this.pendingConfIndex = this.log.lastIndex();
    // Raft §5.4.2 / §8: a no-op of our term lets us commit earlier entries and serve reads.
    this.appendEntry(EntryType.Normal, new Uint8Array(0));
  }

  addProgress(id: NodeId, next: number, isLearner: boolean): void {
    const existing = this.progress.get(id);
    if (existing !== undefined) {
      existing.isLearner = isLearner;
      return;
    }
    this.progress.set(id, new Progress(id, next, this.config.maxInflightMsgs, isLearner));
  }

  /** Leader: append a new entry of the current term; it is broadcast at the next ready(). */
  appendEntry(type: Entry['type'], data: Uint8Array): Entry {
    assert(this.role === 'leader', 'only the leader appends new entries');
    const entry: Entry = { term: this.term, index: this.log.lastIndex() + 1, type, data };
    this.log.append(entry);
    this.uncommittedBytes += entrySize(entry);
    this.appendBroadcastPending = true;
    return entry;
  }
}
