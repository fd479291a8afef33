/**
 * Trigger lateness: how long after its scheduled instant each run was handed to Raft. Keeps
 * the most recent samples in a fixed ring (bounded memory on a long-lived leader) and
 * summarises them with nearest-rank percentiles.
 */

/** Lateness figures in ms over the retained samples. */
export interface LatenessSummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class LatenessRecorder {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity = 100_000) {
    this.samples = new Float64Array(capacity);
  }

  record(latenessMs: number): void {
    this.samples[this.next] = latenessMs;
    this.next = (this.next + 1) % this.samples.length;
    this.filled = Math.min(this.filled + 1, this.samples.length);
  }

  summary(): LatenessSummary {
    if (this.filled === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
    const sorted = this.samples.slice(0, this.filled).sort();
    const at = (p: number): number => sorted[Math.max(0, Math.ceil(p * this.filled) - 1)] as number;
    return { count: this.filled, p50: at(0.5), p99: at(0.99), max: sorted[this.filled - 1] as number };
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
  }
}
