/** v0 resource summaries: scalars summed, ranges merged into Mesos's text, sets listed. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { mergeRanges, summarize } from '../../../../src/master/api/operator/resource-summary.js';

describe('summarize', () => {
  it('sums scalars, merges ranges and lists sets; the four scalars are always there', () => {
    expect(summarize([])).toEqual({ cpus: 0, mem: 0, disk: 0, gpus: 0 });
    expect(summarize(
      [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31005, end: 31010 }] } }],
      [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31004 }, { begin: 31020, end: 31020 }] } }],
      [{ name: 'zones', type: 'SET', set: { item: ['b', 'a'] } }],
    )).toEqual({ cpus: 0.3, mem: 0, disk: 0, gpus: 0, ports: '[31000-31010, 31020-31020]', zones: '{a, b}' });
  });
});

describe('mergeRanges', () => {
  const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 }));
  test.prop([fc.array(range, { maxLength: 12 })])('covers exactly the same ports, sorted, with gaps between ranges', (ranges) => {
    const covered = (list: ReadonlyArray<readonly [number, number]>) => {
      const set = new Set<number>();
      for (const [a, b] of list) for (let p = Math.min(a, b); p <= Math.max(a, b); p++) set.add(p);
      return [...set].sort((x, y) => x - y);
    };
    const merged = mergeRanges(ranges);
    expect(covered(merged)).toEqual(covered(ranges));
    for (let i = 1; i < merged.length; i++) expect(merged[i]![0]).toBeGreaterThan(merged[i - 1]![1] + 1);
  });
});
