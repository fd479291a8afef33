/**
 * A digest of an agent's tasks by (framework id, task id, state): what a re-registering agent
 * sends instead of listing them when the new leader can check it (messages.ts `digest`), and what
 * the registry keeps for each agent (registry/indexes.ts).
 *
 * Equal digests mean that the agent runs exactly the tasks the registry holds on it, each in the
 * state the registry has (but for a chance collision, about 2⁻⁶⁴ if the lanes behave as random):
 * the case in which reconciling the list would change nothing. The value depends only on the set
 * of triples, not on their order or history, so the agent and every replica (replayed or restored)
 * compute it alike. Each triple hashes to 64 bits: two 32-bit lanes, each a multiply–xor hash of
 * the fields' UTF-16 units with separators, finished with an avalanche. The digest is the count
 * and the lanes' sums mod 2³², so a task can be taken out as cheaply as it was put in.
 */
export class TaskDigest {
  private count = 0;
  private low = 0;
  private high = 0;

  add(frameworkId: string, taskId: string, state: string): this {
    this.low = (this.low + avalanche(laneA(laneA(laneA(SEED_A, frameworkId), taskId), state))) | 0;
    this.high = (this.high + avalanche(laneB(laneB(laneB(SEED_B, frameworkId), taskId), state))) | 0;
    this.count++;
    return this;
  }

  /** Takes back an `add` of the same triple (the registry keeps its digests current task by task). */
  remove(frameworkId: string, taskId: string, state: string): this {
    this.low = (this.low - avalanche(laneA(laneA(laneA(SEED_A, frameworkId), taskId), state))) | 0;
    this.high = (this.high - avalanche(laneB(laneB(laneB(SEED_B, frameworkId), taskId), state))) | 0;
    this.count--;
    return this;
  }

  get size(): number {
    return this.count;
  }

  /** `count:hex16`, e.g. `10:00f3…`. */
  value(): string {
    return `${this.count}:${hex(this.high)}${hex(this.low)}`;
  }
}

const SEED_A = 0x9e3779b9;
const PRIME_A = 0x01000193;
const SEED_B = 0x85ebca6b;
const PRIME_B = 0x5bd1e995;

/** The digest of `tasks` (any order). */
export function taskDigestOf(tasks: Iterable<{ frameworkId: string; taskId: string; state: string }>): string {
  const digest = new TaskDigest();
  for (const task of tasks) digest.add(task.frameworkId, task.taskId, task.state);
  return digest.value();
}

/** Longest digest a hello may carry (a count of up to 12 digits, a colon, 16 hex digits). */
export const MAX_TASK_DIGEST_LENGTH = 29;

/** One field into a lane, then a separator that no UTF-16 unit (at most 0xffff) can equal, so
 * ("ab", "c") and ("a", "bc") hash apart. One function per lane keeps each multiplier a constant. */
function laneA(hash: number, field: string): number {
  let h = hash;
  for (let i = 0; i < field.length; i++) h = Math.imul(h ^ field.charCodeAt(i), PRIME_A);
  return Math.imul(h ^ 0xffff_ffff, PRIME_A);
}

function laneB(hash: number, field: string): number {
  let h = hash;
  for (let i = 0; i < field.length; i++) h = Math.imul(h ^ field.charCodeAt(i), PRIME_B);
  return Math.imul(h ^ 0xffff_ffff, PRIME_B);
}

/** A 32-bit finaliser: every input bit affects every output bit. */
function avalanche(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
