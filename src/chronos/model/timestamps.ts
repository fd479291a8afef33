/**
 * `lastSuccess` / `lastError` timestamps: Chronos writes UTC ISO8601 with milliseconds
 * (`2014-03-08T16:57:17.507Z`) or `""` for never (spec §2.1). Kairos keeps epoch ms (or null)
 * inside the job and converts at the JSON boundary.
 *
 * Pure module: converts given instants, never reads a clock.
 */

/** Date-time with a zone designator; seconds and fraction optional (what Joda's parser reads). */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;

export type InstantResult = { readonly ok: true; readonly ms: number | null } | { readonly ok: false; readonly reason: string };

/** '' → null (never happened); an ISO instant → epoch ms. */
export function parseInstantMs(text: string): InstantResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, ms: null };
  const match = ISO_INSTANT.exec(trimmed);
  const ms = match === null ? Number.NaN : Date.parse(normaliseZone(trimmed, match));
  if (!Number.isFinite(ms) || match === null || !isRealCalendarDay(match)) {
    return { ok: false, reason: `'${text}' is not an ISO8601 instant such as 2014-03-08T16:57:17.507Z` };
  }
  return { ok: true, ms };
}

/** Date.parse rolls Feb 31 over into March and accepts hour 24; Chronos (Joda) rejects both. */
function isRealCalendarDay(match: RegExpExecArray): boolean {
  const [year, month, day, hour] = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return hour < 24 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Date.parse accepts `+hh:mm` but not `+hh` or `+hhmm`; rewrite those forms. */
function normaliseZone(text: string, match: RegExpExecArray): string {
  const zone = match[8] ?? 'Z';
  if (zone === 'Z' || zone.includes(':')) return text;
  const fixed = zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return text.slice(0, text.length - zone.length) + fixed;
}

/** null → ''; epoch ms → `yyyy-MM-ddTHH:mm:ss.SSSZ`. */
export function formatInstant(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}
