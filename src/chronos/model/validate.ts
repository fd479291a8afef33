/**
 * validateJob: Chronos job JSON in, a complete normalised job or a 400 message out.
 *
 * Order: shape (zod) → name → trigger (parents / schedule / events, decided by field presence
 * as Chronos does, spec §2) → field rules → the optional dependency check last. The job object
 * is assembled only after every check passed, so a rejection never yields a partial job.
 *
 * Divergences from Chronos, all in the direction of "bad input gets a clear 400" (spec §1.7,
 * §3.16): malformed fields, bad enums, bad regexes, empty parents, unknown zones are 400s rather
 * than 500s or silent fallbacks; the name rule applies on update too; and a job with neither
 * schedule, parents nor events is refused unless `implicitOneShot` asks for Chronos 3.x's
 * `R1/<now>/PT24H` one-shot.
 *
 * Pure module: `nowMs` comes in through the context when needed.
 */
import { CHRONOS_JOB_DEFAULTS, FIXED_DEFAULTS, type JobDefaults } from './defaults.js';
import type { ChronosJob } from './job.js';
import { toContainer, toEnvironment, toFetchEntries } from './normalize.js';
import {
  checkConstraints,
  checkEpsilon,
  checkFetch,
  checkInstant,
  checkJobName,
  checkNameList,
  checkResource,
  type RuleResult,
} from './rules.js';
import { checkTimeZone, type ScheduleCheck } from './schedule-check.js';
import { describeIssue, jobInputSchema, type JobInput } from './schema.js';
import { formatInstant } from './timestamps.js';

/** Which endpoint the job came through: `/iso8601` or `/dependency`. */
export type SubmitKind = 'scheduled' | 'dependent';

/** What validation needs from outside the job body. */
export interface ValidationContext {
  readonly checkSchedule: ScheduleCheck;
  /** Flag-derived defaults; Chronos' own when absent. */
  readonly defaults?: JobDefaults;
  /** When set, a scheduled submission with no trigger becomes `R1/<nowMs>/PT24H` (Chronos 3.x). */
  readonly implicitOneShot?: { readonly nowMs: number };
  /** Parents exist and no cycle (see DependencyGraph.checkUpsert); null = fine, else the message. */
  readonly checkDependencies?: (name: string, parents: readonly string[]) => string | null;
}

export type JobValidation =
  | { readonly ok: true; readonly job: ChronosJob }
  | { readonly ok: false; readonly status: 400; readonly message: string };

/** Chronos' message when a dependent job arrives without parents (DependentJobResource). */
export const NO_PARENTS_MESSAGE = 'Error, parent does not exist';
export const NO_TRIGGER_MESSAGE = 'schedule: a job needs a schedule, parents or events';

interface Trigger {
  readonly schedule: string | null;
  readonly scheduleTimeZone: string;
  readonly parents: readonly string[];
  readonly events: readonly string[];
}

class Rejected {
  constructor(readonly message: string) {}
}

/** Unwraps a rule result or aborts validation with its message. */
function take<T>(result: RuleResult<T>): T {
  if (!result.ok) throw new Rejected(result.message);
  return result.value;
}

export function validateJob(input: unknown, kind: SubmitKind, context: ValidationContext): JobValidation {
  const parsed = jobInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject(issue === undefined ? 'invalid job' : describeIssue(issue));
  }
  try {
    return { ok: true, job: buildJob(parsed.data, kind, context) };
  } catch (error) {
    if (error instanceof Rejected) return reject(error.message);
    throw error;
  }
}

function reject(message: string): JobValidation {
  return { ok: false, status: 400, message };
}

