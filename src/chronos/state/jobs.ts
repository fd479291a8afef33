/**
 * The replicated Chronos job store: the `job` state part. Every replica applies the same
 * `job.*` commands in log order (see jobs-commands.ts) and so holds the same jobs, the same
 * dependency graph (with its firing counts) and the same event index.
 *
 * Validation runs twice with one function (`validate`): on the leader before proposing, so a bad
 * request gets its 400 without touching the log, and again in apply against the state the
 * command actually meets, so a command that became invalid meanwhile is rejected whole.
 *
 * Reads (`get`, `all`, `children`, `waitingOn`, `search`) are for the REST API and the run side.
 * The run side reacts to changes through `onChange` (e.g. to track or untrack a job's trigger).
 *
 * Pure module: no I/O, no clock (time arrives inside commands).
 */
import { DependencyGraph, dependencyCheckFor, jobNotFoundMessage, type DagSnapshot } from '../dag.js';
import {
  CHRONOS_JOB_DEFAULTS,
  orphanChild,
  reparentChild,
  scheduleCheckAt,
  validateJob,
  type ChronosJob,
  type JobDefaults,
  type JobValidation,
  type SubmitKind,
} from '../model/index.js';
import type { ApplyResult, PartCommand, StatePart } from '../../master/state/part.js';
import { JOB_PART_PREFIX } from './jobs-commands.js';
import { SearchIndex } from './jobs-search.js';

/** One stored job with the replicated facts the API and the trigger need about it. */
export interface StoredJob {
  readonly job: ChronosJob;
  /** `nowMs` of the put that first created the job: what an empty ISO8601 start is pinned to. */
  readonly createdAtMs: number;
  /** `nowMs` of the latest change. */
  readonly updatedAtMs: number;
  /** Raft index of the latest change (a version the run side can compare). */
  readonly version: number;
}

/** What changed, for listeners on every replica (called inside apply, in log order). */
export type JobChange =
  | { readonly kind: 'put'; readonly stored: StoredJob; readonly previous: ChronosJob | null; readonly index: number }
  | { readonly kind: 'delete'; readonly name: string; readonly previous: ChronosJob; readonly index: number }
  /** The whole store was replaced from a snapshot: re-read `all()`. */
  | { readonly kind: 'restore' };

export type JobChangeListener = (change: JobChange) => void;

export interface JobSnapshot {
  readonly jobs: StoredJob[];
  readonly graph: DagSnapshot;
}

/** Lowercased text that `/jobs/search` matches against, cached per job. */
interface SearchText {
  readonly name: string;
  readonly command: string;
}

export class JobStore implements StatePart {
  readonly prefix = JOB_PART_PREFIX;
  onApplied: ((command: PartCommand, result: ApplyResult, index: number) => void) | null = null;
  /** Where a throwing change listener is reported (apply itself must never throw). */
  onListenerError: ((error: unknown) => void) | null = null;

  private jobs = new Map<string, StoredJob>();
  private searchText = new Map<string, SearchText>();
  private byEvent = new Map<string, Set<string>>();
  /** Built on the first search after a change (see jobs-search.ts). */
  private searchIndex: { index: SearchIndex; names: string[] } | null = null;
  private dag = new DependencyGraph();
  private readonly listeners: JobChangeListener[] = [];

  constructor(private readonly defaults: JobDefaults = CHRONOS_JOB_DEFAULTS) {}

  // ---- reads -------------------------------------------------------------------------------

  get size(): number {
    return this.jobs.size;
  }

  get(name: string): StoredJob | undefined {
    return this.jobs.get(name);
  }

  /** Just the job definition (the run side's RunJobSource.get). */
  job(name: string): ChronosJob | undefined {
    return this.jobs.get(name)?.job;
  }

  /** Every job in creation order (the same on every replica). */
  all(): IterableIterator<StoredJob> {
    return this.jobs.values();
  }

