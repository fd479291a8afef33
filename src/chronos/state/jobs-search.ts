/**
 * Substring search over every job's lowercased name and command, for `/jobs/search` at tens of
 * thousands of jobs: instead of testing each job, the texts are joined into one string per field
 * (separated by a NUL) and scanned with `indexOf`, which runs natively over the whole string.
 * The index is rebuilt lazily after the store changed, on the next search.
 *
 * Pure module.
 */

const SEPARATOR = '\u0000';

/** One field (name or command) of every job, in store order. */
class FieldIndex {
  private readonly text: string;
  /** Start offset of each job's text in `text`. */
  private readonly starts: Int32Array;

  constructor(values: readonly string[]) {
    this.text = values.join(SEPARATOR);
    this.starts = new Int32Array(values.length);
    let offset = 0;
    values.forEach((value, index) => {
      this.starts[index] = offset;
      offset += value.length + SEPARATOR.length;
    });
  }

  /** Positions (store order) of the jobs whose value contains `needle` (non-empty, no NUL). */
  matching(needle: string): number[] {
    const found: number[] = [];
    for (let at = this.text.indexOf(needle); at >= 0; ) {
      const job = this.jobAt(at);
      found.push(job);
      // Continue after this job's value: one hit per job.
      const next = job + 1 < this.starts.length ? (this.starts[job + 1] as number) : this.text.length;
      at = this.text.indexOf(needle, next);
    }
    return found;
  }

  private jobAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

/** What `/jobs/search` filters on; '' = no filter. Lowercased by the caller. */
export interface SearchTerms {
  readonly name: string;
  readonly command: string;
  readonly any: string;
}

export class SearchIndex {
  private readonly names: FieldIndex;
  private readonly commands: FieldIndex;

  /** `entries`: every job's lowercased name and command, in store order. */
  constructor(private readonly entries: ReadonlyArray<{ readonly name: string; readonly command: string }>) {
    this.names = new FieldIndex(entries.map((entry) => entry.name));
    this.commands = new FieldIndex(entries.map((entry) => entry.command));
  }

  /**
   * Positions (ascending, store order) of the matching jobs: name AND command contain their
   * terms, or — Chronos' quirk — `any` is in the name or the command.
   */
  matching(terms: SearchTerms): number[] {
    if ([terms.name, terms.command, terms.any].some((term) => term.includes(SEPARATOR))) return this.scan(terms);
    let base: number[] | null = null; // null = every job
    if (terms.name !== '') base = this.names.matching(terms.name);
    if (terms.command !== '') {
      const withCommand = this.commands.matching(terms.command);
      base = base === null ? withCommand : intersect(base, new Set(withCommand));
    }
    if (base === null) return this.entries.map((_entry, index) => index);
    if (terms.any === '') return base;
    const union = new Set([...base, ...this.names.matching(terms.any), ...this.commands.matching(terms.any)]);
    return [...union].sort((a, b) => a - b);
  }

  /** The plain per-job test, for terms the joined text cannot answer. */
  private scan(terms: SearchTerms): number[] {
    const found: number[] = [];
    this.entries.forEach((entry, index) => {
      const matches =
        (entry.name.includes(terms.name) && entry.command.includes(terms.command)) ||
        (terms.any !== '' && (entry.name.includes(terms.any) || entry.command.includes(terms.any)));
      if (matches) found.push(index);
    });
    return found;
  }
}

function intersect(sorted: readonly number[], keep: ReadonlySet<number>): number[] {
  return sorted.filter((index) => keep.has(index));
}
