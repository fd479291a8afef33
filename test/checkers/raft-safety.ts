/**
 * Raft safety checkers (Raft paper §5.2–5.4, Figure 3), fed by a simulator or a chaos test as
 * things happen, so that a violation is reported at the step that caused it.
 *
 * - Election safety: at most one leader per term.
 * - Log matching: two stored entries with the same index and term hold the same bytes and
 *   follow the same previous term — by induction their whole prefixes are then identical.
 * - Leader completeness: an entry known committed while the cluster was at term X is in the log
 *   of every leader of a term above X.
 * - State machine safety: every replica applies the same entry at the same index; a running
 *   digest of the applied sequence (supplied by the caller) makes "prefix of one another" an
 *   O(1) check per apply, snapshots included.
 * - Disk monotonicity: a replica's stored term and commit never decrease, its vote never changes
 *   within a term, and nothing at or below its stored commit is ever overwritten.
 * - Durability: every acknowledged write is still in the log a final leader holds.
 *
 * The checker keeps only plain data; it never reaches into a core. Violations throw
 * SafetyViolation with a message naming the node, the index and the terms involved.
 */
import type { Entry, HardState, NodeId, Snapshot } from '../../src/raft/core/types.js';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

/** What the checker needs to see of a replica's stable storage. */
export interface DiskView {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  snapshotIndex(): number;
  firstIndex(): number;
  lastIndex(): number;
  /** Term of the stored entry (or snapshot) at `index`, undefined if not held. */
  termAt(index: number): number | undefined;
}

interface StoredEntryRecord {
  node: NodeId;
  prevTerm: number | undefined;
  dataDigest: number;
}

interface LeaderRecord {
  node: NodeId;
  term: number;
  snapshotIndex: number;
  snapshotTerm: number;
  firstIndex: number;
  /** terms[k] is the term of the entry at firstIndex + k when the leader's log became durable. */
  terms: number[];
}

interface CommittedRecord {
  index: number;
  term: number;
  /** The entry was known committed while the highest term that knew it was this. */
  termBound: number;
}

export interface AcknowledgedWrite {
  index: number;
  term: number;
  label: string;
}