function buildJob(input: JobInput, kind: SubmitKind, context: ValidationContext): ChronosJob {
  const defaults = context.defaults ?? CHRONOS_JOB_DEFAULTS;
  const name = take(nameOf(input));
  const trigger = take(triggerOf(input, kind, context));
  const fetchAndUris = take(checkFetch(name, input.uris ?? [], toFetchEntries(input.fetch ?? [])));
  const job: ChronosJob = {
    name,
    command: input.command ?? FIXED_DEFAULTS.command,
    shell: input.shell ?? FIXED_DEFAULTS.shell,
    arguments: input.arguments ?? [],
    ...trigger,
    epsilon: take(checkEpsilon(input.epsilon ?? defaults.epsilon)),
    async: input.async ?? FIXED_DEFAULTS.async,
    retries: input.retries ?? FIXED_DEFAULTS.retries,
    concurrent: input.concurrent ?? FIXED_DEFAULTS.concurrent,
    disabled: input.disabled ?? FIXED_DEFAULTS.disabled,
    softError: input.softError ?? FIXED_DEFAULTS.softError,
    highPriority: input.highPriority ?? FIXED_DEFAULTS.highPriority,
    dataProcessingJobType: input.dataProcessingJobType ?? FIXED_DEFAULTS.dataProcessingJobType,
    maxCompletionTime: input.maxCompletionTime ?? FIXED_DEFAULTS.maxCompletionTime,
    cpus: take(checkResource('cpus', input.cpus, defaults.cpus)),
    memMb: take(checkResource('mem', input.mem, defaults.memMb)),
    diskMb: take(checkResource('disk', input.disk, defaults.diskMb)),
    runAsUser: nonEmptyOr(input.runAsUser, defaults.runAsUser),
    executor: input.executor ?? FIXED_DEFAULTS.executor,
    executorFlags: input.executorFlags ?? FIXED_DEFAULTS.executorFlags,
    taskInfoData: input.taskInfoData ?? FIXED_DEFAULTS.taskInfoData,
    environmentVariables: take(toEnvironment(input.environmentVariables ?? [])),
    uris: fetchAndUris.uris,
    fetch: fetchAndUris.fetch,
    constraints: take(checkConstraints(input.constraints ?? [])),
    container: take(toContainer(input.container)),
    owner: input.owner ?? FIXED_DEFAULTS.owner,
    ownerName: input.ownerName ?? FIXED_DEFAULTS.ownerName,
    description: input.description ?? FIXED_DEFAULTS.description,
    successCount: input.successCount ?? FIXED_DEFAULTS.successCount,
    errorCount: input.errorCount ?? FIXED_DEFAULTS.errorCount,
    errorsSinceLastSuccess: input.errorsSinceLastSuccess ?? FIXED_DEFAULTS.errorsSinceLastSuccess,
    lastSuccessMs: take(checkInstant('lastSuccess', input.lastSuccess)),
    lastErrorMs: take(checkInstant('lastError', input.lastError)),
  };
  // Graph rules last: they are the most expensive and need a well-formed job.
  const dependencyProblem = context.checkDependencies?.(job.name, job.parents) ?? null;
  if (dependencyProblem !== null) throw new Rejected(dependencyProblem);
  return job;
}

/** `name`, or its alias `id`; both may be sent only if they agree. */
function nameOf(input: JobInput): RuleResult<string> {
  const name = input.name?.trim();
  const id = input.id?.trim();
  if (name !== undefined && id !== undefined && name !== '' && id !== '' && name !== id) {
    return { ok: false, message: `name: 'name' (${name}) and 'id' (${id}) differ` };
  }
  const chosen = name !== undefined && name !== '' ? name : id;
  if (chosen === undefined || chosen === '') return { ok: false, message: 'name: required' };
  return checkJobName(chosen);
}

/** Field presence decides the job type (spec §2): parents, else schedule, else events. */
function triggerOf(input: JobInput, kind: SubmitKind, context: ValidationContext): RuleResult<Trigger> {
  const parents = checkNameList('parents', input.parents ?? []);
  if (!parents.ok) return parents;
  const events = checkNameList('events', input.events ?? []);
  if (!events.ok) return events;
  const base = { schedule: null, scheduleTimeZone: '', parents: parents.value, events: events.value };
  if (parents.value.length > 0) return { ok: true, value: base };
  if (kind === 'dependent' && events.value.length === 0) return { ok: false, message: NO_PARENTS_MESSAGE };
  const submitted = input.schedule?.trim() ?? '';
  if (submitted === '' && events.value.length > 0) return { ok: true, value: base };
  if (submitted === '' && context.implicitOneShot === undefined) return { ok: false, message: NO_TRIGGER_MESSAGE };
  const schedule = submitted !== '' ? submitted : `R1/${formatInstant(context.implicitOneShot?.nowMs ?? 0)}/PT24H`;
  const zone = input.scheduleTimeZone?.trim() ?? FIXED_DEFAULTS.scheduleTimeZone;
  const problem = checkTimeZone(zone) ?? context.checkSchedule(schedule, zone);
  if (problem !== null) return { ok: false, message: problem };
  return { ok: true, value: { ...base, schedule, scheduleTimeZone: zone } };
}

function nonEmptyOr(value: string | undefined, fallback: string): string {
  return value === undefined || value === '' ? fallback : value;
}
