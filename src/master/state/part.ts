/**
 * A replicated state part: one concern of the master's state machine (registry, Chronos jobs
 * and runs, …) that owns the commands whose `t` starts with its prefix. Parts are pure and
 * deterministic like the machine itself: `apply` never throws for a command it rejects and never
 * reads a clock (timestamps travel inside commands).
 */
export type ApplyResult = { ok: true; value?: unknown } | { ok: false; error: string };

/** A decoded command: a `t` naming it, plus its fields. */
export interface PartCommand {
  t: string;
  [field: string]: unknown;
}

export interface StatePart {
  /** Command types this part owns start with this prefix followed by a dot, e.g. `chronos`. */
  readonly prefix: string;
  apply(command: PartCommand, index: number): ApplyResult;
  /** Plain data for the snapshot document (encoded with msgpackr records). */
  toSnapshot(): unknown;
  restore(data: unknown): void;
  /** Optional: called after each applied command of this part (leader services watch it). */
  onApplied?: ((command: PartCommand, result: ApplyResult, index: number) => void) | null;
}
