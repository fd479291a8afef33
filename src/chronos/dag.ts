/**
 * The job dependency graph: every job is a vertex, every parent→child pair an edge, and the
 * graph is kept acyclic. It owns the per-edge completion counts of the firing rule
 * (dag-firing.ts) so that they are replicated with the rest of the registry.
 *
 * Changes are all-or-nothing: `checkUpsert` / `planRemoval` decide without touching anything,
 * and `upsert` / `remove` apply only what the check accepted (DESIGN rule 2: the reducer rejects
 * an invalid command whole). Unknown parents and cycles are 400s (Chronos: 400 in 2.x, silent
 * drop or 500 in 3.x — spec §1.2 #2, §3.5).
 *
 * Determinism: every list this class returns is ordered by a function of the graph's content
 * (names, topological depth), never by insertion history, so a replica restored from a snapshot
 * answers exactly like one that applied the log.
 *
 * Pure module: no I/O, no clock. Traversals are iterative (no recursion), bounded by the size of
 * the graph.
 */
import { assert } from '../lib/assert.js';
import { countCompletion, isCompletion, resetIncoming, type EdgeCount, type Firing } from './dag-firing.js';

export type { Firing, SatisfyingRun } from './dag-firing.js';

/** What the graph needs to know about a job. */
export interface DagJob {
  readonly name: string;
  readonly parents: readonly string[];
  readonly disabled: boolean;
  readonly softError: boolean;
}

export type DagCheck = { readonly ok: true } | { readonly ok: false; readonly status: 400; readonly message: string };

/** What removing a job does to its children (spec §3.11, with the Kairos fix for #660). */
export interface RemovalPlan {
  readonly removed: string;
  /** Children that keep at least one parent, with their new parent lists. */
  readonly reparented: ReadonlyArray<{ readonly child: string; readonly parents: readonly string[] }>;
  /** Children left with no parent: they take over the removed job's schedule or events. */
  readonly orphaned: readonly string[];
}

export type RemovalResult =
  | { readonly ok: true; readonly plan: RemovalPlan }
  | { readonly ok: false; readonly status: 400; readonly message: string };

/** A parent's final outcome, as reported by the run that ended. */
export interface ParentCompletion {
  readonly job: string;
  readonly outcome: 'success' | 'failure';
  /** The finished run's idempotency key (job name + scheduled instant). */
  readonly runKey: string;
}

/** Plain-data form for Raft snapshots; jobs sorted by name. */
export interface DagSnapshot {
  readonly jobs: ReadonlyArray<{
    readonly name: string;
    readonly parents: readonly string[];
    readonly disabled: boolean;
    readonly softError: boolean;
    readonly counts: ReadonlyArray<{ readonly parent: string; readonly count: number; readonly lastRunKey: string | null }>;
  }>;
}

interface Vertex {
  readonly name: string;
  parents: string[];
  disabled: boolean;
  softError: boolean;
  readonly children: Set<string>;
  readonly incoming: Map<string, EdgeCount>;
}

/**
 * The graph rules as validateJob's `checkDependencies` (parents exist, no cycle), so an API
 * handler validates the body and the graph in one call and stores nothing on refusal.
 */
export function dependencyCheckFor(graph: DependencyGraph): (name: string, parents: readonly string[]) => string | null {
  return (name, parents) => {
    const check = graph.checkUpsert({ name, parents });
    return check.ok ? null : check.message;
  };
}

/** Chronos' message for an unknown job name (spec §1.3). */
export function jobNotFoundMessage(name: string): string {
  return `requirement failed: Job '${name}' not found`;
}

export class DependencyGraph {
  private readonly vertices = new Map<string, Vertex>();

  get size(): number {
    return this.vertices.size;
  }

  has(name: string): boolean {
    return this.vertices.has(name);
  }

  parentsOf(name: string): readonly string[] {
    return [...(this.vertices.get(name)?.parents ?? [])];
  }

  /** Children sorted by name. */
  childrenOf(name: string): readonly string[] {
    return [...(this.vertices.get(name)?.children ?? [])].sort();
  }

  /** The completion count on edge parent→child, or undefined when there is no such edge. */
  countOf(child: string, parent: string): Readonly<EdgeCount> | undefined {
    const edge = this.vertices.get(child)?.incoming.get(parent);
    return edge === undefined ? undefined : { ...edge };
  }

