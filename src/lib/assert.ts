/**
 * Invariant checks. A failed assertion is a bug: it throws and is never caught in a core.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, context = 'unexpected value'): never {
  throw new AssertionError(`${context}: ${JSON.stringify(value)}`);
}
