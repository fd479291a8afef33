/**
 * The dependency firing rule (spec §3.5, `graph/JobGraph.scala` getExecutableChildren), kept
 * exactly, with its state made durable and every firing recorded.
 *
 * Each edge parent→child carries a completion count since the child last started. When parent
 * P completes (final success; or final failure of a `softError` parent; or mark-success):
 *   - a child with exactly one parent fires;
 *   - otherwise count(P→C) += 1, and C fires iff count(P→C) == min over C's parents of
 *     count(X→C) — that is, iff this completion raised the number of full "rounds" of parent
 *     completions since C last started.
 * When C starts (or is marked successful) all of C's incoming counts go back to 0. A disabled C
 * still moves its counts but its firing is not enqueued.
 *
 * Kairos differences (spec §3.16): the counts live in replicated state, so failover loses
 * nothing; each count remembers the run key of the latest completion it counts, so a firing
 * records which parent runs satisfied it; single-parent edges count too (Chronos skips them),
 * which only matters once a second parent is added; and editing a child's parents keeps the
 * counts of the edges that stay (Chronos reset them all, mesos/chronos PR #439).
 *
 * Pure module.
 */

/** Completions of one parent since the child last started. */
export interface EdgeCount {
  count: number;
  /** Run key of the latest completion counted, null when count is 0. */
  lastRunKey: string | null;
}

/** The child side of the graph as the firing rule sees it. */
export interface FiringChild {
  readonly name: string;
  readonly parents: readonly string[];
  readonly disabled: boolean;
  readonly incoming: Map<string, EdgeCount>;
}

/** One parent run that counts toward a firing. */
export interface SatisfyingRun {
  readonly parent: string;
  readonly runKey: string;
}

/** A decision that `child` runs now. */
export interface Firing {
  readonly child: string;
  /** False when the child is disabled: the counts moved but no run is enqueued (spec §3.8). */
  readonly enqueue: boolean;
  /** For each parent, in the child's parent order, the latest completion counted. */
  readonly satisfiedBy: readonly SatisfyingRun[];
  /** The completion that triggered this firing. */
  readonly triggeredBy: SatisfyingRun;
}

/** Counts `parent`'s completion on its edge to `child`; returns the firing, if the rule fires. */
export function countCompletion(child: FiringChild, parent: string, runKey: string): Firing | null {
  const edge = child.incoming.get(parent);
  if (edge === undefined) return null;
  edge.count += 1;
  edge.lastRunKey = runKey;
  if (child.parents.length > 1 && edge.count !== minimumCount(child)) return null;
  return {
    child: child.name,
    enqueue: !child.disabled,
    satisfiedBy: child.parents.flatMap((name) => {
      const key = child.incoming.get(name)?.lastRunKey ?? null;
      return key === null ? [] : [{ parent: name, runKey: key }];
    }),
    triggeredBy: { parent, runKey },
  };
}

function minimumCount(child: FiringChild): number {
  let minimum = Number.POSITIVE_INFINITY;
  for (const name of child.parents) minimum = Math.min(minimum, child.incoming.get(name)?.count ?? 0);
  return minimum;
}

/** The child started a run (or was marked successful): every incoming count restarts at 0. */
export function resetIncoming(child: FiringChild): void {
  for (const edge of child.incoming.values()) {
    edge.count = 0;
    edge.lastRunKey = null;
  }
}

/** Whether a parent's final outcome counts as a completion for its children. */
export function isCompletion(outcome: 'success' | 'failure', parentSoftError: boolean): boolean {
  return outcome === 'success' || parentSoftError;
}