  /** Would `upsert(job)` succeed? Parents must exist and must not make a cycle. */
  checkUpsert(job: Pick<DagJob, 'name' | 'parents'>): DagCheck {
    for (const parent of job.parents) {
      if (parent === job.name) return refuse(`parents: job '${job.name}' cannot be its own parent`);
      if (!this.vertices.has(parent)) return refuse(`parents: parent job '${parent}' does not exist`);
    }
    const cycle = this.findPathToAny(job.name, new Set(job.parents));
    if (cycle !== null) {
      const parent = cycle[cycle.length - 1];
      return refuse(`parents: making '${parent}' a parent of '${job.name}' would create a cycle: ${[...cycle, job.name].join(' -> ')}`);
    }
    return { ok: true };
  }

  /** Adds or replaces a job. Edges that stay keep their counts; new edges start at 0. */
  upsert(job: DagJob): DagCheck {
    const check = this.checkUpsert(job);
    if (!check.ok) return check;
    const parents = [...new Set(job.parents)];
    const vertex = this.vertices.get(job.name) ?? this.addVertex(job.name);
    for (const old of vertex.parents) {
      if (parents.includes(old)) continue;
      this.vertices.get(old)?.children.delete(job.name);
      vertex.incoming.delete(old);
    }
    for (const parent of parents) {
      this.mustGet(parent).children.add(job.name);
      if (!vertex.incoming.has(parent)) vertex.incoming.set(parent, { count: 0, lastRunKey: null });
    }
    vertex.parents = parents;
    vertex.disabled = job.disabled;
    vertex.softError = job.softError;
    return check;
  }

  /**
   * What removing `name` does to its children. A dependent job's children are re-parented to its
   * parents (Chronos). A child that would be left with no parent is "orphaned" and takes over the
   * removed job's triggers; unlike Chronos (#660), children with other parents simply lose this one.
   */
  planRemoval(name: string): RemovalResult {
    const vertex = this.vertices.get(name);
    if (vertex === undefined) return { ok: false, status: 400, message: jobNotFoundMessage(name) };
    const reparented: Array<{ child: string; parents: string[] }> = [];
    const orphaned: string[] = [];
    for (const child of [...vertex.children].sort()) {
      const kept = this.mustGet(child).parents.filter((parent) => parent !== name);
      const parents = [...new Set([...kept, ...vertex.parents])];
      if (parents.length === 0) orphaned.push(child);
      else reparented.push({ child, parents });
    }
    return { ok: true, plan: { removed: name, reparented, orphaned } };
  }

  /** Removes a job and applies its removal plan (which cannot create a cycle: paths only shrink). */
  remove(name: string): RemovalResult {
    const result = this.planRemoval(name);
    if (!result.ok) return result;
    const vertex = this.mustGet(name);
    for (const parent of vertex.parents) this.vertices.get(parent)?.children.delete(name);
    for (const { child, parents } of result.plan.reparented) this.setParents(child, parents, name);
    for (const child of result.plan.orphaned) this.setParents(child, [], name);
    this.vertices.delete(name);
    return result;
  }

  /**
   * A parent finished. Returns the children that fire, sorted by name; none when the outcome
   * does not count (a failure of a parent without softError) or the job is unknown.
   */
  recordCompletion(completion: ParentCompletion): Firing[] {
    const parent = this.vertices.get(completion.job);
    if (parent === undefined || !isCompletion(completion.outcome, parent.softError)) return [];
    const firings: Firing[] = [];
    for (const childName of [...parent.children].sort()) {
      const firing = countCompletion(this.mustGet(childName), completion.job, completion.runKey);
      if (firing !== null) firings.push(firing);
    }
    return firings;
  }

  /** A run of `name` started (TASK_STAGING/STARTING/RUNNING): its incoming counts restart. */
  recordStarted(name: string): void {
    const vertex = this.vertices.get(name);
    if (vertex !== undefined) resetIncoming(vertex);
  }

  /** `PUT /job/success/{name}`: as if the job had run and succeeded (spec §1.2 #9). */
  recordMarkedSuccess(name: string, runKey: string): Firing[] {
    this.recordStarted(name);
    return this.recordCompletion({ job: name, outcome: 'success', runKey });
  }

