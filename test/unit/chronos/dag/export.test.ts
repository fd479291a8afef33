/**
 * Graph exports, golden. Goal: `/graph/dot` is a jgrapht-style `digraph G` (numbered vertices
 * labelled with job names, then `a -> b;` edges) and `/graph/csv` is Chronos' node/link lines
 * (spec §1.2 #16, #17), both in a stable order. Method: fixed graphs, whole-text comparison,
 * plus the status column derived from lastSuccess/lastError.
 */
import { describe, expect, it } from 'vitest';
import { DependencyGraph } from '../../../../src/chronos/dag.js';
import { toDot, toGraphCsv } from '../../../../src/chronos/dag-export.js';
import { lastOutcomeOf } from '../../../../src/chronos/model/index.js';

function diamond(): DependencyGraph {
  const graph = new DependencyGraph();
  for (const [name, parents] of [
    ['extract', []],
    ['audit', []],
    ['transform', ['extract']],
    ['report', ['transform', 'audit']],
    ['backup', ['extract']],
  ] as const) {
    graph.upsert({ name, parents: [...parents], disabled: false, softError: false });
  }
  return graph;
}

describe('toDot', () => {
  it('numbers vertices in topological order and lists edges by number', () => {
    expect(toDot(diamond())).toBe(
      [
        'digraph G {',
        '  1 [ label="audit" ];',
        '  2 [ label="extract" ];',
        '  3 [ label="backup" ];',
        '  4 [ label="transform" ];',
        '  5 [ label="report" ];',
        '  1 -> 5;',
        '  2 -> 3;',
        '  2 -> 4;',
        '  4 -> 5;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('is an empty digraph for no jobs', () => {
    expect(toDot(new DependencyGraph())).toBe('digraph G {\n}\n');
  });
});

describe('toGraphCsv', () => {
  it('lists nodes with status and state, then links', () => {
    const states: Record<string, string> = { transform: 'running', report: 'queued', backup: '2 running' };
    const outcomes: Record<string, 'success' | 'failure' | 'fresh'> = { extract: 'success', transform: 'failure' };
    const csv = toGraphCsv(diamond(), (name) => ({ status: outcomes[name] ?? 'fresh', state: states[name] ?? 'idle' }));
    expect(csv).toBe(
      [
        'node,audit,fresh,idle',
        'node,extract,success,idle',
        'node,backup,fresh,2 running',
        'node,transform,failure,running',
        'node,report,fresh,queued',
        'link,audit,report',
        'link,extract,backup',
        'link,extract,transform',
        'link,transform,report',
        '',
      ].join('\n'),
    );
  });
});

describe('lastOutcomeOf (jobs/graph/Exporter.scala)', () => {
  it.each([
    [null, null, 'fresh'],
    [5, null, 'success'],
    [null, 5, 'failure'],
    [6, 5, 'success'],
    [5, 6, 'failure'],
    [5, 5, 'failure'],
  ] as const)('lastSuccess %s, lastError %s → %s', (lastSuccessMs, lastErrorMs, outcome) => {
    expect(lastOutcomeOf({ lastSuccessMs, lastErrorMs })).toBe(outcome);
  });
});
