/**
 * The two graph exports of the Chronos API (spec §1.2 #16, #17):
 *
 * - `GET /scheduler/graph/dot`: Graphviz, as jgrapht's DOTExporter wrote it for Chronos — a
 *   `digraph G`, vertices numbered from 1 (IntegerNameProvider) labelled with the job name, then
 *   one `a -> b;` line per edge. Chronos' order was the DAG's iteration order; ours is the
 *   graph's topological order (depth, then name), so the output is stable.
 * - `GET /scheduler/graph/csv`: `node,<name>,<success|failure|fresh>,<state>` per job, then
 *   `link,<parent>,<child>` per edge (`jobs/graph/Exporter.scala`), every line ending in `\n`.
 *
 * Pure module.
 */
import type { DependencyGraph } from './dag.js';
import type { LastOutcome } from './model/job.js';

export function toDot(graph: DependencyGraph): string {
  const order = graph.topologicalOrder();
  const idOf = new Map(order.map((name, index) => [name, index + 1]));
  const lines = ['digraph G {'];
  for (const name of order) lines.push(`  ${idOf.get(name)} [ label="${escapeLabel(name)}" ];`);
  const edges = graph
    .edges()
    .map(([parent, child]) => [idOf.get(parent) ?? 0, idOf.get(child) ?? 0] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [parent, child] of edges) lines.push(`  ${parent} -> ${child};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Job names cannot contain quotes or backslashes today; escape anyway so the output stays valid dot. */
function escapeLabel(name: string): string {
  return name.replace(/["\\]/g, (character) => `\\${character}`);
}

/** What a CSV node line says about a job. */
export interface GraphNodeStatus {
  /** From lastSuccess vs lastError (see lastOutcomeOf). */
  readonly status: LastOutcome;
  /** `idle`, `queued`, `running` or `<n> running` — the leader's live view. */
  readonly state: string;
}

export function toGraphCsv(graph: DependencyGraph, statusOf: (name: string) => GraphNodeStatus): string {
  let csv = '';
  for (const name of graph.topologicalOrder()) {
    const { status, state } = statusOf(name);
    csv += `node,${name},${status},${state}\n`;
  }
  for (const [parent, child] of graph.edges()) csv += `link,${parent},${child}\n`;
  return csv;
}
