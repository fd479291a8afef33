/**
 * What every Chronos route handler gets: the master context, the deps, which JSON generation
 * this prefix speaks, and small helpers for the patterns every route repeats.
 */
import type { MasterContext } from '../../master/api/context.js';
import { encode } from '../../lib/codec.js';
import { ValidationError } from '../../lib/errors.js';
import type { ChronosVersion } from '../model/index.js';
import type { JobStats } from '../runner/port.js';
import type { JobCommand } from '../state/jobs-commands.js';
import type { StoredJob } from '../state/jobs.js';
import type { ApiRunner, ChronosApiDeps } from './deps.js';
import { runnerUnavailable, unknownJob } from './errors.js';

export interface ChronosScope {
  readonly context: MasterContext;
  readonly deps: ChronosApiDeps;
  /** '2' under /scheduler, '3' under /v1/scheduler. */
  readonly version: ChronosVersion;
}

export function nowOf(scope: ChronosScope): number {
  return (scope.deps.now ?? Date.now)();
}

/** The stored job, or Chronos' 400 for an unknown name. */
export function requireJob(scope: ChronosScope, name: string): StoredJob {
  const stored = scope.deps.jobs.get(name);
  if (stored === undefined) throw unknownJob(name);
  return stored;
}

export function requireRunner(scope: ChronosScope): ApiRunner {
  const runner = scope.deps.runner();
  if (runner === null) throw runnerUnavailable();
  return runner;
}

/** The run side's figures for a job, or null while there is no run side. */
export function statsOf(scope: ChronosScope, name: string): JobStats | null {
  const runner = scope.deps.runner();
  return runner === null ? null : runner.stats(name);
}

/**
 * Proposes a job command and waits until it is applied here (the leader). A command the
 * reducer refused (the state changed since the leader checked it) is a 400 with its reason.
 */
export async function proposeJobCommand(scope: ChronosScope, command: JobCommand): Promise<unknown> {
  const result = (await scope.context.node.propose(encode(command))) as { ok: boolean; value?: unknown; error?: string } | undefined;
  if (result !== undefined && result.ok === false) throw new ValidationError('job', result.error ?? 'rejected');
  return result?.value;
}

/** A non-negative integer query parameter, or the fallback when absent; otherwise a 400. */
export function intQuery(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new ValidationError(field, `${field}: must be a non-negative integer, got '${String(value)}'`);
  return number;
}

export function stringQuery(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
