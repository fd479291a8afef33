/**
 * How job validation asks whether a schedule can be used. Schedule maths lives in
 * src/chronos/schedule (ISO8601 repeating intervals, cron, zones); validation only needs a yes
 * or a message, so it takes this small function and tests can pass a stub.
 *
 * Pure module.
 */
import { KairosError } from '../../lib/errors.js';
import { ZoneError } from '../schedule/errors.js';
import { parseSchedule } from '../schedule/schedule.js';
import { isValidTimeZone } from '../schedule/zone.js';

/**
 * null when `scheduleText` parses in zone `zoneId` ('' = the schedule's own offset, or UTC);
 * otherwise the 400 message, which should start "Cannot parse schedule '<text>'" — Chronos'
 * wording, which operators and scripts look for (spec §1.3).
 */
export type ScheduleCheck = (scheduleText: string, zoneId: string) => string | null;

/**
 * Adapts a parser that throws a ValidationError on bad input to a ScheduleCheck. Any other
 * exception is a bug in the parser and propagates (a bug must not turn into a 400).
 */
export function scheduleCheckFromParser(parse: (scheduleText: string, zoneId: string) => unknown): ScheduleCheck {
  return (scheduleText, zoneId) => {
    try {
      parse(scheduleText, zoneId);
      return null;
    } catch (error) {
      if (!(error instanceof KairosError) || error.code !== 'validation') throw error;
      return error.message.startsWith('Cannot parse schedule')
        ? error.message
        : `Cannot parse schedule '${scheduleText}': ${error.message}`;
    }
  };
}

/**
 * The production check: `parseSchedule` from src/chronos/schedule. `nowMs` is the instant an
 * empty ISO8601 start (`R//PT1H`) stands for — the time the leader will propose the job at.
 */
export function scheduleCheckAt(nowMs: number): ScheduleCheck {
  return scheduleCheckFromParser((scheduleText, zoneId) => parseSchedule(scheduleText, zoneId, { nowMs }));
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
