/**
 * ISO8601 durations as Chronos 2.x writes `epsilon` (`PT60S`, `PT15M`, `P1DT2H`): parse to
 * milliseconds. Only fields of fixed length are allowed (weeks, days, hours, minutes, seconds
 * with an optional fraction): epsilon is a window of elapsed time, and a month has no fixed
 * length. Days count as 24 h here (a deadline, not a wall-clock period).
 *
 * Pure module.
 */

const DURATION_PATTERN =
  /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,3}))?S)?)?$/;
const CALENDAR_FIELD_PATTERN = /^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T.*)?$/;

/** A parsed duration, or why the text is not one. */
export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

export function parseIsoDurationMs(text: string): DurationResult {
  const trimmed = text.trim().toUpperCase();
  const match = DURATION_PATTERN.exec(trimmed);
  if (match === null || trimmed === 'P' || trimmed.endsWith('T')) {
    const calendar = CALENDAR_FIELD_PATTERN.test(trimmed) && /^P(\d+Y|\d+M)/.test(trimmed);
    return {
      ok: false,
      reason: calendar
        ? `'${text}' uses years or months, which have no fixed length`
        : `'${text}' is not an ISO8601 duration such as PT60S`,
    };
  }
  const [, weeks, days, hours, minutes, seconds, fraction] = match;
  const ms =
    toInt(weeks) * 604_800_000 +
    toInt(days) * 86_400_000 +
    toInt(hours) * 3_600_000 +
    toInt(minutes) * 60_000 +
    toInt(seconds) * 1_000 +
    (fraction === undefined ? 0 : Number(fraction.padEnd(3, '0')));
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: `'${text}' is too long` };
  return { ok: true, ms };
}

function toInt(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits);
}
