/**
 * Lenient JSON scalars, as Chronos' Jackson tree deserializer reads them (spec §1.1): numbers may
 * arrive as strings ("0.5"), booleans as "true"/"false", strings as numbers, and null means
 * "use the default". Anything else is a 400 naming the field — Kairos does not reproduce
 * Jackson's silent fallbacks (`asBoolean("yes")` = false) because they hide client mistakes.
 */
import * as z from 'zod';

/** null → undefined, so that null and a missing field both take the default. */
export function optional<T extends z.ZodType>(schema: T): z.ZodType<z.output<T> | undefined> {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

/** A number, or a string holding one (`"cpus": "0.5"`). */
export const lenientNumber = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value),
  z.number({ error: 'expected a number' }).finite({ error: 'expected a finite number' }),
);

/** A non-negative whole number, or a string holding one. */
export const lenientCount = lenientNumber
  .pipe(z.number().int({ error: 'expected a whole number' }))
  .pipe(z.number().min(0, { error: 'must not be negative' }).max(Number.MAX_SAFE_INTEGER, { error: 'is too large' }));

/** A boolean, or the strings "true"/"false" in any case. */
export const lenientBoolean = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return value;
}, z.boolean({ error: 'expected a boolean' }));

/** A string; numbers and booleans are taken as their text (Jackson `asText`). */
export const lenientString = z.preprocess(
  (value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value),
  z.string({ error: 'expected a string' }),
);

/** A list of strings. */
export const stringList = z.array(lenientString, { error: 'expected an array of strings' });
