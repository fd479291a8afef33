/**
 * The one entry point the Chronos job model and trigger engine use: a job's `schedule` text
 * (ISO8601 repeating interval or cron expression) plus `scheduleTimeZone` → Schedule, and the
 * questions the trigger asks of it. Pure.
 *
 * Which grammar: text starting with `R` is ISO8601 (`R/…`, `R5/…`); anything else is cron
 * (`0 0 * * *`, `@daily`). Errors are ScheduleError / ZoneError (HTTP 400).
 *
 * Time arguments are epoch ms. "After" is always strict: nextFire(s, t) > t, so feeding a fire
 * time back in yields the following one. Null means the schedule never fires again.
 *
 * Replicated state should store a ScheduleSpec (toScheduleSpec): plain JSON/msgpack data that
 * rebuilds the identical Schedule on any replica without the wall clock (an empty ISO start has
 * already been pinned to the proposal time).
 */
import { assert } from '../../lib/assert.js';
import { MINUTE_MS, DAY_MS } from './calendar.js';
import { compileCron, nextCronFire, type CompiledCron } from './cron.js';
import { ScheduleError } from './errors.js';
import {
  iso8601FromParts,
  latestIso8601FireAtOrBefore,
  nextIso8601Fire,
  parseIso8601,
  remainingIso8601Fires,
  toChronosScheduleString,
  type Iso8601Schedule,
} from './iso8601.js';
import { parsePeriod } from './period.js';
import { resolveTimeZone, type TimeZone } from './zone.js';

/** A cron schedule bound to its zone. */
export interface CronSchedule {
  readonly kind: 'cron';
  readonly expression: string;
  readonly compiled: CompiledCron;
  readonly zone: TimeZone;
}

export type Schedule = Iso8601Schedule | CronSchedule;

/** Serialisable form for the replicated state (numbers and strings only). */
export type ScheduleSpec =
  | { readonly kind: 'iso8601'; readonly repetitions: number; readonly startLocalMs: number; readonly zone: string; readonly period: string }
  | { readonly kind: 'cron'; readonly expression: string; readonly zone: string };

/** Options: nowMs pins an empty ISO8601 start (`R//PT1H`); required only for that form. */
export interface ParseScheduleOptions {
  readonly nowMs?: number;
}

/** Parse a job's schedule text in its `scheduleTimeZone` ('' = UTC, or the start's own offset for ISO8601). */
export function parseSchedule(text: string, zoneId = '', options: ParseScheduleOptions = {}): Schedule {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ScheduleError(text, 'the schedule is empty');
  if (trimmed.startsWith('R')) {
    const isoOptions = options.nowMs === undefined ? { zoneId } : { zoneId, nowMs: options.nowMs };
    return parseIso8601(trimmed, isoOptions);
  }
  const zone = resolveTimeZone(zoneId);
  return { kind: 'cron', expression: trimmed, compiled: compileCron(trimmed), zone };
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** The first fire instant strictly after afterMs, or null when the schedule is exhausted. */
export function nextFire(schedule: Schedule, afterMs: number): number | null {
  if (schedule.kind === 'iso8601') return orNull(nextIso8601Fire(schedule, afterMs));
  return orNull(nextCronFire(schedule.compiled, schedule.zone, afterMs));
}

/** Fire instants in (afterMs, untilMs], ascending, at most `limit` of them. */
export function firesBetween(schedule: Schedule, afterMs: number, untilMs: number, limit: number): number[] {
  assert(limit >= 0 && Number.isInteger(limit), `firesBetween: bad limit ${limit}`);
  const fires: number[] = [];
  let cursor = afterMs;
  while (fires.length < limit) {
    const next = nextFire(schedule, cursor);
    if (next === null || next > untilMs) break;
    fires.push(next);
    cursor = next;
  }
  return fires;
}

/** Lazily iterate fire instants strictly after afterMs (callers bound the iteration). */
export function* iterateFires(schedule: Schedule, afterMs: number): Generator<number, void, undefined> {
  for (let next = nextFire(schedule, afterMs); next !== null; next = nextFire(schedule, next)) yield next;
}

/**
 * Windows searched backwards for the latest cron fire: each is tried only if the previous one
 * held no fire, so the forward scan inside a window meets few fires (≈ window ÷ previous).
 */
const CRON_LOOKBACK_WINDOWS_MS = [MINUTE_MS + 1, 61 * MINUTE_MS, DAY_MS + MINUTE_MS, 8 * DAY_MS, 32 * DAY_MS, 367 * DAY_MS, 401 * 366 * DAY_MS];

/**
 * The latest fire instant at or before atMs (for "catch up once" after downtime), or null
 * when none exists (a cron pattern is searched at most 400 years back).
 */
export function latestFireAtOrBefore(schedule: Schedule, atMs: number): number | null {
  if (schedule.kind === 'iso8601') return orNull(latestIso8601FireAtOrBefore(schedule, atMs));
  for (const windowMs of CRON_LOOKBACK_WINDOWS_MS) {
    let latest = nextFire(schedule, atMs - windowMs);
    if (latest === null || latest > atMs) continue;
    for (let next = nextFire(schedule, latest); next !== null && next <= atMs; next = nextFire(schedule, latest)) {
      latest = next;
    }
    return latest;
  }
  return null;
}

/** Occurrences left after afterMs: −1 when unbounded (all cron schedules, ISO8601 `R`). */
export function remainingFires(schedule: Schedule, afterMs: number): number {
  return schedule.kind === 'iso8601' ? remainingIso8601Fires(schedule, afterMs) : -1;
}

/**
 * The `schedule` string clients see: ISO8601 in Chronos' rewritten form (next due start,
 * remaining count) once everything up to firedThroughMs is consumed; cron as submitted.
 */
export function describeSchedule(schedule: Schedule, firedThroughMs: number): string {
  return schedule.kind === 'iso8601' ? toChronosScheduleString(schedule, firedThroughMs) : schedule.expression;
}

export function toScheduleSpec(schedule: Schedule): ScheduleSpec {
  if (schedule.kind === 'cron') return { kind: 'cron', expression: schedule.expression, zone: schedule.zone.id };
  return {
    kind: 'iso8601',
    repetitions: schedule.repetitions,
    startLocalMs: schedule.startLocalMs,
    zone: schedule.zone.id,
    period: schedule.period.text,
  };
}

export function fromScheduleSpec(spec: ScheduleSpec): Schedule {
  const zone = resolveTimeZone(spec.zone);
  if (spec.kind === 'cron') return { kind: 'cron', expression: spec.expression, compiled: compileCron(spec.expression), zone };
  const period = parsePeriod(spec.period);
  if (typeof period === 'string') throw new ScheduleError(spec.period, period);
  return iso8601FromParts(spec.repetitions, spec.startLocalMs, zone, period);
}
