/**
 * Plain data of the Raft core: entries, messages, hard state, snapshots and the Ready handed to
 * the shell. Everything here is serialisable with msgpackr and holds no class instances, so the
 * transport can send it and storage can persist it unchanged.
 *
 * Contract between the core and its shell (driver or simulator), never reordered:
 *   1. `ready()` — take what the core produced since the last advance;
 *   2. send `ready.messages` right away (leader appends/heartbeats may overlap the disk write,
 *      Raft thesis §10.2.1 — the leader counts its own entries only after step 5);
 *   3. persist `hardState`, `snapshot` and `entries` in ONE synced batch;
 *   4. send `ready.messagesAfterPersist` (votes, append acknowledgements, vote requests);
 *   5. apply `committedEntries` to the state machine, answer `readStates`;
 *   6. `advance(ready)`, or `advance(ready, index)` when only the committed entries through
 *      `index` were applied (the rest come again in the next Ready).
 * Only one Ready is outstanding at a time: hasReady() is false between ready() and advance().
 * tick/step/propose may be called in between (e.g. while the persist is in flight); their
 * outputs go into the next Ready.
 *
 * Snapshots: a non-null `ready.snapshot` came from the leader. The shell persists it in step 3
 * (it replaces the whole stored log: every stored entry is covered by it or conflicts with it) and, in step 5, restores the state machine from
 * `snapshot.data` BEFORE applying `ready.committedEntries` (which then all follow the snapshot).
 *
 * Membership: committed ConfChange entries appear in `committedEntries` like any other entry;
 * the core applies them itself in `advance()`. The shell's state machine should skip them.
 *
 * Bootstrapping: a node built with term 0, no snapshot, no entries and a non-empty
 * `bootstrapConf` writes one committed ConfChange entry (term 1) per initial member at indexes
 * 1..n, so its first Ready carries them with hardState {term: 1, commit: n}. Every founding
 * member does the same, so their logs agree; application entries start after them. A node that
 * joins later is built with an EMPTY bootstrapConf: it learns the membership from the log (or a
 * snapshot) the leader sends it once the leader has added it with proposeConfChange.
 */

export type NodeId = string;

export const EntryType = {
  /** An application command (opaque bytes); empty data = the leader's no-op of its term. */
  Normal: 0,
  /** A membership change: data is an encoded ConfChange. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** One-at-a-time membership change (Raft thesis §4.1). */
export interface ConfChange {
  type: 'addVoter' | 'addLearner' | 'removeNode';
  nodeId: NodeId;
}

/** The configuration: voters decide elections and commits; learners only receive the log. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** What must survive a crash besides the log (Raft Figure 2 "persistent state"). */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The state machine's own encoding of its state at `meta.index`. */
  data: Uint8Array;
}

export type MessageType =
  | 'app' // AppendEntries: index/logTerm = prev entry; entries; commit
  | 'appResp' // reject=false: index = last index now matched; reject=true: rejectHint/logTerm for fast backtracking
  | 'heartbeat' // commit = min(leader commit, follower match); context = read-index round
  | 'heartbeatResp' // context echoed
  | 'vote' // index/logTerm = candidate's last entry; context = 'transfer' marker when forced
  | 'voteResp' // reject; a rejection carries commit + logTerm (term at commit) as a commit hint
  | 'preVote' // term = the term the candidate WOULD use; index/logTerm = last entry
  | 'preVoteResp' // term = the term from the request when granted
  | 'snap' // InstallSnapshot: snapshot
  | 'timeoutNow'; // leadership transfer: campaign now, skipping pre-vote and lease

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** Term of the entry at `index` (prev entry for app, last entry for votes, hint on reject). */
  logTerm: number;
  index: number;
  commit: number;
  entries: Entry[];
  reject: boolean;
  /** On a rejected append: the follower's best guess of the index to retry from. */
  rejectHint: number;
  snapshot: Snapshot | null;
  context: Uint8Array | null;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state the shell may want to report (metrics, redirects). */
export interface SoftState {
  leader: NodeId | null;
  role: Role;
}

/** A linearizable read is ready: apply through `index`, then answer the request `context`. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

export interface Ready {
  /** Present when role or leader changed since the last Ready. */
  softState: SoftState | null;
  /** Present when term, vote or commit changed; persist it. */
  hardState: HardState | null;
  /** Entries to append to stable storage; they replace any stored entries from entries[0].index on. */
  entries: Entry[];
  /** A snapshot received from the leader to persist (replaces the whole stored log; `entries`, if
   * any, follow it). */
  snapshot: Snapshot | null;
  /** Committed entries to apply, in order; all are already in stable storage. */
  committedEntries: Entry[];
  /** Safe to send before the persist step. */
  messages: Message[];
  /** Only after the persist step has been synced. */
  messagesAfterPersist: Message[];
  readStates: ReadState[];
}