  /** Names of the jobs that list `name` as a parent, sorted. */
  children(name: string): readonly string[] {
    return this.dag.childrenOf(name);
  }

  /** Names of the jobs (enabled or not) that an event named `event` triggers, sorted. */
  waitingOn(event: string): readonly string[] {
    return [...(this.byEvent.get(event) ?? [])].sort();
  }

  /**
   * The dependency graph. Read it freely; the run side may call its firing methods
   * (`recordCompletion`, `recordStarted`, `recordMarkedSuccess`) only from inside its own apply,
   * so every replica moves the counts at the same log position.
   */
  get graph(): DependencyGraph {
    return this.dag;
  }

  /**
   * Chronos' `/jobs/search` filter (spec §1.2 #5): case-insensitive substrings of name and
   * command (AND), `any` re-admitting a job whose name or command contains it; then
   * offset/limit. Missing filters match everything.
   */
  search(query: { name?: string; command?: string; any?: string; limit: number; offset: number }): StoredJob[] {
    if (query.limit <= 0) return [];
    const terms = { name: query.name?.toLowerCase() ?? '', command: query.command?.toLowerCase() ?? '', any: query.any?.toLowerCase() ?? '' };
    if (terms.name === '' && terms.command === '') {
      // Everything matches: page through the store without building the index.
      const found: StoredJob[] = [];
      let skipped = 0;
      for (const stored of this.jobs.values()) {
        if (skipped++ < query.offset) continue;
        found.push(stored);
        if (found.length >= query.limit) break;
      }
      return found;
    }
    const { index, names } = this.currentSearchIndex();
    return index
      .matching(terms)
      .slice(query.offset, query.offset + query.limit)
      .map((position) => this.jobs.get(names[position] as string) as StoredJob);
  }

  private currentSearchIndex(): { index: SearchIndex; names: string[] } {
    if (this.searchIndex === null) {
      const names = [...this.searchText.keys()];
      this.searchIndex = { index: new SearchIndex([...this.searchText.values()]), names };
    }
    return this.searchIndex;
  }

  /** Is this job JSON acceptable now? The same check apply makes; nothing is changed. */
  validate(input: unknown, kind: SubmitKind, nowMs: number): JobValidation {
    return validateJob(input, kind, {
      checkSchedule: scheduleCheckAt(nowMs),
      defaults: this.defaults,
      // Chronos 3.x: a job posted to /iso8601 with no trigger at all runs once, now.
      implicitOneShot: { nowMs },
      checkDependencies: dependencyCheckFor(this.dag),
    });
  }

  onChange(listener: JobChangeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  // ---- apply -------------------------------------------------------------------------------

  apply(command: PartCommand, index: number): ApplyResult {
    const nowMs = command['nowMs'];
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) return { ok: false, error: `${command.t}: nowMs must be a number` };
    switch (command.t) {
      case 'job.put': {
        const kind = command['kind'];
        if (kind !== 'scheduled' && kind !== 'dependent') return { ok: false, error: 'job.put: kind must be scheduled or dependent' };
        return this.applyPut(command['input'], kind, nowMs, index);
      }
      case 'job.delete': {
        const name = command['name'];
        if (typeof name !== 'string') return { ok: false, error: 'job.delete: name must be a string' };
        return this.applyDelete(name, nowMs, index);
      }
      case 'job.setDisabled': {
        const { name, disabled } = command;
        if (typeof name !== 'string' || typeof disabled !== 'boolean') return { ok: false, error: 'job.setDisabled: name and disabled required' };
        return this.applySetDisabled(name, disabled, nowMs, index);
      }
      default:
        return { ok: false, error: `unknown command type ${JSON.stringify(command.t)}` };
    }
  }

