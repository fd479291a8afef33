/**
 * Commands of the `job` state part (the replicated Chronos job store). Each carries the
 * proposer's clock (`nowMs`) so that apply never reads one: it decides what an empty ISO8601
 * start (`R//PT1H`) or Chronos 3.x's implicit one-shot means, and stamps the stored record.
 *
 * `job.put` carries the client's job JSON as received (plain data), not the normalised job:
 * apply re-runs the same `validateJob` against the state it applies to, so a put that became
 * invalid meanwhile (its parent deleted by a concurrent request, a cycle closed by another put)
 * is rejected whole on every replica alike (DESIGN rule 2).
 *
 * Pure module: types and builders only.
 */
import type { SubmitKind } from '../model/index.js';

export const JOB_PART_PREFIX = 'job';

/** Create or fully replace one job (POST/PUT /iso8601, /dependency). */
export interface JobPutCommand {
  readonly t: 'job.put';
  /** The client's job JSON (already checked once on the leader). */
  readonly input: unknown;
  readonly kind: SubmitKind;
  readonly nowMs: number;
}

/** Delete one job; its children are re-parented or take over its trigger (spec §3.11). */
export interface JobDeleteCommand {
  readonly t: 'job.delete';
  readonly name: string;
  readonly nowMs: number;
}

/** Flip `disabled` (auto-disable after failures, exhausted `Rn`): the run side proposes it. */
export interface JobSetDisabledCommand {
  readonly t: 'job.setDisabled';
  readonly name: string;
  readonly disabled: boolean;
  readonly nowMs: number;
}

export type JobCommand = JobPutCommand | JobDeleteCommand | JobSetDisabledCommand;

export function jobPut(input: unknown, kind: SubmitKind, nowMs: number): JobPutCommand {
  return { t: 'job.put', input, kind, nowMs };
}

export function jobDelete(name: string, nowMs: number): JobDeleteCommand {
  return { t: 'job.delete', name, nowMs };
}

export function jobSetDisabled(name: string, disabled: boolean, nowMs: number): JobSetDisabledCommand {
  return { t: 'job.setDisabled', name, disabled, nowMs };
}
