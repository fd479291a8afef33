/**
 * The dependency firing rule, by example. Goal: spec §3.5 exactly — single-parent children fire
 * on every parent completion; multi-parent children fire when the completing parent's count
 * reaches the minimum (the worked example A, A, B); a child's start or mark-success resets its
 * counts; softError failures count, other failures do not; disabled children move their counts
 * but are not enqueued; stale counts behave as in Chronos (#543); each firing records the parent
 * runs that satisfied it. Method: scripted completions on small graphs, checking every answer.
 */
import { describe, expect, it } from 'vitest';
import { DependencyGraph, type DagJob, type Firing } from '../../../../src/chronos/dag.js';

function graphOf(...jobs: Array<[string, string[], Partial<DagJob>?]>): DependencyGraph {
  const graph = new DependencyGraph();
  for (const [name, parents, extra] of jobs) graph.upsert({ name, parents, disabled: false, softError: false, ...extra });
  return graph;
}

function succeed(graph: DependencyGraph, job: string, runKey = `${job}#run`): string[] {
  return graph.recordCompletion({ job, outcome: 'success', runKey }).map((firing) => firing.child);
}

function fail(graph: DependencyGraph, job: string): Firing[] {
  return graph.recordCompletion({ job, outcome: 'failure', runKey: `${job}#failed` });
}

describe('single parent', () => {
  it('fires on every completion, even before the child ran', () => {
    const graph = graphOf(['p', []], ['c', ['p']], ['d', ['p']]);
    expect(succeed(graph, 'p')).toEqual(['c', 'd']);
    expect(succeed(graph, 'p')).toEqual(['c', 'd']);
  });
});

describe('two parents (spec §3.5 worked example)', () => {
  it('A ok → A ok → B ok fires; the child starting resets the counts', () => {
    const graph = graphOf(['A', []], ['B', []], ['C', ['A', 'B']]);
    expect(succeed(graph, 'A', 'A#1')).toEqual([]);
    expect(succeed(graph, 'A', 'A#2')).toEqual([]);
    const [firing] = graph.recordCompletion({ job: 'B', outcome: 'success', runKey: 'B#1' });
    expect(firing).toEqual({
      child: 'C',
      enqueue: true,
      satisfiedBy: [
        { parent: 'A', runKey: 'A#2' },
        { parent: 'B', runKey: 'B#1' },
      ],
      triggeredBy: { parent: 'B', runKey: 'B#1' },
    });
    graph.recordStarted('C');
    expect([graph.countOf('C', 'A'), graph.countOf('C', 'B')]).toEqual([
      { count: 0, lastRunKey: null },
      { count: 0, lastRunKey: null },
    ]);
    expect(succeed(graph, 'B')).toEqual([]);
    expect(succeed(graph, 'A')).toEqual(['C']);
  });

  it('without a start in between, each further full round fires again (Chronos counts rounds)', () => {
    const graph = graphOf(['A', []], ['B', []], ['C', ['A', 'B']]);
    expect([succeed(graph, 'A'), succeed(graph, 'B')]).toEqual([[], ['C']]);
    expect(succeed(graph, 'A')).toEqual([]); // counts 2,1: A is not at the minimum
    expect(succeed(graph, 'B')).toEqual(['C']); // 2,2
  });
});

describe('outcomes', () => {
  it('a failure of a parent without softError does nothing', () => {
    const graph = graphOf(['A', []], ['C', ['A']]);
    expect(fail(graph, 'A')).toEqual([]);
    expect(graph.countOf('C', 'A')).toEqual({ count: 0, lastRunKey: null });
  });

  it('a final failure of a softError parent counts as a completion', () => {
    const graph = graphOf(['A', [], { softError: true }], ['C', ['A']]);
    expect(fail(graph, 'A').map((firing) => firing.child)).toEqual(['C']);
  });

  it('a disabled child moves its counts but is not enqueued', () => {
    const graph = graphOf(['A', []], ['B', []], ['C', ['A', 'B'], { disabled: true }]);
    succeed(graph, 'A');
    const firings = graph.recordCompletion({ job: 'B', outcome: 'success', runKey: 'B#1' });
    expect(firings.map((firing) => [firing.child, firing.enqueue])).toEqual([['C', false]]);
    expect(graph.countOf('C', 'B')).toEqual({ count: 1, lastRunKey: 'B#1' });
  });

  it('unknown jobs complete into nothing', () => {
    expect(succeed(new DependencyGraph(), 'ghost')).toEqual([]);
  });
});

describe('mark success (spec §1.2 #9)', () => {
  it('resets the job’s own counts, then fires its children', () => {
    const graph = graphOf(['A', []], ['B', []], ['M', ['A', 'B']], ['K', ['M']]);
    succeed(graph, 'A');
    expect(graph.recordMarkedSuccess('M', 'M#manual').map((firing) => firing.child)).toEqual(['K']);
    expect(graph.countOf('M', 'A')).toEqual({ count: 0, lastRunKey: null });
  });
});

describe('stale counts (mesos/chronos#543, kept as Chronos behaves)', () => {
  it('in a diamond, a failed branch leaves a stale count that fires the join early next cycle', () => {
    const graph = graphOf(['P', []], ['C1', ['P']], ['C2', ['P']], ['E', ['C1', 'C2']]);
    // Cycle 1: C1 succeeds, C2 fails.
    expect(succeed(graph, 'P')).toEqual(['C1', 'C2']);
    expect(succeed(graph, 'C1')).toEqual([]);
    expect(fail(graph, 'C2')).toEqual([]);
    // Cycle 2: C2 succeeds first — E fires before C1 has finished.
    expect(succeed(graph, 'P')).toEqual(['C1', 'C2']);
    expect(succeed(graph, 'C2')).toEqual(['E']);
  });
});
