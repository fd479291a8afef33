/**
 * The master link's pure decisions.
 * Goal: fencing refuses exactly the lower terms and never lowers the highest term; backoff
 * stays in [step/2, step] with step doubling from 100 ms to 5 s; hints are followed a bounded
 * number of times, then round robin resumes; a master is silent after N intervals.
 * Method: examples and fast-check properties.
 */
import { test, fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, cursorAfterLoss, fence, masterSilent, nextTarget, wantsPong } from '../../../src/agent/daemon/link-policy.js';

describe('fence', () => {
  it('refuses lower terms, accepts equal and higher', () => {
    expect(fence(5, 4)).toEqual({ accept: false, highestTerm: 5 });
    expect(fence(5, 5)).toEqual({ accept: true, highestTerm: 5, raised: false });
    expect(fence(5, 7)).toEqual({ accept: true, highestTerm: 7, raised: true });
  });

  test.prop([fc.array(fc.nat(100), { maxLength: 50 })])('the highest term never decreases and every accepted term is ≥ all before it', (terms) => {
    let highest = 0;
    for (const term of terms) {
      const verdict = fence(highest, term);
      expect(verdict.accept).toBe(term >= highest);
      expect(verdict.highestTerm).toBe(Math.max(highest, term));
      highest = verdict.highestTerm;
    }
  });
});

describe('backoffDelayMs', () => {
  it('doubles from 100 ms and caps at 5 s', () => {
    expect([0, 1, 2, 3, 6, 20].map((a) => backoffDelayMs(a, 0.999999))).toEqual([100, 200, 400, 800, 5000, 5000]);
    expect(backoffDelayMs(0, 0)).toBe(50);
  });
  test.prop([fc.nat(100), fc.double({ min: 0, max: 1, noNaN: true })])('stays within [step/2, step]', (attempt, unit) => {
    const step = Math.min(5000, 100 * 2 ** Math.min(attempt, 30));
    const delay = backoffDelayMs(attempt, unit);
    expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
    expect(delay).toBeLessThanOrEqual(step);
  });
});

describe('nextTarget', () => {
  const masters = ['a:1', 'b:1', 'c:1'];
  it('goes round robin without hints', () => {
    let cursor = masters.length - 1;
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = nextTarget(masters, cursor, null, 0);
      seen.push(t.address);
      cursor = t.cursor;
    }
    expect(seen).toEqual(['a:1', 'b:1', 'c:1', 'a:1']);
  });
  it('follows a hint at most maxHops times in a row', () => {
    const first = nextTarget(masters, 0, 'x:9', 0, 2);
    expect(first).toEqual({ address: 'x:9', cursor: 0, hops: 1 });
    expect(nextTarget(masters, 0, 'x:9', 1, 2)).toEqual({ address: 'x:9', cursor: 0, hops: 2 });
    expect(nextTarget(masters, 0, 'x:9', 2, 2)).toEqual({ address: 'b:1', cursor: 1, hops: 0 });
  });
  it('passes by the master to avoid: ignores hints naming it and skips it in round robin', () => {
    expect(nextTarget(masters, 0, 'c:1', 0, 3, 'c:1')).toEqual({ address: 'b:1', cursor: 1, hops: 0 });
    expect(nextTarget(masters, 1, null, 0, 3, 'c:1')).toEqual({ address: 'a:1', cursor: 0, hops: 0 });
    expect(nextTarget(masters, 1, 'a:1', 0, 3, 'c:1')).toEqual({ address: 'a:1', cursor: 1, hops: 1 });
    // With one master there is nothing else to dial.
    expect(nextTarget(['a:1'], 0, null, 0, 3, 'a:1')).toEqual({ address: 'a:1', cursor: 0, hops: 0 });
  });
});

describe('cursorAfterLoss', () => {
  const masters = ['m1', 'm2', 'm3'];
  it('sends the next dial to a master drawn from the others, never the lost one', () => {
    const first = (unit: number, lost: string) => nextTarget(masters, cursorAfterLoss(masters, lost, unit), null, 0, 3, lost).address;
    expect(first(0, 'm2')).toBe('m1');
    expect(first(0.49, 'm2')).toBe('m1');
    expect(first(0.5, 'm2')).toBe('m3');
    expect(first(0.999, 'm2')).toBe('m3');
    expect(first(0, 'm1')).toBe('m2');
    expect(first(0.999, 'm3')).toBe('m2');
  });

  it('draws the others evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const address = nextTarget(masters, cursorAfterLoss(masters, 'm3', i / 1_000), null, 0, 3, 'm3').address;
      counts.set(address, (counts.get(address) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ m1: 500, m2: 500 });
  });
});

describe('wantsPong', () => {
  it('asks only after a whole interval without a word from the master', () => {
    expect(wantsPong(1_099, 100, 1_000)).toBe(false);
    expect(wantsPong(1_100, 100, 1_000)).toBe(true);
  });
});

describe('masterSilent', () => {
  it('is true only after missedPongs intervals without news', () => {
    expect(masterSilent(300, 0, 100, 3)).toBe(false);
    expect(masterSilent(301, 0, 100, 3)).toBe(true);
  });
});
