/**
 * DependencyGraph structure, by example. Goal: unknown parents, self-parenting and cycles are
 * refused with a 400 naming the parent and the cycle, and a refused change leaves the graph
 * exactly as it was; updates rewire edges; deletion re-parents or orphans children as spec
 * §3.11 describes (with the Kairos fix for #660); snapshots restore an identical graph.
 * Method: small hand-built graphs, compared through the public queries and snapshots.
 */
import { describe, expect, it } from 'vitest';
import { DependencyGraph, dependencyCheckFor, jobNotFoundMessage, type DagJob } from '../../../../src/chronos/dag.js';
import { validateJob } from '../../../../src/chronos/model/index.js';

function job(name: string, parents: string[] = [], extra: Partial<DagJob> = {}): DagJob {
  return { name, parents, disabled: false, softError: false, ...extra };
}

function graphOf(...jobs: DagJob[]): DependencyGraph {
  const graph = new DependencyGraph();
  for (const entry of jobs) expect(graph.upsert(entry)).toEqual({ ok: true });
  return graph;
}

describe('upsert', () => {
  it('links parents and children', () => {
    const graph = graphOf(job('a'), job('b'), job('c', ['a', 'b', 'a']));
    expect([graph.size, graph.parentsOf('c'), graph.childrenOf('a'), graph.childrenOf('b')]).toEqual([3, ['a', 'b'], ['c'], ['c']]);
    expect(graph.edges()).toEqual([['a', 'c'], ['b', 'c']]);
  });

  it.each([
    [['ghost'], "parents: parent job 'ghost' does not exist"],
    [['a', 'ghost'], "parents: parent job 'ghost' does not exist"],
    [['c'], "parents: job 'c' cannot be its own parent"],
  ])('refuses parents %j for c', (parents, message) => {
    const graph = graphOf(job('a'), job('c', ['a']));
    const before = graph.toSnapshot();
    expect(graph.upsert(job('c', parents))).toEqual({ ok: false, status: 400, message });
    expect(graph.toSnapshot()).toEqual(before);
  });

  it('refuses a cycle and names it', () => {
    const graph = graphOf(job('a'), job('b', ['a']), job('c', ['b']), job('d', ['c']));
    const before = graph.toSnapshot();
    expect(graph.upsert(job('a', ['d']))).toEqual({
      ok: false,
      status: 400,
      message: "parents: making 'd' a parent of 'a' would create a cycle: a -> b -> c -> d -> a",
    });
    expect(graph.checkUpsert(job('b', ['c'])).ok).toBe(false);
    expect(graph.toSnapshot()).toEqual(before);
  });

  it('allows a diamond (shared ancestors are not cycles)', () => {
    const graph = graphOf(job('p'), job('l', ['p']), job('r', ['p']), job('e', ['l', 'r', 'p']));
    expect(graph.topologicalOrder()).toEqual(['p', 'l', 'r', 'e']);
  });

  it('rewires on update, keeping counts on edges that stay', () => {
    const graph = graphOf(job('a'), job('b'), job('x'), job('c', ['a', 'b']));
    graph.recordCompletion({ job: 'a', outcome: 'success', runKey: 'a#1' });
    graph.recordCompletion({ job: 'b', outcome: 'success', runKey: 'b#1' });
    graph.recordCompletion({ job: 'a', outcome: 'success', runKey: 'a#2' });
    expect(graph.upsert(job('c', ['a', 'x'], { disabled: true }))).toEqual({ ok: true });
    expect([graph.childrenOf('b'), graph.childrenOf('x'), graph.parentsOf('c')]).toEqual([[], ['c'], ['a', 'x']]);
    expect(graph.countOf('c', 'a')).toEqual({ count: 2, lastRunKey: 'a#2' });
    expect(graph.countOf('c', 'x')).toEqual({ count: 0, lastRunKey: null });
    expect(graph.countOf('c', 'b')).toBeUndefined();
  });

  it('turning a dependent job into a scheduled one drops its edges but keeps its children', () => {
    const graph = graphOf(job('a'), job('b', ['a']), job('c', ['b']));
    graph.upsert(job('b'));
    expect([graph.parentsOf('b'), graph.childrenOf('a'), graph.childrenOf('b')]).toEqual([[], [], ['c']]);
  });
});

