/**
 * The Chronos job model: types, validation (`validateJob`), serialisation (`toChronosJson`).
 * Import from here; the files behind it are an implementation detail.
 */
export * from './job.js';
export { CHRONOS_JOB_DEFAULTS, type JobDefaults } from './defaults.js';
export { jobInputSchema, type JobInput } from './schema.js';
export { formatInstant, parseInstantMs } from './timestamps.js';
export { epsilonMsOf, INVALID_NAME_MESSAGE, JOB_NAME_PATTERN, MAX_NAME_LENGTH } from './rules.js';
export { checkTimeZone, scheduleCheckAt, scheduleCheckFromParser, type ScheduleCheck } from './schedule-check.js';
export {
  NO_PARENTS_MESSAGE,
  NO_TRIGGER_MESSAGE,
  validateJob,
  type JobValidation,
  type SubmitKind,
  type ValidationContext,
} from './validate.js';
export { toChronosJson, type ChronosVersion, type JsonObject, type JsonValue, type SerializeOptions } from './serialize.js';
export { orphanChild, reparentChild } from './removal.js';