export interface RaftConfig {
  id: NodeId;
  /** Ticks a follower waits without hearing from a leader before it campaigns; randomised in [n, 2n). */
  electionTicks: number;
  /** Ticks between leader heartbeats; must be < electionTicks. */
  heartbeatTicks: number;
  /** Pre-vote (thesis §9.6): a partitioned node cannot raise terms on rejoin. */
  preVote: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout. */
  checkQuorum: boolean;
  /** Max bytes of entries in one append message (at least one entry is always sent). */
  maxSizePerMsg: number;
  /** Max append messages in flight per follower in replicate state. */
  maxInflightMsgs: number;
  /** Max uncommitted bytes a leader accepts before refusing proposals (back-pressure). */
  maxUncommittedBytes: number;
  /**
   * compact(index) keeps this many entries before `index` in memory (default 1024) so that a
   * slightly lagging follower is caught up from the log instead of with a snapshot. The shell
   * may delete them from storage: after a restart the log simply starts at the snapshot.
   */
  snapshotTrailingEntries?: number;
}

export const defaultRaftConfig: Omit<RaftConfig, 'id'> = {
  electionTicks: 10,
  heartbeatTicks: 2,
  preVote: true,
  checkQuorum: true,
  maxSizePerMsg: 1 << 20,
  maxInflightMsgs: 256,
  maxUncommittedBytes: 64 << 20,
};

/** What the core is built from at start: exactly what stable storage holds. */
export interface RaftInitialState {
  hardState: HardState;
  /** Latest snapshot, or null for a fresh node. */
  snapshot: Snapshot | null;
  /** Log entries after the snapshot (or from index 1), contiguous. */
  entries: Entry[];
  /** Initial voters when there is no snapshot (a new cluster's peer list). */
  bootstrapConf: ConfState;
}

export type ProposeResult =
  | { ok: true; index: number; term: number }
  | { ok: false; reason: 'notLeader'; leaderHint: NodeId | null }
  | { ok: false; reason: 'transferring' | 'confChangePending' | 'overloaded'; leaderHint: NodeId | null }
  /** proposeConfChange only: the change is a no-op (already so) or would leave no voters. */
  | { ok: false; reason: 'invalidConfChange'; leaderHint: NodeId | null };

/** Replica progress as the leader sees it (for /raft/status). */
export interface PeerStatus {
  id: NodeId;
  voter: boolean;
  matchIndex: number;
  nextIndex: number;
  state: 'probe' | 'replicate' | 'snapshot';
  recentActive: boolean;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  conf: ConfState;
  /** Filled on the leader only. */
  peers: PeerStatus[];
}

/**
 * The deterministic Raft state machine. No I/O, no clock, no Math.random: time arrives as
 * tick(), randomness from the injected Rng, and every output leaves through ready().
 */
export interface RaftCoreApi {
  tick(): void;
  step(message: Message): void;
  propose(data: Uint8Array): ProposeResult;
  proposeConfChange(change: ConfChange): ProposeResult;
  /** Leader only: returns false if not leader. Accepted requests (true) answer later through
   * ready.readStates; if the leader's term has no committed entry yet, the request is queued
   * until it has one. */
  readIndex(context: Uint8Array): boolean;
  transferLeadership(to: NodeId): boolean;
  /** Starts an election now (tests, and `kairos` tooling). */
  campaign(): void;
  /** The shell lost its connection to `peer` (e.g. the socket closed): a follower whose leader
   * vanished campaigns after a short randomised delay instead of a full election timeout. */
  reportUnreachable(peer: NodeId): void;
  /** The shell has persisted a snapshot of the state machine at `index`; drop older entries. */
  compact(index: number, data: Uint8Array): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(ready: Ready): void;
  status(): RaftStatus;
}

/**
 * How the core is constructed (src/raft/core/raft.ts):
 *   new RaftCore(config: RaftConfig, initial: RaftInitialState, rng: Rng)
 * A restarted node is built from exactly what its storage loaded; a fresh one from an empty
 * HardState, no snapshot, no entries and the bootstrap configuration.
 */
