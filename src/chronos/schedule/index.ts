/**
 * Public surface of Chronos schedule maths (pure): parse a job's schedule in its zone, ask for
 * fire instants, store and restore it. See README.md for semantics and the DST policy.
 */
export {
  parseSchedule,
  nextFire,
  firesBetween,
  iterateFires,
  latestFireAtOrBefore,
  remainingFires,
  describeSchedule,
  toScheduleSpec,
  fromScheduleSpec,
  type Schedule,
  type CronSchedule,
  type ScheduleSpec,
  type ParseScheduleOptions,
} from './schedule.js';
export { compileCron, nextCronFire, type CompiledCron } from './cron.js';
export { parseIso8601, INFINITE_REPETITIONS, type Iso8601Schedule } from './iso8601.js';
export { parseDurationMs, parsePeriod, type Period } from './period.js';
export { resolveTimeZone, isValidTimeZone, type TimeZone } from './zone.js';
export { ScheduleError, ZoneError } from './errors.js';
