/**
 * Deterministic stand-ins for `crypto.randomUUID` (master ids, stream ids, agent ids, status
 * update uuids), installed by the test files with `vi.mock('node:crypto')` so that a seed replays
 * exactly. Reset at the start of every seed.
 */
let counter = 0;

export function resetIds(): void {
  counter = 0;
}

export function nextUuid(): `${string}-${string}-${string}-${string}-${string}` {
  counter += 1;
  const hex = counter.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}
