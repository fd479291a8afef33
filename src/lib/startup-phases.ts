/**
 * Start-up phase timings: how long a process took, from its own start, to reach each named step.
 * A replica that restarts slowly (a busy disk, a cold page cache) says where the time went in
 * the one log line that announces it serving, instead of leaving it to guesswork.
 */
export class StartupPhases {
  private last = 0;
  private readonly phases: Record<string, number> = {};

  /** Records the time since the previous mark (or since the process started) under `name`. */
  mark(name: string): void {
    const now = performance.now();
    this.phases[name] = Math.round(now - this.last);
    this.last = now;
  }

  /** Milliseconds per phase in order, and `totalMs` since the process started. */
  summary(): Record<string, number> {
    return { ...this.phases, totalMs: Math.round(this.last) };
  }
}
