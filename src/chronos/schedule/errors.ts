/**
 * Typed validation errors for schedules and time zones. Both are ValidationErrors (HTTP 400 via
 * httpStatusOf) carrying the offending job field, so the Chronos API maps them without
 * inspecting messages.
 *
 * Message compatibility: Chronos 3.x answers an unparseable schedule with
 * "Cannot parse schedule '<text>' (wtf bro)". We keep the "Cannot parse schedule '<text>'"
 * prefix (clients and operators grep for it) and replace the joke with the actual reason.
 */
import { ValidationError } from '../../lib/errors.js';

/** A schedule string (ISO8601 repeating interval or cron expression) that cannot be used. */
export class ScheduleError extends ValidationError {
  constructor(
    readonly scheduleText: string,
    readonly reason: string,
  ) {
    super('schedule', `Cannot parse schedule '${scheduleText}': ${reason}`);
  }
}

/** A `scheduleTimeZone` that is neither an IANA zone, a legacy alias nor a fixed offset. */
export class ZoneError extends ValidationError {
  constructor(readonly zoneId: string) {
    super('scheduleTimeZone', `Unknown time zone '${zoneId}' (use an IANA name such as 'America/New_York')`);
  }
}
