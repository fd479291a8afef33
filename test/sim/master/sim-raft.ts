/**
 * Raft as the master simulation needs it (Raft's own safety is raft-swarm's business): one
 * committed log, a current term and leader, and a SimRaftNode per master process with the
 * surface LeaderSession and MasterEngine use (`id`, `isLeader`, `leaderId`, `status`,
 * `onLeaderChange`, `propose`, `readBarrier`).
 *
 * A proposal of a leader of term T commits (after a seeded delay, in order) only while T is
 * the current term and the leader is connected. When a leader is killed or cut off, a prefix of
 * its in-flight proposals still commits (it had reached a majority; the proposer never hears),
 * the rest are lost. An isolated leader keeps believing it leads until its check-quorum fires;
 * its proposals and read barriers wait and are then refused. Each node applies the log up to
 * what it knows is committed, at its own pace (followers lag); a leader applies at once.
 */
import { NotLeaderError } from '../../../src/lib/errors.js';
import type { SeededRng } from '../../../src/lib/rng.js';
import type { LeaderListener } from '../../../src/raft/driver.js';
import type { Sim } from './sim-time.js';

export interface LogEntry {
  readonly term: number;
  readonly data: Uint8Array;
}

interface Proposal {
  readonly term: number;
  readonly data: Uint8Array;
  resolve(result: unknown): void;
  reject(error: Error): void;
  /** inflight → committed (log index known) | committedUnseen (the proposer never learns) | lost */
  state: 'inflight' | 'committed' | 'committedUnseen' | 'lost';
}

export class SimLog {
  readonly entries: LogEntry[] = [];
  term = 0;
  leader: string | null = null;

  constructor(
    readonly sim: Sim,
    readonly rng: SeededRng,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  append(term: number, data: Uint8Array): number {
    const last = this.entries[this.entries.length - 1];
    if (last && last.term > term) throw new Error(`log term went back: ${term} after ${last.term}`);
    this.entries.push({ term, data });
    return this.entries.length;
  }
}

export class SimRaftNode {
  role: 'leader' | 'follower' = 'follower';
  leaderKnown: string | null;
  term: number;
  applied = 0;
  /** Highest index this node knows is committed. */
  knownCommit: number;
  alive = true;
  isolated = false;
  private readonly listeners: LeaderListener[] = [];
  private inflight: Proposal[] = [];
  private readonly waiting = new Map<number, Proposal>();
  private barriers: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private lastCommitAt = 0;
  /** Applies entry `index` to this node's state machine and returns the result. */
  applyEntry: (index: number, entry: LogEntry) => unknown = () => undefined;

  constructor(
    readonly id: string,
    private readonly log: SimLog,
    private readonly maxCommitDelayMs: number,
  ) {
    this.leaderKnown = log.leader;
    this.term = log.term;
    this.knownCommit = log.length;
  }

  // ---- the RaftNode surface ----

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  get leaderId(): string | null {
    return this.leaderKnown;
  }

  status(): { id: string; role: 'leader' | 'follower'; term: number; leader: string | null; commitIndex: number; appliedIndex: number; lastIndex: number } {
    return { id: this.id, role: this.role, term: this.term, leader: this.leaderKnown, commitIndex: this.knownCommit, appliedIndex: this.applied, lastIndex: this.log.length };
  }

  onLeaderChange(listener: LeaderListener): void {
    this.listeners.push(listener);
  }

  propose(data: Uint8Array): Promise<unknown> {
    if (!this.alive || this.role !== 'leader') return Promise.reject(new NotLeaderError(null, 'not the leader'));
    return new Promise((resolve, reject) => {
      const proposal: Proposal = { term: this.term, data, resolve, reject, state: 'inflight' };
      this.inflight.push(proposal);
      const { sim, rng } = this.log;
      this.lastCommitAt = Math.max(this.lastCommitAt, sim.now + rng.int(1, this.maxCommitDelayMs));
      sim.at(this.lastCommitAt, () => this.tryCommit(proposal));
    });
  }

