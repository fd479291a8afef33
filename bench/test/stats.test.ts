/**
 * Goal: the statistics every benchmark table relies on are right. Method: worked examples of
 * nearest-rank percentiles, then fast-check properties over random samples (a percentile is a
 * sample, lies within [min, max], and never decreases as p grows; SampleBuffer keeps order).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, SampleBuffer, summarize } from '../lib/stats.js';

describe('percentiles (nearest rank)', () => {
  it('matches worked examples', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(median([5, 1, 9])).toBe(5);
    const hundred = Array.from({ length: 100 }, (_unused, index) => index + 1);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 90)).toBe(90);
  });

  it('is NaN for no samples, and summarize says so', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).count).toBe(0);
    expect(summarize([]).p99).toBeNaN();
  });

  test.prop([fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true })])(
    'a percentile is a sample within [min, max] and grows with p',
    (samples, pA, pB) => {
      const [low, high] = pA <= pB ? [pA, pB] : [pB, pA];
      const atLow = percentile(samples, low);
      const atHigh = percentile(samples, high);
      expect(samples).toContain(atLow);
      expect(atLow).toBeLessThanOrEqual(atHigh);
      const summary = summarize(samples);
      expect(summary.min).toBeLessThanOrEqual(summary.p50);
      expect(summary.p50).toBeLessThanOrEqual(summary.p99);
      expect(summary.p99).toBeLessThanOrEqual(summary.max);
    },
  );

  test.prop([fc.array(fc.double({ noNaN: true }), { maxLength: 5000 })])('SampleBuffer keeps every sample in order', (samples) => {
    const buffer = new SampleBuffer();
    for (const sample of samples) buffer.push(sample);
    expect(Array.from(buffer.toArray())).toEqual(samples.map((sample) => (Object.is(sample, -0) ? -0 : sample)));
  });
});

describe('ratio', () => {
  it('divides, and is NaN rather than Infinity when a side is missing or zero', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(undefined, 2)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
  });
});
