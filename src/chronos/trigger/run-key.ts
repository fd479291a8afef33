/**
 * Run keys: the idempotency key of every run record (DESIGN rule 3). A scheduled run is
 * `job name + scheduled instant`; runs that no schedule predicts are keyed by what caused them
 * (event id, the parent runs that satisfied a dependency, a manual request id), so a proposal
 * repeated after a failover names the same run and is recognised as a duplicate.
 *
 * Job names match `[A-Za-z0-9_.-]+` (model/rules.ts), so `@` cleanly separates the job name.
 * Pure module.
 */
import type { RunKey, RunTrigger } from './types.js';

/** `nightly@1718496000000`: the job and the instant in epoch ms. */
export function scheduledRunKey(job: string, scheduledAtMs: number): RunKey {
  return `${job}@${scheduledAtMs}`;
}

/** One run per (job, event occurrence): the event id is assigned when the event is accepted. */
export function eventRunKey(job: string, eventId: string): RunKey {
  return `${job}@event:${eventId}`;
}

/** A dependency firing is identified by the parent runs that satisfied it, in parent order. */
export function dependencyRunKey(job: string, parentRunKeys: readonly RunKey[]): RunKey {
  return `${job}@dep:${parentRunKeys.join('+')}`;
}

/** A manual run (`PUT /scheduler/job/{name}`) is keyed by its request id. */
export function manualRunKey(job: string, requestId: string): RunKey {
  return `${job}@manual:${requestId}`;
}

/** The key a run with this trigger must carry. */
export function runKeyFor(job: string, trigger: RunTrigger): RunKey {
  switch (trigger.kind) {
    case 'schedule':
      return scheduledRunKey(job, trigger.scheduledAtMs);
    case 'event':
      return eventRunKey(job, trigger.eventId);
    case 'dependency':
      return dependencyRunKey(job, trigger.parentRunKeys);
    case 'manual':
      return manualRunKey(job, trigger.requestId);
  }
}

/** The job name a run key belongs to. */
export function jobOfRunKey(key: RunKey): string {
  const at = key.indexOf('@');
  return at < 0 ? key : key.slice(0, at);
}