  readBarrier(): Promise<void> {
    if (!this.alive || this.role !== 'leader') return Promise.reject(new NotLeaderError(null, 'not the leader'));
    return new Promise((resolve, reject) => {
      const barrier = { resolve, reject };
      this.barriers.push(barrier);
      this.log.sim.after(this.log.rng.int(1, this.maxCommitDelayMs), () => {
        if (!this.alive || this.isolated || this.role !== 'leader' || !this.barriers.includes(barrier)) return;
        this.barriers = this.barriers.filter((b) => b !== barrier);
        this.applyTo(this.knownCommit);
        resolve();
      });
    });
  }

  // ---- driven by the cluster ----

  /** Applies up to `index` (bounded by what this node knows is committed). */
  applyTo(index: number): void {
    // A connected node hears the leader's commit index with every append or heartbeat.
    if (this.alive && !this.isolated) this.knownCommit = this.log.length;
    const upTo = Math.min(index, this.knownCommit);
    while (this.alive && this.applied < upTo) {
      const at = this.applied + 1;
      const result = this.applyEntry(at, this.log.entries[at - 1]!);
      this.applied = at;
      const proposal = this.waiting.get(at);
      if (proposal) {
        this.waiting.delete(at);
        proposal.resolve(result);
      }
    }
  }

  /** Learns the cluster's term, leader and commit index (connected nodes, on every change). */
  catchUp(): void {
    if (!this.alive || this.isolated) return;
    this.knownCommit = this.log.length;
    const leader = this.log.leader;
    const role = leader === this.id ? 'leader' : 'follower';
    if (this.term === this.log.term && this.role === role && this.leaderKnown === leader) return;
    const wasLeading = this.role === 'leader';
    this.term = this.log.term;
    this.leaderKnown = leader;
    this.role = role;
    if (wasLeading && role !== 'leader') this.failPending();
    if (role === 'leader') this.lastCommitAt = this.log.sim.now;
    for (const listener of this.listeners) listener({ leader, role }, this.term);
  }

  /** Check-quorum: an isolated leader finds it has no majority and steps down. */
  stepDown(): void {
    if (!this.alive || this.role !== 'leader') return;
    this.role = 'follower';
    this.leaderKnown = null;
    this.failPending();
    for (const listener of this.listeners) listener({ leader: null, role: 'follower' }, this.term);
  }

  /**
   * The node dies or is cut off with proposals in flight: the first `survivors` of them reach
   * the log anyway (the proposer is not told), the rest are lost.
   */
  settleInflight(survivors: number): { committed: number; lost: number } {
    const inflight = this.inflight;
    this.inflight = [];
    let committed = 0;
    inflight.forEach((proposal, i) => {
      if (i < survivors && this.log.term === proposal.term && this.log.leader === this.id) {
        this.log.append(proposal.term, proposal.data);
        proposal.state = 'committedUnseen';
        committed++;
      } else {
        proposal.state = 'lost';
      }
    });
    // Their callers wait until step-down refuses them (a killed process never answers).
    this.orphans.push(...inflight);
    return { committed, lost: inflight.length - committed };
  }

  get inflightCount(): number {
    return this.inflight.length;
  }

  private orphans: Proposal[] = [];

  private tryCommit(proposal: Proposal): void {
    if (proposal.state !== 'inflight' || !this.alive || this.isolated) return;
    if (this.log.term !== proposal.term || this.log.leader !== this.id) return;
    if (this.inflight[0] !== proposal) throw new Error('proposals must commit in order');
    this.inflight.shift();
    const index = this.log.append(proposal.term, proposal.data);
    proposal.state = 'committed';
    this.waiting.set(index, proposal);
    this.knownCommit = index;
    this.applyTo(index);
  }

  /** Leadership lost: every proposal and read barrier still waiting is refused. */
  private failPending(): void {
    const error = (): NotLeaderError => new NotLeaderError(this.leaderKnown, 'leadership lost');
    for (const proposal of [...this.inflight, ...this.orphans]) {
      if (proposal.state === 'inflight') proposal.state = 'lost';
      proposal.reject(error());
    }
    this.inflight = [];
    this.orphans = [];
    for (const proposal of this.waiting.values()) proposal.reject(error());
    this.waiting.clear();
    for (const barrier of this.barriers) barrier.reject(error());
    this.barriers = [];
  }
}
