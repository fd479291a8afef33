/**
 * Sandbox GC policy (pure). Goal: expired sandboxes always go; under disk pressure the oldest
 * go first and only until usage fits; fresh sandboxes within the budget stay. Method: examples
 * plus a fast-check property: after the plan, what remains fits the budget (or nothing
 * remains), nothing expired remains, and every kept sandbox is newer than every deleted one
 * that was deleted for space.
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { planSandboxGc } from '../../../src/agent/sandbox-gc.js';

describe('planSandboxGc', () => {
  it('keeps everything fresh and within budget', () => {
    expect(planSandboxGc([{ path: 'a', finishedAtMs: 90, bytes: 10 }], 100, { maxAgeMs: 50, maxTotalBytes: 100 })).toEqual([]);
  });
  it('removes the expired and then the oldest until usage fits', () => {
    const sandboxes = [
      { path: 'new', finishedAtMs: 95, bytes: 40 },
      { path: 'expired', finishedAtMs: 10, bytes: 1 },
      { path: 'older', finishedAtMs: 80, bytes: 40 },
      { path: 'mid', finishedAtMs: 90, bytes: 40 },
    ];
    expect(planSandboxGc(sandboxes, 100, { maxAgeMs: 50, maxTotalBytes: 80 })).toEqual(['expired', 'older']);
  });

  fcTest.prop([fc.array(fc.record({ finishedAtMs: fc.integer({ min: 0, max: 1000 }), bytes: fc.integer({ min: 0, max: 100 }) }), { maxLength: 30 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2000 })], { numRuns: 300 })(
    'what remains fits and is unexpired',
    (raw, maxAgeMs, maxTotalBytes) => {
      const sandboxes = raw.map((s, i) => ({ ...s, path: `p${String(i).padStart(3, '0')}` }));
      const now = 1000;
      const doomed = new Set(planSandboxGc(sandboxes, now, { maxAgeMs, maxTotalBytes }));
      const kept = sandboxes.filter((s) => !doomed.has(s.path));
      expect(kept.reduce((sum, s) => sum + s.bytes, 0)).toBeLessThanOrEqual(maxTotalBytes);
      for (const s of kept) expect(now - s.finishedAtMs).toBeLessThan(maxAgeMs);
      const spaceVictims = sandboxes.filter((s) => doomed.has(s.path) && now - s.finishedAtMs < maxAgeMs);
      for (const victim of spaceVictims) for (const s of kept) expect(s.finishedAtMs).toBeGreaterThanOrEqual(victim.finishedAtMs);
    },
  );
});
