/**
 * Health check policy (pure). Goal: Mesos semantics — a report only when health changes,
 * failures inside the grace period ignored until the first success, a kill after the given
 * number of consecutive counted failures, a success resetting the count. Method: examples over
 * result sequences with explicit times, plus a property that reports alternate and a kill
 * always follows `consecutiveFailures` counted failures in a row.
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { initialHealth, onCheckResult, type HealthCheckSpec, type HealthDecision } from '../../../src/agent/health-check.js';

const spec: HealthCheckSpec = { type: 'TCP', tcp: { port: 1 }, gracePeriodMs: 100, consecutiveFailures: 3 };
function feed(results: Array<[boolean, number]>, s: HealthCheckSpec = spec): HealthDecision[] {
  let state = initialHealth(0);
  const out: HealthDecision[] = [];
  for (const [ok, at] of results) {
    const r = onCheckResult(state, s, ok, at);
    state = r.state;
    out.push(...r.decisions);
  }
  return out;
}

describe('health check policy', () => {
  it('reports only on change', () => {
    expect(feed([[true, 10], [true, 20], [false, 200], [false, 210], [true, 220]])).toEqual([
      { type: 'report', healthy: true },
      { type: 'report', healthy: false },
      { type: 'report', healthy: true },
    ]);
  });
  it('ignores failures in the grace period, until the first success', () => {
    expect(feed([[false, 10], [false, 20], [false, 30], [false, 40]])).toEqual([]);
    expect(feed([[true, 10], [false, 20]])).toEqual([{ type: 'report', healthy: true }, { type: 'report', healthy: false }]);
  });
  it('kills after the configured consecutive failures; a success resets the count', () => {
    expect(feed([[false, 200], [false, 210], [true, 215], [false, 220], [false, 230]]).filter((d) => d.type === 'kill')).toEqual([]);
    expect(feed([[false, 200], [false, 210], [false, 220]]).at(-1)).toMatchObject({ type: 'kill' });
  });

  fcTest.prop([fc.array(fc.boolean(), { maxLength: 40 })], { numRuns: 300 })('reports alternate; kill exactly at the limit', (oks) => {
    const decisions = feed(oks.map((ok, i) => [ok, 1000 + i]));
    const reports = decisions.flatMap((d) => (d.type === 'report' ? [d.healthy] : []));
    for (let i = 1; i < reports.length; i++) expect(reports[i]).not.toBe(reports[i - 1]);
    let run = 0;
    let expectedKills = 0;
    for (const ok of oks) {
      run = ok ? 0 : run + 1;
      if (run >= 3) expectedKills += 1;
    }
    expect(decisions.filter((d) => d.type === 'kill')).toHaveLength(expectedKills);
  });
});