  /**
   * Every job, parents before children; among jobs of equal depth (longest path from a root),
   * by name.
   */
  topologicalOrder(): string[] {
    const depth = new Map<string, number>();
    const waiting = new Map<string, number>();
    const ready: string[] = [];
    for (const vertex of this.vertices.values()) {
      waiting.set(vertex.name, vertex.parents.length);
      if (vertex.parents.length === 0) ready.push(vertex.name);
    }
    for (let index = 0; index < ready.length; index += 1) {
      const name = ready[index] as string;
      const level = Math.max(-1, ...this.mustGet(name).parents.map((parent) => depth.get(parent) ?? 0)) + 1;
      depth.set(name, level);
      for (const child of this.mustGet(name).children) {
        const left = (waiting.get(child) ?? 0) - 1;
        waiting.set(child, left);
        if (left === 0) ready.push(child);
      }
    }
    assert(ready.length === this.vertices.size, 'dependency graph has a cycle');
    return ready.sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || compareNames(a, b));
  }

  /** Every edge as [parent, child], sorted by parent then child. */
  edges(): Array<[string, string]> {
    const edges: Array<[string, string]> = [];
    for (const vertex of this.vertices.values()) {
      for (const parent of vertex.parents) edges.push([parent, vertex.name]);
    }
    return edges.sort((a, b) => compareNames(a[0], b[0]) || compareNames(a[1], b[1]));
  }

  toSnapshot(): DagSnapshot {
    const names = [...this.vertices.keys()].sort(compareNames);
    return {
      jobs: names.map((name) => {
        const vertex = this.mustGet(name);
        return {
          name,
          parents: [...vertex.parents],
          disabled: vertex.disabled,
          softError: vertex.softError,
          counts: vertex.parents.map((parent) => ({ parent, ...(vertex.incoming.get(parent) ?? { count: 0, lastRunKey: null }) })),
        };
      }),
    };
  }

  /** Rebuilds a graph; asserts the snapshot is a valid acyclic graph (a bad one is a bug). */
  static fromSnapshot(snapshot: DagSnapshot): DependencyGraph {
    const graph = new DependencyGraph();
    for (const job of snapshot.jobs) graph.addVertex(job.name);
    for (const job of snapshot.jobs) {
      const vertex = graph.mustGet(job.name);
      vertex.parents = [...job.parents];
      vertex.disabled = job.disabled;
      vertex.softError = job.softError;
      for (const parent of job.parents) graph.mustGet(parent).children.add(job.name);
      for (const { parent, count, lastRunKey } of job.counts) vertex.incoming.set(parent, { count, lastRunKey });
    }
    graph.topologicalOrder(); // asserts acyclicity
    return graph;
  }

  private addVertex(name: string): Vertex {
    assert(!this.vertices.has(name), `vertex ${name} already exists`);
    const vertex: Vertex = { name, parents: [], disabled: false, softError: false, children: new Set(), incoming: new Map() };
    this.vertices.set(name, vertex);
    return vertex;
  }

  private mustGet(name: string): Vertex {
    const vertex = this.vertices.get(name);
    assert(vertex !== undefined, `unknown vertex ${name}`);
    return vertex;
  }

  /** Rewires one child after a removal, keeping counts of edges that stay. */
  private setParents(childName: string, parents: readonly string[], removed: string): void {
    const child = this.mustGet(childName);
    child.incoming.delete(removed);
    for (const parent of parents) {
      this.mustGet(parent).children.add(childName);
      if (!child.incoming.has(parent)) child.incoming.set(parent, { count: 0, lastRunKey: null });
    }
    child.parents = [...parents];
  }

  /**
   * The path from `start` down to the first of `targets` reachable through child edges, or null.
   * If `start` reaches one of its prospective parents, adding those edges would close a cycle.
   */
  private findPathToAny(start: string, targets: ReadonlySet<string>): string[] | null {
    if (!this.vertices.has(start) || targets.size === 0) return null;
    const cameFrom = new Map<string, string>([[start, start]]);
    const stack = [start];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (targets.has(name)) return pathTo(name, cameFrom);
      for (const child of [...this.mustGet(name).children].sort().reverse()) {
        if (cameFrom.has(child)) continue;
        cameFrom.set(child, name);
        stack.push(child);
      }
    }
    return null;
  }
}

function pathTo(end: string, cameFrom: ReadonlyMap<string, string>): string[] {
  const path = [end];
  for (let name = end; cameFrom.get(name) !== name; ) {
    name = cameFrom.get(name) as string;
    path.push(name);
  }
  return path.reverse();
}

function refuse(message: string): DagCheck {
  return { ok: false, status: 400, message };
}

/** Code-unit order: the same on every replica, whatever the locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
