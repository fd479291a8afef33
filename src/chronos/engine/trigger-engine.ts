/**
 * The leader-only trigger shell: ONE timer over a min-heap of every job's next due instant.
 * When the timer fires it asks the pure core (`appendDueForJob`) what is due, hands the
 * resulting commands to the injected `propose` in batches, and re-arms.
 *
 * Exactly-once rests on the replicated state, never on this object's memory:
 *   - `start()` (leadership gained, after the new term's entries are applied) rebuilds the heap
 *     from the committed trigger state, so instants a dead leader did not record are due now;
 *   - while a job's proposal is in flight the job leaves the heap; when the proposal settles —
 *     committed, failed, or timed out — the job is re-read from committed state, so a lost or
 *     rejected proposal is simply recomputed and a late commit is a duplicate the reducer drops;
 *   - `stop()` (leadership lost) cancels the timer; settlements of the old term are ignored;
 *   - `standby()` lets a follower keep the heap current, so a takeover needs no full recompute.
 * The registry tells the engine about job changes and finished runs through `jobChanged`.
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { appendDueForJob, nextDueMs, type DueRuns, type DueRunsOptions } from '../trigger/due-runs.js';
import type { TriggerCommand, TriggerJob, TriggerState } from '../trigger/types.js';
import { LatenessRecorder, type LatenessSummary } from './lateness.js';
import { FireHeap } from './min-heap.js';

/** Where the engine reads replicated state (the registry on this replica). */
export interface TriggerSource {
  /** Every job (read on leadership gain). */
  jobs(): Iterable<TriggerJob>;
  job(name: string): TriggerJob | undefined;
  /** The committed, applied trigger state. */
  state(): TriggerState;
}

export interface TriggerEngineOptions {
  readonly clock: Clock;
  readonly source: TriggerSource;
  /** Append commands to the Raft log; settles once they are applied (or failed). */
  readonly propose: (commands: readonly TriggerCommand[]) => Promise<unknown>;
  /** Commands per proposal (a job's commands are never split). Default 256. */
  readonly maxBatch?: number;
  /** After this long an unsettled proposal is treated as lost and recomputed. Default 10 s. */
  readonly proposalTimeoutMs?: number;
  /** Longest single timer wait (re-checks the heap at least this often). Default 60 s. */
  readonly maxTimerDelayMs?: number;
  readonly dueOptions?: DueRunsOptions;
  /** Where lateness samples go (share one across leaderships to pool them). Default: a fresh one. */
  readonly lateness?: LatenessRecorder;
  /** Called with proposal failures (the engine recovers by itself; this is for logs). */
  readonly onProposalError?: (error: unknown) => void;
}

/** Counters for metrics and tests. */
export interface TriggerEngineStats {
  readonly running: boolean;
  readonly standingBy: boolean;
  readonly heapSize: number;
  readonly inFlightJobs: number;
  readonly timerFires: number;
  readonly proposals: number;
  readonly runsProposed: number;
  readonly skipsProposed: number;
  readonly proposalFailures: number;
}

/** Big enough to amortise a Raft entry, small enough that a burst is handed off progressively. */
const DEFAULT_MAX_BATCH = 256;

export class TriggerEngine {
  private readonly heap = new FireHeap();
  /** The instant of each job's live heap entry; other entries for the job are outdated. */
  private readonly queuedAt = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private readonly lateness: LatenessRecorder;
  private timer: TimerHandle | null = null;
  private timerAtMs: number | null = null;
  /** Bumped on start and stop, so callbacks from an earlier leadership do nothing. */
  private term = 0;
  private running = false;
  private standingBy = false;
  private counters = { timerFires: 0, proposals: 0, runsProposed: 0, skipsProposed: 0, proposalFailures: 0 };

  constructor(private readonly options: TriggerEngineOptions) {
    this.lateness = options.lateness ?? new LatenessRecorder();
  }

  /**
   * Leadership gained: arm the timer over a heap built from replicated state — the standby heap
   * if `standby()` kept one (no full recompute at takeover), else a fresh rebuild.
   */
  start(): void {
    const warm = this.standingBy;
    if (!warm) this.stop();
    this.standingBy = false;
    this.term += 1;
    this.running = true;
    if (!warm) for (const job of this.options.source.jobs()) this.enqueue(job.name);
    this.rearm();
  }

  /**
   * Follower mode: build the heap now and keep it current through `jobChanged` (the registry
   * calls it for every applied trigger or job command), without a timer. Entries that go stale
   * anyway only ever fire early, and an early entry finds nothing due and is re-read.
   */
  standby(): void {
    this.stop();
    this.standingBy = true;
    for (const job of this.options.source.jobs()) this.enqueue(job.name);
  }

  /** Leadership lost: forget everything local; the next leader recomputes from the log. */
  stop(): void {
    this.term += 1;
    this.running = false;
    this.standingBy = false;
    this.cancelTimer();
    this.heap.clear();
    this.queuedAt.clear();
    this.inFlight.clear();
  }

  /** A job was created, updated or deleted, or one of its runs finished: re-read it. */
  jobChanged(name: string): void {
    if (this.standingBy) this.enqueue(name);
    if (!this.running || this.inFlight.has(name)) return;
    this.enqueue(name);
    this.rearm();
  }

  latenessSummary(): LatenessSummary {
    return this.lateness.summary();
  }

  resetLateness(): void {
    this.lateness.reset();
  }

  stats(): TriggerEngineStats {
    return { running: this.running, standingBy: this.standingBy, heapSize: this.heap.size, inFlightJobs: this.inFlight.size, ...this.counters };
  }

