/**
 * Summary statistics for benchmark samples. Percentiles use the nearest-rank method on a sorted
 * copy, so p50 of [1, 2, 3, 4] is 2 and p100 is the maximum; no interpolation hides outliers.
 */

/** A distribution reduced to the figures the tables print. Units are the caller's. */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Sorted ascending copy; never mutates the input (callers keep raw order for the JSON). */
export function sortedCopy(samples: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(samples);
  copy.sort();
  return copy;
}

/** Nearest-rank percentile of ALREADY SORTED samples; p in [0, 100]. NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  // At least rank 1: a tiny p can underflow the product to 0.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(samples), p);
}

/** Median; for an even count the lower middle (nearest rank), consistent with percentile(50). */
export function median(samples: ArrayLike<number>): number {
  return percentile(samples, 50);
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = sortedCopy(samples);
  let total = 0;
  for (const value of sorted) total += value;
  return {
    count: sorted.length,
    min: sorted.length === 0 ? Number.NaN : (sorted[0] as number),
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
  };
}

/** ours ÷ reference, or NaN when either side is missing, so a table shows "n/a" not Infinity. */
export function ratio(ours: number | undefined, reference: number | undefined): number {
  if (ours === undefined || reference === undefined) return Number.NaN;
  if (!Number.isFinite(ours) || !Number.isFinite(reference) || reference === 0) return Number.NaN;
  return ours / reference;
}

/** Growable Float64 sample buffer: a closed loop at 1,000 in flight records ~10^5 samples/s. */
export class SampleBuffer {
  private values = new Float64Array(1024);
  private length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  get count(): number {
    return this.length;
  }

  toArray(): Float64Array {
    return this.values.slice(0, this.length);
  }
}