  private applyPut(input: unknown, kind: SubmitKind, nowMs: number, index: number): ApplyResult {
    const validation = this.validate(input, kind, nowMs);
    if (!validation.ok) return { ok: false, error: validation.message };
    const job = validation.job;
    const check = this.dag.upsert(job);
    if (!check.ok) return { ok: false, error: check.message };
    const previous = this.jobs.get(job.name) ?? null;
    this.store(job, previous === null ? nowMs : this.createdAt(job.name, nowMs), nowMs, index, previous?.job ?? null);
    return { ok: true, value: { name: job.name } };
  }

  private applyDelete(name: string, nowMs: number, index: number): ApplyResult {
    const removed = this.jobs.get(name);
    if (removed === undefined) return { ok: false, error: jobNotFoundMessage(name) };
    const result = this.dag.remove(name);
    if (!result.ok) return { ok: false, error: result.message };
    this.jobs.delete(name);
    this.searchText.delete(name);
    this.searchIndex = null;
    this.unindexEvents(removed.job);
    this.emit({ kind: 'delete', name, previous: removed.job, index });
    for (const { child, parents } of result.plan.reparented) {
      const stored = this.jobs.get(child) as StoredJob;
      this.store(reparentChild(stored.job, parents), stored.createdAtMs, nowMs, index, stored.job);
    }
    for (const child of result.plan.orphaned) {
      const stored = this.jobs.get(child) as StoredJob;
      this.store(orphanChild(stored.job, removed.job), stored.createdAtMs, nowMs, index, stored.job);
    }
    return { ok: true, value: { name, reparented: result.plan.reparented.length, orphaned: result.plan.orphaned.length } };
  }

  private applySetDisabled(name: string, disabled: boolean, nowMs: number, index: number): ApplyResult {
    const stored = this.jobs.get(name);
    if (stored === undefined) return { ok: false, error: jobNotFoundMessage(name) };
    if (stored.job.disabled === disabled) return { ok: true, value: { name, changed: false } };
    const job = { ...stored.job, disabled };
    this.dag.upsert(job);
    this.store(job, stored.createdAtMs, nowMs, index, stored.job);
    return { ok: true, value: { name, changed: true } };
  }

  private createdAt(name: string, fallback: number): number {
    return this.jobs.get(name)?.createdAtMs ?? fallback;
  }

  /** Writes one job and its indexes, then tells the listeners. */
  private store(job: ChronosJob, createdAtMs: number, nowMs: number, index: number, previous: ChronosJob | null): void {
    if (previous !== null) this.unindexEvents(previous);
    const stored: StoredJob = { job, createdAtMs, updatedAtMs: nowMs, version: index };
    this.jobs.set(job.name, stored);
    this.index(job);
    this.emit({ kind: 'put', stored, previous, index });
  }

  private index(job: ChronosJob): void {
    this.searchText.set(job.name, { name: job.name.toLowerCase(), command: job.command.toLowerCase() });
    this.searchIndex = null;
    for (const event of job.events) {
      let names = this.byEvent.get(event);
      if (names === undefined) {
        names = new Set();
        this.byEvent.set(event, names);
      }
      names.add(job.name);
    }
  }

  private unindexEvents(job: ChronosJob): void {
    for (const event of job.events) {
      const names = this.byEvent.get(event);
      names?.delete(job.name);
      if (names?.size === 0) this.byEvent.delete(event);
    }
  }

  private emit(change: JobChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.onListenerError?.(error);
      }
    }
  }

  // ---- snapshots ---------------------------------------------------------------------------

  toSnapshot(): JobSnapshot {
    return { jobs: [...this.jobs.values()], graph: this.dag.toSnapshot() };
  }

  restore(data: unknown): void {
    const snapshot = (data ?? { jobs: [], graph: { jobs: [] } }) as JobSnapshot;
    this.jobs = new Map();
    this.searchText = new Map();
    this.searchIndex = null;
    this.byEvent = new Map();
    for (const stored of snapshot.jobs) {
      this.jobs.set(stored.job.name, stored);
      this.index(stored.job);
    }
    this.dag = DependencyGraph.fromSnapshot(snapshot.graph);
    this.emit({ kind: 'restore' });
  }
}