describe('remove (spec §3.11)', () => {
  it('refuses an unknown job with Chronos’ message', () => {
    expect(new DependencyGraph().remove('nope')).toEqual({ ok: false, status: 400, message: jobNotFoundMessage('nope') });
    expect(jobNotFoundMessage('nope')).toBe("requirement failed: Job 'nope' not found");
  });

  it('re-parents the children of a dependent job to its parents', () => {
    const graph = graphOf(job('g1'), job('g2'), job('p', ['g1', 'g2']), job('other'), job('c1', ['p']), job('c2', ['other', 'p', 'g1']));
    const result = graph.remove('p');
    expect(result).toEqual({
      ok: true,
      plan: {
        removed: 'p',
        reparented: [
          { child: 'c1', parents: ['g1', 'g2'] },
          { child: 'c2', parents: ['other', 'g1', 'g2'] },
        ],
        orphaned: [],
      },
    });
    expect([graph.has('p'), graph.parentsOf('c2'), graph.childrenOf('g1'), graph.childrenOf('g2')]).toEqual([
      false,
      ['other', 'g1', 'g2'],
      ['c1', 'c2'],
      ['c1', 'c2'],
    ]);
  });

  it('orphans only the children whose single parent was a scheduled job', () => {
    const graph = graphOf(job('s'), job('t'), job('only', ['s']), job('both', ['s', 't']));
    const result = graph.remove('s');
    expect(result.ok && result.plan).toEqual({ removed: 's', reparented: [{ child: 'both', parents: ['t'] }], orphaned: ['only'] });
    expect([graph.parentsOf('only'), graph.parentsOf('both'), graph.childrenOf('t')]).toEqual([[], ['t'], ['both']]);
  });

  it('plans without changing anything', () => {
    const graph = graphOf(job('a'), job('b', ['a']));
    const before = graph.toSnapshot();
    expect(graph.planRemoval('a').ok).toBe(true);
    expect(graph.toSnapshot()).toEqual(before);
  });
});

describe('snapshots', () => {
  it('restore the same structure, flags and counts', () => {
    const graph = graphOf(job('a', [], { softError: true }), job('b'), job('c', ['b', 'a'], { disabled: true }));
    graph.recordCompletion({ job: 'a', outcome: 'failure', runKey: 'a#1' });
    const restored = DependencyGraph.fromSnapshot(graph.toSnapshot());
    expect(restored.toSnapshot()).toEqual(graph.toSnapshot());
    expect(restored.countOf('c', 'a')).toEqual({ count: 1, lastRunKey: 'a#1' });
    expect(restored.childrenOf('a')).toEqual(['c']);
  });

  it('refuse a cyclic snapshot (a corrupt snapshot is a bug, not input)', () => {
    const cyclic = {
      jobs: [
        { name: 'a', parents: ['b'], disabled: false, softError: false, counts: [] },
        { name: 'b', parents: ['a'], disabled: false, softError: false, counts: [] },
      ],
    };
    expect(() => DependencyGraph.fromSnapshot(cyclic)).toThrow(/cycle/);
  });
});

describe('dependencyCheckFor + validateJob', () => {
  it('refuses unknown parents and cycles at validation time, and accepts the rest', () => {
    const graph = graphOf(job('a'), job('b', ['a']));
    const context = { checkSchedule: () => null, checkDependencies: dependencyCheckFor(graph) };
    const unknown = validateJob({ name: 'c', parents: ['zzz'] }, 'dependent', context);
    expect(unknown).toEqual({ ok: false, status: 400, message: "parents: parent job 'zzz' does not exist" });
    const cycle = validateJob({ name: 'a', parents: ['b'] }, 'dependent', context);
    expect(cycle).toEqual({ ok: false, status: 400, message: "parents: making 'b' a parent of 'a' would create a cycle: a -> b -> a" });
    expect(validateJob({ name: 'c', parents: ['b', 'a'] }, 'dependent', context).ok).toBe(true);
  });
});
