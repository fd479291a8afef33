/**
 * The linearizability checker must accept every history a real register could produce and
 * reject the classic anomalies. Method: hand-made histories for the anomalies (stale read, read
 * of a value never written, lost write) and the tricky legal cases (concurrency, indeterminate
 * writes); then a fast-check property that builds histories from a sequential register whose
 * operations take effect at random instants inside random intervals — all must pass — and the
 * same histories with one read's answer corrupted must fail.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { checkKvLinearizable, type KvOperation } from '../../checkers/linearizability.js';

function op(kind: 'put' | 'get', value: string | null, invokedAt: number, completedAt: number | null, key = 'k'): KvOperation {
  return { client: `c${invokedAt}`, key, kind, value, invokedAt, completedAt };
}

describe('checkKvLinearizable', () => {
  test('a read after a completed write sees it', () => {
    expect(checkKvLinearizable([op('put', 'a', 1, 2), op('get', 'a', 3, 4)]).ok).toBe(true);
  });

  test('a stale read after a completed write is rejected', () => {
    const result = checkKvLinearizable([op('put', 'a', 1, 2), op('put', 'b', 3, 4), op('get', 'a', 5, 6)]);
    expect(result.ok).toBe(false);
  });

  test('a read of a value nobody wrote is rejected', () => {
    expect(checkKvLinearizable([op('get', 'ghost', 1, 2)]).ok).toBe(false);
  });

  test('a read concurrent with a write may see either value', () => {
    expect(checkKvLinearizable([op('put', 'a', 1, 10), op('get', null, 2, 3)]).ok).toBe(true);
    expect(checkKvLinearizable([op('put', 'a', 1, 10), op('get', 'a', 2, 3)]).ok).toBe(true);
  });

  test('once a read saw the new value, a later read may not see the old one', () => {
    const history = [op('put', 'a', 1, 10), op('get', 'a', 2, 3), op('get', null, 4, 5)];
    expect(checkKvLinearizable(history).ok).toBe(false);
  });

  test('an indeterminate write may take effect late, or never', () => {
    expect(checkKvLinearizable([op('put', 'a', 1, null), op('get', null, 2, 3), op('get', 'a', 4, 5)]).ok).toBe(true);
    expect(checkKvLinearizable([op('put', 'a', 1, null), op('get', null, 20, 30)]).ok).toBe(true);
  });

  test('a read may not see an indeterminate write invoked after it returned', () => {
    expect(checkKvLinearizable([op('get', 'a', 1, 2), op('put', 'a', 3, null)]).ok).toBe(false);
  });

  test('many unobserved indeterminate writes do not blow up the search', () => {
    const history = Array.from({ length: 60 }, (_, k) => op('put', `lost${k}`, k, null));
    history.push(op('get', null, 100, 101));
    expect(checkKvLinearizable(history, 1_000).ok).toBe(true);
  });

  test('keys are independent registers', () => {
    const history = [op('put', 'a', 1, 2, 'x'), op('get', null, 3, 4, 'y'), op('get', 'a', 5, 6, 'x')];
    expect(checkKvLinearizable(history).ok).toBe(true);
  });

  interface Planned {
    kind: 'put' | 'get';
    before: number;
    after: number;
    indeterminate: boolean;
  }

  const plannedOps = fc.array(
    fc.record({
      kind: fc.constantFrom<'put' | 'get'>('put', 'get'),
      before: fc.integer({ min: 0, max: 6 }),
      after: fc.integer({ min: 0, max: 6 }),
      indeterminate: fc.boolean(),
    }),
    { minLength: 1, maxLength: 14 },
  );

  /** Runs the ops sequentially on a register (op k takes effect at time 10k + 5), then widens each into an interval. */
  function build(planned: Planned[]): KvOperation[] {
    let state: string | null = null;
    return planned.map((p, k) => {
      const at = 10 * k + 5;
      let value: string | null;
      if (p.kind === 'put') value = state = `v${k}`;
      else value = state;
      const unknown = p.kind === 'put' && p.indeterminate;
      // Distinct times: intervals are widened by whole "slots" of 10 around the effect instant.
      return op(p.kind, value, at - 1 - 10 * p.before, unknown ? null : at + 1 + 10 * p.after);
    });
  }

  fcTest.prop([plannedOps])('histories of a real register are linearizable', (planned) => {
    expect(checkKvLinearizable(build(planned)).ok).toBe(true);
  });

  fcTest.prop([plannedOps, fc.nat()])('a sequential history with one corrupted read is not', (planned, pick) => {
    // Make the history sequential (no overlap) so the corruption cannot be explained away.
    const sequential = planned.map((p) => ({ ...p, before: 0, after: 0, indeterminate: false }));
    const history = build(sequential);
    const reads = history.filter((o) => o.kind === 'get');
    fc.pre(reads.length > 0);
    const victim = reads[pick % reads.length]!;
    victim.value = victim.value === null ? 'corrupt' : null;
    expect(checkKvLinearizable(history).ok).toBe(false);
  });
});
