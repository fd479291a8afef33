/**
 * Parsing of the five cron fields into bit masks (pure).
 *
 * Grammar per field: a comma-separated list of items; an item is `*`, a value, or a range
 * `a-b`, optionally followed by `/step`. A single value with a step (`5/15`) means `5-max/15`.
 * Months accept JAN–DEC and weekdays SUN–SAT (case-insensitive); weekday 7 is Sunday. `?` is a
 * synonym of `*` in the day-of-month and day-of-week fields (Quartz habit). `L`, `W`, `#`
 * and `H` are not supported (the spec does not ask for them) and are rejected with a reason.
 */

/** Range and names of one cron field. */
export interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Whether `?` is accepted as a synonym of `*`. */
  readonly allowsQuestionMark?: boolean;
}

export const MINUTE_FIELD: FieldSpec = { name: 'minute', min: 0, max: 59 };
export const HOUR_FIELD: FieldSpec = { name: 'hour', min: 0, max: 23 };
export const DAY_OF_MONTH_FIELD: FieldSpec = { name: 'day-of-month', min: 1, max: 31, allowsQuestionMark: true };
export const MONTH_FIELD: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
export const DAY_OF_WEEK_FIELD: FieldSpec = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  allowsQuestionMark: true,
};

/** A field parse failure; cron.ts wraps it in a ScheduleError with the whole expression. */
export class CronFieldError extends Error {}

/**
 * The values a field selects as two bit masks: value v sets bit v of `low` when v < 30, else
 * bit v − 30 of `high` (every field's values fit in 60 bits; 30-bit halves stay small ints).
 */
export interface FieldBits {
  readonly low: number;
  readonly high: number;
}

/** Parse a field to bits; throws CronFieldError with a reason. */
export function parseCronFieldBits(text: string, spec: FieldSpec): FieldBits {
  if (text.length === 0) throw new CronFieldError(`empty ${spec.name} field`);
  let low = 0;
  let high = 0;
  for (const item of text.split(',')) {
    const [first, last, step] = parseItem(item, spec);
    for (let value = first; value <= last; value += step) {
      if (value < 30) low |= 1 << value;
      else high |= 1 << (value - 30);
    }
  }
  return { low, high };
}

/** The values a field selects, ascending (used by tests as an independent reference). */
export function parseCronField(text: string, spec: FieldSpec): number[] {
  const bits = parseCronFieldBits(text, spec);
  const values: number[] = [];
  for (let value = 0; value < 60; value++) {
    const word = value < 30 ? bits.low : bits.high;
    if ((word & (1 << value % 30)) !== 0) values.push(value);
  }
  return values;
}

/** An item as [first, last, step]. */
function parseItem(item: string, spec: FieldSpec): [number, number, number] {
  const [rangeText = '', stepText, extra] = item.split('/');
  if (extra !== undefined) throw new CronFieldError(`'${item}' in the ${spec.name} field has two steps`);
  const step = stepText === undefined ? 1 : parseStep(stepText, item, spec);
  const [first, last] = parseRange(rangeText, stepText !== undefined, spec);
  return [first, last, step];
}

function parseStep(text: string, item: string, spec: FieldSpec): number {
  if (!/^\d+$/.test(text) || Number(text) === 0) {
    throw new CronFieldError(`step in '${item}' (${spec.name} field) must be a positive integer`);
  }
  return Number(text);
}

/** `*`, `?`, `a`, `a-b` → inclusive bounds; a lone value with a step runs to the field's max. */
function parseRange(text: string, hasStep: boolean, spec: FieldSpec): [number, number] {
  if (text === '*' || (text === '?' && spec.allowsQuestionMark === true)) return [spec.min, spec.max];
  const parts = text.split('-');
  if (parts.length > 2) throw new CronFieldError(`'${text}' is not a range in the ${spec.name} field`);
  const low = parseValue(parts[0] ?? '', spec);
  if (parts.length === 1) return [low, hasStep ? spec.max : low];
  const high = parseValue(parts[1] ?? '', spec);
  if (high < low) throw new CronFieldError(`range '${text}' in the ${spec.name} field runs backwards`);
  return [low, high];
}

function parseValue(text: string, spec: FieldSpec): number {
  const nameIndex = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (nameIndex >= 0) return nameIndex + (spec.name === 'month' ? 1 : 0);
  if (!/^\d+$/.test(text)) {
    const hint = /[LW#H]/i.test(text) ? ' (L, W, # and H are not supported)' : '';
    throw new CronFieldError(`'${text}' is not a valid ${spec.name} value${hint}`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw new CronFieldError(`${spec.name} value ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}
