/**
 * What deleting a job does to the job records of its children (spec §3.11), given the
 * dependency graph's RemovalPlan: a re-parented child gets its new parent list; an orphaned
 * child (no parent left) takes over the removed job's trigger — its schedule and zone, like
 * Chronos, plus its events (Kairos).
 *
 * Kairos keeps every other field of the child. Chronos rebuilt the child from a subset of fields
 * and dropped container, environment, arguments, constraints and more (spec §3.11), and
 * converted every child, even one with other parents (mesos/chronos#660).
 *
 * Pure module.
 */
import type { ChronosJob } from './job.js';

export function reparentChild(child: ChronosJob, parents: readonly string[]): ChronosJob {
  return { ...child, parents: [...parents], schedule: null, scheduleTimeZone: '' };
}

export function orphanChild(child: ChronosJob, removed: ChronosJob): ChronosJob {
  const events = [...new Set([...child.events, ...removed.events])];
  return {
    ...child,
    parents: [],
    schedule: removed.schedule,
    scheduleTimeZone: removed.schedule === null ? '' : removed.scheduleTimeZone,
    events,
  };
}