  /** Puts the job's next due instant in the heap (or nothing if it has none). */
  private enqueue(name: string, notBeforeMs = Number.NEGATIVE_INFINITY): void {
    const job = this.options.source.job(name);
    const jobState = this.options.source.state().jobs.get(name);
    const due = job === undefined || jobState === undefined ? null : nextDueMs(job, jobState);
    if (due === null) {
      this.queuedAt.delete(name);
      return;
    }
    const at = Math.max(due, notBeforeMs);
    if (this.queuedAt.get(name) === at) return;
    this.queuedAt.set(name, at);
    this.heap.push(at, name);
  }

  private onTimer(term: number): void {
    if (term !== this.term) return;
    this.timer = null;
    this.timerAtMs = null;
    this.counters.timerFires += 1;
    const nowMs = this.options.clock.nowMs();
    this.proposeInBatches(this.collectDue(nowMs));
    this.rearm();
  }

  /**
   * Pops every live entry due at nowMs and asks the pure core for their commands, grouped by job.
   * A full batch is handed to Raft as soon as it is complete, so a burst of due jobs does not
   * wait for the last one to be computed; the remainder is returned.
   */
  private collectDue(nowMs: number): Array<{ job: string; commands: TriggerCommand[] }> {
    const maxBatch = this.options.maxBatch ?? DEFAULT_MAX_BATCH;
    let groups: Array<{ job: string; commands: TriggerCommand[] }> = [];
    let pendingCommands = 0;
    const state = this.options.source.state();
    for (let at = this.heap.peekTime(); at !== null && at <= nowMs; at = this.heap.peekTime()) {
      const name = this.heap.peekName() as string;
      this.heap.pop();
      if (this.queuedAt.get(name) !== at) continue;
      this.queuedAt.delete(name);
      const job = this.options.source.job(name);
      const jobState = state.jobs.get(name);
      if (job === undefined || jobState === undefined) continue;
      const into: DueRuns = { commands: [], runs: [], skipped: [] };
      appendDueForJob(into, job, jobState, nowMs, this.options.dueOptions);
      if (into.commands.length === 0) {
        // Nothing to record yet (should not happen when due ≤ now); look again a little later.
        this.enqueue(name, nowMs + 1);
        continue;
      }
      groups.push({ job: name, commands: into.commands });
      pendingCommands += into.commands.length;
      if (pendingCommands >= maxBatch) {
        this.proposeInBatches(groups);
        groups = [];
        pendingCommands = 0;
      }
    }
    return groups;
  }

  private proposeInBatches(groups: Array<{ job: string; commands: TriggerCommand[] }>): void {
    if (groups.length === 0) return;
    const maxBatch = this.options.maxBatch ?? DEFAULT_MAX_BATCH;
    const handedAtMs = this.options.clock.nowMs();
    let batch: TriggerCommand[] = [];
    let jobs: string[] = [];
    for (const group of groups) {
      this.recordLateness(group.commands, handedAtMs);
      if (batch.length > 0 && batch.length + group.commands.length > maxBatch) {
        this.proposeBatch(batch, jobs);
        batch = [];
        jobs = [];
      }
      batch.push(...group.commands);
      jobs.push(group.job);
    }
    this.proposeBatch(batch, jobs);
  }

  private recordLateness(commands: readonly TriggerCommand[], handedAtMs: number): void {
    for (const command of commands) {
      if (command.t === 'run.scheduled' && command.trigger.kind === 'schedule') {
        this.counters.runsProposed += 1;
        this.lateness.record(handedAtMs - command.trigger.scheduledAtMs);
      } else if (command.t === 'run.skipped') {
        this.counters.skipsProposed += 1;
      }
    }
  }

  /** Proposes one batch; its jobs stay out of the heap until it settles one way or another. */
  private proposeBatch(batch: TriggerCommand[], jobs: string[]): void {
    const term = this.term;
    for (const name of jobs) this.inFlight.add(name);
    this.counters.proposals += 1;
    let settled = false;
    const timeout = this.options.clock.setTimer(this.options.proposalTimeoutMs ?? 10_000, () => settle(new Error('proposal timed out')));
    const settle = (error: unknown): void => {
      if (settled) return;
      settled = true;
      timeout.cancel();
      if (term !== this.term) return;
      if (error !== null) {
        this.counters.proposalFailures += 1;
        this.options.onProposalError?.(error);
      }
      for (const name of jobs) {
        this.inFlight.delete(name);
        this.enqueue(name);
      }
      this.rearm();
    };
    let pending: Promise<unknown>;
    try {
      pending = this.options.propose(batch);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      () => settle(null),
      (error: unknown) => settle(error ?? new Error('proposal failed')),
    );
  }

  /** Points the one timer at the earliest live heap entry. */
  private rearm(): void {
    if (!this.running) return;
    this.dropOutdatedTop();
    const top = this.heap.peekTime();
    if (top === null) {
      this.cancelTimer();
      return;
    }
    if (this.timer !== null && this.timerAtMs !== null && this.timerAtMs <= top) return;
    this.cancelTimer();
    const nowMs = this.options.clock.nowMs();
    const delayMs = Math.min(Math.max(0, top - nowMs), this.options.maxTimerDelayMs ?? 60_000);
    const term = this.term;
    this.timerAtMs = nowMs + delayMs;
    this.timer = this.options.clock.setTimer(delayMs, () => this.onTimer(term));
  }

  private dropOutdatedTop(): void {
    for (let at = this.heap.peekTime(); at !== null; at = this.heap.peekTime()) {
      if (this.queuedAt.get(this.heap.peekName() as string) === at) return;
      this.heap.pop();
    }
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAtMs = null;
  }
}
