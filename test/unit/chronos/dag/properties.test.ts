/**
 * DependencyGraph properties. Goal: (1) no sequence of adds, updates and removals ever leaves a
 * cycle, and an upsert is refused exactly when a parent is unknown or the edges would close a
 * cycle — in which case nothing changes; (2) the firing rule agrees with a straightforward
 * reference: keep, per child and parent, the list of completions since the child last started;
 * a child fires when it has one parent, or when the completion raised the minimum list length
 * (one more full round of parent completions); (3) restoring a snapshot at any point and
 * continuing gives the same answers as never snapshotting. Method: fast-check operation
 * sequences over a pool of eight job names; reachability for the reference is a transitive
 * closure over the reference's own edge list, independent of the graph's traversal code.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DependencyGraph, type Firing } from '../../../../src/chronos/dag.js';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;
const name = fc.constantFrom(...NAMES);

type Operation =
  | { kind: 'upsert'; job: string; parents: string[]; disabled: boolean; softError: boolean }
  | { kind: 'remove'; job: string }
  | { kind: 'complete'; job: string; outcome: 'success' | 'failure' }
  | { kind: 'start'; job: string }
  | { kind: 'markSuccess'; job: string };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('upsert' as const), job: name, parents: fc.uniqueArray(name, { maxLength: 3 }), disabled: fc.boolean(), softError: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), job: name }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('complete' as const), job: name, outcome: fc.constantFrom('success' as const, 'failure' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('start' as const), job: name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('markSuccess' as const), job: name }) },
);

/** The reference: plain records, lists of completions, closure-based cycle detection. */
class ReferenceGraph {
  readonly jobs = new Map<string, { parents: string[]; disabled: boolean; softError: boolean; since: Map<string, string[]> }>();

  wouldAccept(job: string, parents: string[]): boolean {
    if (parents.some((parent) => parent === job || !this.jobs.has(parent))) return false;
    const edges = this.edgesWithout(job).concat(parents.map((parent) => [parent, job] as [string, string]));
    return !hasCycle(edges);
  }

  upsert(job: string, parents: string[], disabled: boolean, softError: boolean): void {
    const old = this.jobs.get(job)?.since ?? new Map<string, string[]>();
    const since = new Map(parents.map((parent) => [parent, old.get(parent) ?? []]));
    this.jobs.set(job, { parents, disabled, softError, since });
  }

  remove(job: string): void {
    const removed = this.jobs.get(job);
    if (removed === undefined) return;
    this.jobs.delete(job);
    for (const child of this.jobs.values()) {
      if (!child.parents.includes(job)) continue;
      child.parents = [...new Set([...child.parents.filter((parent) => parent !== job), ...removed.parents])];
      child.since.delete(job);
      for (const parent of child.parents) if (!child.since.has(parent)) child.since.set(parent, []);
    }
  }

  complete(job: string, outcome: 'success' | 'failure', runKey: string): Array<[string, boolean, string[]]> {
    const parent = this.jobs.get(job);
    if (parent === undefined || (outcome === 'failure' && !parent.softError)) return [];
    const fired: Array<[string, boolean, string[]]> = [];
    for (const childName of [...this.jobs.keys()].sort()) {
      const child = this.jobs.get(childName);
      if (child === undefined || !child.parents.includes(job)) continue;
      const roundsBefore = Math.min(...child.parents.map((name) => child.since.get(name)?.length ?? 0));
      child.since.get(job)?.push(runKey);
      const roundsAfter = Math.min(...child.parents.map((name) => child.since.get(name)?.length ?? 0));
      if (child.parents.length === 1 || roundsAfter > roundsBefore) {
        const satisfiedBy = child.parents.flatMap((name) => child.since.get(name)?.slice(-1) ?? []);
        fired.push([childName, !child.disabled, satisfiedBy]);
      }
    }
    return fired;
  }

  start(job: string): void {
    for (const list of this.jobs.get(job)?.since.values() ?? []) list.length = 0;
  }

  private edgesWithout(job: string): Array<[string, string]> {
    const edges: Array<[string, string]> = [];
    for (const [child, record] of this.jobs) if (child !== job) for (const parent of record.parents) edges.push([parent, child]);
    return edges;
  }
}