export class RaftSafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly stored = new Map<number, StoredEntryRecord>();
  private readonly committed = new Map<number, CommittedRecord>();
  private committedThrough = 0;
  private readonly applied = new Map<number, { term: number; digest: number; node: NodeId }>();
  private readonly leaders: LeaderRecord[] = [];
  readonly acknowledged: AcknowledgedWrite[] = [];
  /** Counters for reports. */
  readonly counts = { leaders: 0, appliedChecks: 0, storedChecks: 0 };

  /** Election safety: `node` acts as leader of `term`. */
  observeLeader(node: NodeId, term: number): void {
    const existing = this.leaderOfTerm.get(term);
    if (existing === undefined) {
      this.leaderOfTerm.set(term, node);
      this.counts.leaders++;
    } else if (existing !== node) {
      throw new SafetyViolation(`election safety: both ${existing} and ${node} are leaders of term ${term}`);
    }
  }

  /** Call before a synced write lands: committed entries must never be overwritten. */
  beforePersist(node: NodeId, disk: DiskView, entries: readonly Entry[], snapshot: Snapshot | null): void {
    const commit = disk.hardState.commit;
    if (snapshot !== null && snapshot.meta.index < commit) {
      throw new SafetyViolation(`${node}: installs a snapshot at ${snapshot.meta.index} below its stored commit ${commit}`);
    }
    for (const entry of entries) {
      if (entry.index > commit) break;
      const stored = disk.termAt(entry.index);
      if (stored !== undefined && stored !== entry.term) {
        throw new SafetyViolation(
          `${node}: overwrites committed entry ${entry.index} (term ${stored}) with term ${entry.term} (stored commit ${commit})`,
        );
      }
    }
  }

  /** Call after a synced write landed on `node`'s disk. */
  afterPersist(node: NodeId, previous: HardState, disk: DiskView, entries: readonly Entry[]): void {
    this.checkHardState(node, previous, disk.hardState);
    for (const entry of entries) this.checkLogMatching(node, entry, disk.termAt(entry.index - 1));
    this.recordCommitted(disk);
  }

  private checkHardState(node: NodeId, previous: HardState, next: HardState): void {
    if (next.term < previous.term) throw new SafetyViolation(`${node}: stored term went back from ${previous.term} to ${next.term}`);
    if (next.commit < previous.commit) {
      throw new SafetyViolation(`${node}: stored commit went back from ${previous.commit} to ${next.commit}`);
    }
    if (next.term === previous.term && previous.vote !== null && next.vote !== previous.vote) {
      throw new SafetyViolation(`${node}: changed its vote in term ${next.term} from ${previous.vote} to ${String(next.vote)}`);
    }
  }

  private checkLogMatching(node: NodeId, entry: Entry, prevTerm: number | undefined): void {
    this.counts.storedChecks++;
    const key = entry.index * 1_048_576 + entry.term;
    const dataDigest = bytesDigest(entry);
    const seen = this.stored.get(key);
    if (seen === undefined) {
      this.stored.set(key, { node, prevTerm, dataDigest });
      return;
    }
    if (seen.dataDigest !== dataDigest) {
      throw new SafetyViolation(`log matching: entry ${entry.index} of term ${entry.term} differs between ${seen.node} and ${node}`);
    }
    if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
      throw new SafetyViolation(
        `log matching: entry ${entry.index}/${entry.term} follows term ${seen.prevTerm} on ${seen.node} but ${prevTerm} on ${node}`,
      );
    }
    if (seen.prevTerm === undefined && prevTerm !== undefined) seen.prevTerm = prevTerm;
  }

  /** Newly stored commit indexes make entries known-committed at the writer's term. */
  private recordCommitted(disk: DiskView): void {
    const { commit, term } = disk.hardState;
    for (let index = this.committedThrough + 1; index <= commit; index++) {
      const entryTerm = disk.termAt(index);
      if (entryTerm === undefined) continue;
      const record = { index, term: entryTerm, termBound: term };
      this.committed.set(index, record);
      for (const leader of this.leaders) this.checkLeaderHolds(leader, record);
    }
    if (commit > this.committedThrough) this.committedThrough = commit;
  }

  /**
   * Leader completeness: `node` became leader of `term` and its log (as stored once its first
   * Ready as leader was synced) is on `disk`.
   */
  leaderLogDurable(node: NodeId, term: number, disk: DiskView): void {
    const first = disk.firstIndex();
    const terms: number[] = [];
    for (let index = first; index <= disk.lastIndex(); index++) terms.push(disk.termAt(index) ?? -1);
    const snapshotIndex = disk.snapshotIndex();
    const leader: LeaderRecord = { node, term, snapshotIndex, snapshotTerm: disk.termAt(snapshotIndex) ?? 0, firstIndex: first, terms };
    this.leaders.push(leader);
    for (const record of this.committed.values()) this.checkLeaderHolds(leader, record);
  }

  private checkLeaderHolds(leader: LeaderRecord, record: CommittedRecord): void {
    if (leader.term <= record.termBound || record.index < leader.snapshotIndex) return;
    const held = record.index === leader.snapshotIndex ? leader.snapshotTerm : leader.terms[record.index - leader.firstIndex];
    if (held !== record.term) {
      throw new SafetyViolation(
        `leader completeness: entry ${record.index} (term ${record.term}, committed by term ${record.termBound}) ` +
          `is ${held === undefined ? 'missing' : `term ${held}`} in the log of ${leader.node}, leader of term ${leader.term}`,
      );
    }
  }

  /** State machine safety: `node` applied the entry at `index`, reaching `digest`. */
  observeApply(node: NodeId, index: number, term: number, digest: number): void {
    this.counts.appliedChecks++;
    const seen = this.applied.get(index);
    if (seen === undefined) {
      this.applied.set(index, { term, digest, node });
      return;
    }
    if (seen.term !== term || seen.digest !== digest) {
      throw new SafetyViolation(
        `state machine safety: at index ${index} ${seen.node} applied term ${seen.term} (digest ${seen.digest}) ` +
          `but ${node} applied term ${term} (digest ${digest})`,
      );
    }
  }

  /** A replica restored its state machine from a snapshot taken at `index`. */
  observeRestore(node: NodeId, index: number, digest: number): void {
    const seen = this.applied.get(index);
    if (seen === undefined) {
      this.applied.set(index, { term: -1, digest, node });
    } else if (seen.digest !== digest) {
      throw new SafetyViolation(`state machine safety: ${node} restored a snapshot at ${index} whose state differs from ${seen.node}'s`);
    }
  }

  acknowledge(write: AcknowledgedWrite): void {
    const applied = this.applied.get(write.index);
    if (applied !== undefined && applied.term !== -1 && applied.term !== write.term) {
      throw new SafetyViolation(`durability: ${write.label} acknowledged at ${write.index}/${write.term} but term ${applied.term} was applied there`);
    }
    this.acknowledged.push(write);
  }

  /** Durability: every acknowledged write is held (or covered by the snapshot) on `disk`. */
  checkDurable(node: NodeId, disk: DiskView): void {
    for (const write of this.acknowledged) {
      if (write.index < disk.snapshotIndex()) continue;
      const held = disk.termAt(write.index);
      if (held !== write.term) {
        throw new SafetyViolation(
          `durability: ${write.label} was acknowledged at ${write.index}/${write.term} but ${node}'s log holds ` +
            `${held === undefined ? 'nothing' : `term ${held}`} there`,
        );
      }
    }
  }

  /** The entry term applied at `index`, if anyone applied it. */
  appliedTerm(index: number): number | undefined {
    return this.applied.get(index)?.term;
  }
}

/** FNV-1a of an entry's type and bytes. */
function bytesDigest(entry: Entry): number {
  let hash = (0x811c9dc5 ^ entry.type) >>> 0;
  const data = entry.data;
  for (let k = 0; k < data.length; k++) hash = Math.imul(hash ^ data[k]!, 0x01000193) >>> 0;
  return Math.imul(hash ^ data.length, 0x01000193) >>> 0;
}
