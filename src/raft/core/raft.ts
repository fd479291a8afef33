/**
 * RaftCore: the public surface of the deterministic Raft state machine (in the manner of etcd's
 * RawNode). It owns a RaftState, feeds it ticks, messages and proposals, and hands its outputs
 * to the shell through ready()/advance() following the contract at the top of types.ts.
 */
import { assert } from '../../lib/assert.js';
import type { Rng } from '../../lib/rng.js';
import { followerReportUnreachable, hup, tickElection } from './election.js';
import { leaderReadIndex, leaderReportUnreachable, leaderTransfer, tickLeader } from './leader.js';
import { RaftLog } from './log.js';
import { bootstrapEntries, checkConfChange, copyConf, encodeConfChange, replayConfChanges } from './membership.js';
import { applyConfEntries, confAt } from './reconfigure.js';
import { broadcastAppends, selfPersisted } from './replication.js';
import { defaultSnapshotTrailingEntries, RaftState } from './state.js';
import { step } from './step.js';
import { EntryType } from './types.js';
import type {
  ConfChange,
  HardState,
  Message,
  NodeId,
  PeerStatus,
  ProposeResult,
  RaftConfig,
  RaftCoreApi,
  RaftInitialState,
  RaftStatus,
  Ready,
  SoftState,
} from './types.js';

export class RaftCore implements RaftCoreApi {
  private readonly r: RaftState;
  private lastHardState: HardState;
  private lastSoftState: SoftState;
  /** The Ready handed out and not yet advanced (at most one at a time). */
  private outstanding: Ready | null = null;
  private applyPaused = false;

  constructor(config: RaftConfig, initial: RaftInitialState, rng: Rng) {
    validateConfig(config);
    this.r = buildState(config, initial, rng);
    this.lastHardState = { ...initial.hardState };
    this.lastSoftState = { leader: null, role: 'follower' };
    // A freshly bootstrapped node has unpersisted bootstrap entries and hard state.
  }

  tick(): void {
    if (this.r.role === 'leader') tickLeader(this.r);
    else tickElection(this.r);
  }

  step(message: Message): void {
    step(this.r, message);
  }

  propose(data: Uint8Array): ProposeResult {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return refusal;
    const r = this.r;
    if (r.uncommittedBytes > 0 && r.uncommittedBytes + data.byteLength > r.config.maxUncommittedBytes) {
      return { ok: false, reason: 'overloaded', leaderHint: r.id };
    }
    const entry = r.appendEntry(EntryType.Normal, data);
    return { ok: true, index: entry.index, term: entry.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refusal = this.proposalRefusal();
    if (refusal !== null) return refusal;
    const r = this.r;
    if (r.pendingConfIndex > r.log.applied) return { ok: false, reason: 'confChangePending', leaderHint: r.id };
    if (checkConfChange(r.conf, change) !== null) return { ok: false, reason: 'invalidConfChange', leaderHint: r.id };
    const entry = r.appendEntry(EntryType.ConfChange, encodeConfChange(change));
    r.pendingConfIndex = entry.index;
    return { ok: true, index: entry.index, term: entry.term };
  }

  private proposalRefusal(): ProposeResult | null {
    const r = this.r;
    if (r.role !== 'leader') return { ok: false, reason: 'notLeader', leaderHint: r.lead };
    if (r.leadTransferee !== null) return { ok: false, reason: 'transferring', leaderHint: r.id };
    return null;
  }

  readIndex(context: Uint8Array): boolean {
    if (this.r.role !== 'leader') return false;
    leaderReadIndex(this.r, context);
    return true;
  }

  transferLeadership(to: NodeId): boolean {
    if (this.r.role !== 'leader') return false;
    return leaderTransfer(this.r, to);
  }

  campaign(): void {
    hup(this.r, false);
  }

  reportUnreachable(peer: NodeId): void {
    if (this.r.role === 'leader') leaderReportUnreachable(this.r, peer);
    else followerReportUnreachable(this.r, peer);
  }

  /**
   * While paused, Readies carry no committed entries (the shell is taking a snapshot a piece at
   * a time and its state must hold still); replication, elections and commits go on.
   */
  pauseApply(paused: boolean): void {
    this.applyPaused = paused;
  }

  compact(index: number, data: Uint8Array): void {
    const r = this.r;
    if (r.snapshot !== null && index <= r.snapshot.meta.index) return;
    assert(index <= r.log.applied, `compact(${index}) beyond applied ${r.log.applied}`);
    const term = r.log.term(index);
    assert(term !== undefined, `compact(${index}): entry not in the log`);
    r.snapshot = { meta: { index, term, conf: copyConf(confAt(r, index)) }, data };
    // Keep a tail of recent entries so a slightly lagging follower needs no snapshot.
    const trailing = r.config.snapshotTrailingEntries ?? defaultSnapshotTrailingEntries;
    r.log.compactTo(index - trailing);
    const keepFrom = lastAtOrBefore(r.confHistory, index);
    r.confHistory = r.confHistory.slice(keepFrom);
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const r = this.r;
    if (r.role === 'leader' && (r.appendBroadcastPending || r.commitBroadcastPending)) return true;
    return (
      r.messages.length > 0 ||
      r.messagesAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasUnstableEntries() ||
      r.log.unstableSnapshot() !== null ||
      (!this.applyPaused && r.log.hasNextCommittedEntries()) ||
      this.softStateChanged() ||
      this.hardStateChanged()
    );
  }

  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    const r = this.r;
    if (r.role === 'leader' && (r.appendBroadcastPending || r.commitBroadcastPending)) {
      broadcastAppends(r, r.commitBroadcastPending);
    }
    r.appendBroadcastPending = false;
    r.commitBroadcastPending = false;
    const ready: Ready = {
      softState: this.softStateChanged() ? this.softState() : null,
      hardState: this.hardStateChanged() ? this.hardState() : null,
      entries: r.log.unstableEntries(),
      snapshot: r.log.unstableSnapshot(),
      committedEntries: this.applyPaused ? [] : r.log.nextCommittedEntries(),
      messages: r.messages,
      messagesAfterPersist: r.messagesAfterPersist,
      readStates: r.readStates,
    };
    r.messages = [];
    r.messagesAfterPersist = [];
    r.readStates = [];
    if (ready.softState !== null) this.lastSoftState = ready.softState;
    if (ready.hardState !== null) this.lastHardState = ready.hardState;
    this.outstanding = ready;
    return ready;
  }

