/**
 * Field rules beyond shape: job and event names, constraints, fetch/uris, resources, epsilon,
 * timestamps. Each rule returns an error message (naming the field) or the normalised value;
 * none throws. Messages copy Chronos' text where Chronos has one that clients may match on
 * (spec §1.1–§1.3), otherwise they say `field: what is wrong`.
 *
 * Pure module.
 */
import { assert } from '../../lib/assert.js';
import { parseDurationMs } from '../schedule/period.js';
import type { Constraint, ConstraintOperator, FetchEntry } from './job.js';
import { FETCH_DEFAULTS } from './defaults.js';
import { parseInstantMs } from './timestamps.js';

/** `JobUtils.jobNamePattern` in Chronos: word characters, dots and dashes, fully matched. */
export const JOB_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
/** Chronos prints its pattern in the message; clients grep for "the job's name is invalid". */
export const INVALID_NAME_MESSAGE = "the job's name is invalid. Allowed names: '([\\w\\.-]+)'";
/** Names are Raft keys, Mesos task-id parts and ZooKeeper-style paths: keep them short. */
export const MAX_NAME_LENGTH = 255;

/** One rule's outcome: the value to store, or a message for the 400. */
export type RuleResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

function fail<T>(message: string): RuleResult<T> {
  return { ok: false, message };
}
function pass<T>(value: T): RuleResult<T> {
  return { ok: true, value };
}

export function checkJobName(name: string): RuleResult<string> {
  if (!JOB_NAME_PATTERN.test(name)) return fail(INVALID_NAME_MESSAGE);
  if (name.length > MAX_NAME_LENGTH) return fail(`name: longer than ${MAX_NAME_LENGTH} characters`);
  return pass(name);
}

/**
 * Parent and event names follow the job-name rule; duplicates collapse (Chronos keeps parents as
 * a set) and first-seen order is kept so serialisation is deterministic.
 */
export function checkNameList(field: 'parents' | 'events', names: readonly string[]): RuleResult<string[]> {
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    if (!JOB_NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH) {
      return fail(`${field}[${index}]: '${name}' is not a valid name (letters, digits, '_', '.', '-')`);
    }
    seen.add(name);
  }
  return pass([...seen]);
}

const OPERATORS: readonly ConstraintOperator[] = ['EQUALS', 'LIKE', 'UNLIKE'];

/**
 * Chronos silently drops unknown operators and answers 500 for a bad regex; Kairos rejects both
 * with a 400 (spec §3.16 "validate everything up front").
 */
export function checkConstraints(raw: readonly (readonly string[])[]): RuleResult<Constraint[]> {
  const constraints: Constraint[] = [];
  for (const [index, triple] of raw.entries()) {
    const [attribute = '', operatorText = '', value = ''] = triple;
    const operator = OPERATORS.find((known) => known === operatorText.toUpperCase());
    if (operator === undefined) {
      return fail(`constraints[${index}]: unknown operator '${operatorText}' (use EQUALS, LIKE or UNLIKE)`);
    }
    if (attribute === '') return fail(`constraints[${index}]: the attribute name is empty`);
    if (operator !== 'EQUALS' && !isValidRegex(value)) {
      return fail(`constraints[${index}]: '${value}' is not a valid regular expression`);
    }
    constraints.push({ attribute, operator, value });
  }
  return pass(constraints);
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(`^(?:${source})$`);
    return true;
  } catch {
    return false;
  }
}

/**
 * `uris` is the deprecated form of `fetch`. Chronos refuses both on create, with this message.
 * Kairos accepts both when `uris` merely mirrors `fetch` — that is what `GET /jobs` returns, so a
 * client that re-posts what it read is not refused — and then keeps only `fetch`.
 */
export function checkFetch(
  name: string,
  uris: readonly string[],
  fetch: readonly FetchEntry[],
): RuleResult<{ uris: readonly string[]; fetch: readonly FetchEntry[] }> {
  if (uris.length === 0 || fetch.length === 0) return pass({ uris, fetch });
  const mirrored = uris.length === fetch.length && uris.every((uri, index) => fetch[index]?.uri === uri);
  if (!mirrored) return fail(`Tried to add both uri (deprecated) and fetch parameters on ${name}`);
  const fromUris = fetch.every(
    (entry) =>
      entry.extract === FETCH_DEFAULTS.extract &&
      entry.executable === FETCH_DEFAULTS.executable &&
      entry.cache === FETCH_DEFAULTS.cache &&
      entry.outputFile === null,
  );
  // An echo of plain uris keeps the 2.x form; anything richer keeps fetch.
  return pass(fromUris ? { uris, fetch: [] } : { uris: [], fetch });
}

/** cpus/mem/disk: missing or 0 takes the flag default (Chronos' deserializer does the same). */
export function checkResource(field: 'cpus' | 'mem' | 'disk', value: number | undefined, fallback: number): RuleResult<number> {
  if (value === undefined || value === 0) return pass(fallback);
  if (value < 0) return fail(`${field}: must not be negative`);
  return pass(value);
}

/** Epsilon uses the schedule module's duration grammar, so one ISO8601 reader serves Kairos. */
export function checkEpsilon(text: string): RuleResult<string> {
  const normalised = text.trim().toUpperCase();
  const parsed = parseDurationMs(normalised);
  if (typeof parsed === 'string') return fail(`epsilon: ${parsed}`);
  return pass(normalised);
}

/** A stored job's epsilon in ms (validated, so it always parses). */
export function epsilonMsOf(job: { readonly epsilon: string }): number {
  const parsed = parseDurationMs(job.epsilon);
  assert(typeof parsed === 'number', `stored epsilon '${job.epsilon}' does not parse`);
  return parsed;
}

export function checkInstant(field: 'lastSuccess' | 'lastError', text: string | undefined): RuleResult<number | null> {
  if (text === undefined) return pass(null);
  const parsed = parseInstantMs(text);
  if (!parsed.ok) return fail(`${field}: ${parsed.reason}`);
  return pass(parsed.ms);
}
