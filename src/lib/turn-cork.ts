/**
 * Corks a writable stream for the rest of the current event-loop turn: everything written in
 * the turn leaves in one syscall (one writev) when the turn's next tick uncorks it. Shared by the
 * agent link (frames) and the scheduler event streams (RecordIO records).
 */
interface Corkable {
  cork(): void;
  uncork(): void;
}

export class TurnCork {
  private corked = false;

  constructor(private readonly stream: Corkable) {}

  /** Corks the stream unless this turn already did; the next tick uncorks it. */
  hold(): void {
    if (this.corked) return;
    this.corked = true;
    this.stream.cork();
    process.nextTick(() => this.flush());
  }

  /** Uncorks now (before closing the stream: what this turn wrote must not be lost). */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.stream.uncork();
  }
}