  /**
   * Step 6. `appliedThrough` (default: all of `ready.committedEntries`) lets the shell apply a
   * prefix and take the rest from the next Ready: a long run of committed entries is then applied
   * in slices, with ticks and messages handled in between.
   */
  advance(ready: Ready, appliedThrough?: number): void {
    assert(this.outstanding === ready, 'advance() must be given the Ready last returned by ready()');
    this.outstanding = null;
    const r = this.r;
    if (ready.snapshot !== null) r.log.stableSnapshotTo(ready.snapshot.meta.index);
    const last = ready.entries[ready.entries.length - 1];
    if (last !== undefined) r.log.stableTo(last.index, last.term);
    if (r.role === 'leader') selfPersisted(r, r.log.stableLastIndex());
    const applied = appliedThrough === undefined ? ready.committedEntries : ready.committedEntries.filter((entry) => entry.index <= appliedThrough);
    const lastApplied = applied[applied.length - 1];
    if (lastApplied !== undefined) {
      r.log.appliedTo(lastApplied.index);
      applyConfEntries(r, applied);
    }
  }

  status(): RaftStatus {
    const r = this.r;
    const peers: PeerStatus[] = [];
    if (r.role === 'leader') {
      for (const pr of r.progress.values()) {
        peers.push({
          id: pr.id,
          voter: !pr.isLearner,
          matchIndex: pr.match,
          nextIndex: pr.next,
          state: pr.state,
          recentActive: pr.id === r.id || pr.recentActive,
        });
      }
    }
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      leader: r.lead,
      commitIndex: r.log.committed,
      appliedIndex: r.log.applied,
      lastIndex: r.log.lastIndex(),
      conf: copyConf(r.conf),
      peers,
    };
  }

  private softState(): SoftState {
    return { leader: this.r.lead, role: this.r.role };
  }

  private softStateChanged(): boolean {
    return this.lastSoftState.leader !== this.r.lead || this.lastSoftState.role !== this.r.role;
  }

  private hardState(): HardState {
    return { term: this.r.term, vote: this.r.vote, commit: this.r.log.committed };
  }

  private hardStateChanged(): boolean {
    const last = this.lastHardState;
    const r = this.r;
    return last.term !== r.term || last.vote !== r.vote || last.commit !== r.log.committed;
  }
}

function lastAtOrBefore(history: ReadonlyArray<{ index: number }>, index: number): number {
  let at = 0;
  for (let k = 0; k < history.length; k++) if (history[k]!.index <= index) at = k;
  return at;
}

function validateConfig(config: RaftConfig): void {
  assert(config.electionTicks > config.heartbeatTicks, 'electionTicks must exceed heartbeatTicks');
  assert(config.heartbeatTicks > 0, 'heartbeatTicks must be positive');
  assert(config.maxInflightMsgs > 0, 'maxInflightMsgs must be positive');
  assert(config.maxSizePerMsg > 0, 'maxSizePerMsg must be positive');
}

/**
 * Rebuilds the replica from what storage holds. A brand-new member of a new cluster (no term,
 * no snapshot, no entries, a non-empty bootstrapConf) writes its configuration into the log as
 * committed ConfChange entries of term 1, so that nodes added later learn the full membership
 * history from the log (see types.ts, "Bootstrapping").
 */
function buildState(config: RaftConfig, initial: RaftInitialState, rng: Rng): RaftState {
  const fresh =
    initial.snapshot === null && initial.entries.length === 0 && initial.hardState.term === 0;
  const bootstrapping = fresh && initial.bootstrapConf.voters.length > 0;
  const entries = bootstrapping ? bootstrapEntries(initial.bootstrapConf) : initial.entries;
  const hardState = bootstrapping
    ? { term: 1, vote: null, commit: entries.length }
    : initial.hardState;
  const log = new RaftLog(initial.snapshot, bootstrapping ? [] : entries, bootstrapping ? 0 : hardState.commit);
  if (bootstrapping) {
    // Written by this node, not yet persisted: they go out in the first Ready.
    for (const entry of entries) log.append(entry);
    log.commitTo(hardState.commit);
  }
  const base = initial.snapshot?.meta.conf ?? (bootstrapping ? { voters: [], learners: [] } : initial.bootstrapConf);
  const firstIndex = log.firstIndex();
  const committedEntries: typeof entries = [];
  for (let index = firstIndex; index <= hardState.commit; index++) committedEntries.push(log.entryAt(index)!);
  const conf = replayConfChanges(copyConf(base), committedEntries);
  const state = new RaftState(config, rng, log, conf, hardState.commit, initial.snapshot);
  state.becomeFollower(hardState.term, null);
  state.vote = hardState.vote;
  return state;
}
