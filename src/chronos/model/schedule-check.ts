/**
 * How job validation asks whether a schedule can be used. Schedule maths lives in
 * src/chronos/schedule (ISO8601 repeating intervals, cron, zones); validation only needs a yes
 * or a message, so it takes this small function and tests can pass a stub.
 *
 * Pure module.
 */
import { isValidTimeZone } from '../schedule/zone.js';
import { ZoneError } from '../schedule/errors.js';

/**
 * null when `scheduleText` parses in zone `zoneId` ('' = the schedule's own offset, or UTC);
 * otherwise the 400 message, which should start "Cannot parse schedule '<text>'" — Chronos'
 * wording, which operators and scripts look for (spec §1.3).
 */
export type ScheduleCheck = (scheduleText: string, zoneId: string) => string | null;

/** Adapts a parser that throws on bad input (such as `parseSchedule`) to a ScheduleCheck. */
export function scheduleCheckFromParser(parse: (scheduleText: string, zoneId: string) => unknown): ScheduleCheck {
  return (scheduleText, zoneId) => {
    try {
      parse(scheduleText, zoneId);
      return null;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return reason.startsWith('Cannot parse schedule') ? reason : `Cannot parse schedule '${scheduleText}': ${reason}`;
    }
  };
}

/**
 * null for '' or a known zone (IANA name, legacy Chronos alias such as PST/BST, fixed offset);
 * otherwise the message. Chronos turns unknown ids into UTC silently; Kairos refuses them
 * (spec §3.16, Appendix B.5).
 */
export function checkTimeZone(zoneId: string): string | null {
  if (zoneId === '' || isValidTimeZone(zoneId)) return null;
  return `scheduleTimeZone: ${new ZoneError(zoneId).message}`;
}
