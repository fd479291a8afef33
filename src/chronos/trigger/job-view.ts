/**
 * From the stored Chronos job to the trigger's view of it. Parsing a schedule costs far more
 * than reading one, so the registry (or the engine's source) should build each view once per
 * job version and keep it.
 * Pure module.
 */
import { epsilonMsOf, type ChronosJob } from '../model/index.js';
import { parseSchedule } from '../schedule/index.js';
import type { TriggerJob } from './types.js';

/**
 * The trigger view of a stored job. `pinnedStartMs` is the time an empty ISO start
 * (`R//PT1H`) means — the registry's creation time for the job, the same on every replica.
 */
export function triggerJobOf(job: ChronosJob, pinnedStartMs: number): TriggerJob {
  return {
    name: job.name,
    schedule: job.schedule === null ? null : parseSchedule(job.schedule, job.scheduleTimeZone, { nowMs: pinnedStartMs }),
    epsilonMs: epsilonMsOf(job),
    disabled: job.disabled,
    concurrent: job.concurrent,
  };
}