/** Transitive closure over at most eight names; a cycle is a name that reaches itself. */
function hasCycle(edges: ReadonlyArray<readonly [string, string]>): boolean {
  const reach = new Map<string, Set<string>>(NAMES.map((n) => [n, new Set<string>()]));
  for (const [from, to] of edges) reach.get(from)?.add(to);
  for (const via of NAMES) for (const from of NAMES) if (reach.get(from)?.has(via)) for (const to of reach.get(via) ?? []) reach.get(from)?.add(to);
  return NAMES.some((n) => reach.get(n)?.has(n));
}

function summarise(firings: Firing[]): Array<[string, boolean, string[]]> {
  return firings.map((firing) => [firing.child, firing.enqueue, firing.satisfiedBy.map((run) => run.runKey)]);
}

/** Applies one operation to both; returns what the graph answered, for comparison. */
function apply(graph: DependencyGraph, reference: ReferenceGraph, op: Operation, step: number): unknown {
  const runKey = `${op.job}#${step}`;
  switch (op.kind) {
    case 'upsert': {
      const expected = reference.wouldAccept(op.job, op.parents);
      const before = graph.toSnapshot();
      const result = graph.upsert({ name: op.job, parents: op.parents, disabled: op.disabled, softError: op.softError });
      expect(result.ok).toBe(expected);
      if (expected) reference.upsert(op.job, op.parents, op.disabled, op.softError);
      else expect(graph.toSnapshot()).toEqual(before);
      return result;
    }
    case 'remove':
      reference.remove(op.job);
      return graph.remove(op.job);
    case 'complete': {
      const firings = summarise(graph.recordCompletion({ job: op.job, outcome: op.outcome, runKey }));
      expect(firings).toEqual(reference.complete(op.job, op.outcome, runKey));
      return firings;
    }
    case 'start':
      reference.start(op.job);
      graph.recordStarted(op.job);
      return null;
    case 'markSuccess': {
      reference.start(op.job);
      const firings = summarise(graph.recordMarkedSuccess(op.job, runKey));
      expect(firings).toEqual(reference.complete(op.job, 'success', runKey));
      return firings;
    }
  }
}

/** Every name starts as a root job, so later upserts mostly add real edges (or try cycles). */
const SETUP: Operation[] = NAMES.map((job) => ({ kind: 'upsert', job, parents: [], disabled: false, softError: false }));
const operations = (maxLength: number): fc.Arbitrary<Operation[]> =>
  fc.array(operation, { minLength: 10, maxLength, size: 'max' }).map((ops) => [...SETUP, ...ops]);

function expectAcyclicAndOrdered(graph: DependencyGraph): void {
  const edges = graph.edges();
  expect(hasCycle(edges)).toBe(false);
  const order = graph.topologicalOrder();
  expect(order.length).toBe(graph.size);
  for (const [parent, child] of edges) expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
}

describe('DependencyGraph against the reference', () => {
  test.prop([operations(60)], { numRuns: 200 })('no cycles ever; refusals change nothing; firings match', (ops) => {
    const graph = new DependencyGraph();
    const reference = new ReferenceGraph();
    ops.forEach((op, step) => {
      apply(graph, reference, op, step);
      expectAcyclicAndOrdered(graph);
    });
    for (const [job, record] of reference.jobs) expect(graph.parentsOf(job)).toEqual(record.parents);
    expect(graph.size).toBe(reference.jobs.size);
  });

  test.prop([operations(50), fc.nat(58)], { numRuns: 150 })('snapshot + restore at any step answers like the original', (ops, cut) => {
    const straight = new DependencyGraph();
    let restored = new DependencyGraph();
    const referenceA = new ReferenceGraph();
    const referenceB = new ReferenceGraph();
    ops.forEach((op, step) => {
      if (step === cut) restored = DependencyGraph.fromSnapshot(JSON.parse(JSON.stringify(restored.toSnapshot())));
      expect(apply(restored, referenceB, op, step)).toEqual(apply(straight, referenceA, op, step));
    });
    expect(restored.toSnapshot()).toEqual(straight.toSnapshot());
  });
});
