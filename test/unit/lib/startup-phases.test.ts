import { describe, expect, it } from 'vitest';
import { StartupPhases } from '../../../src/lib/startup-phases.js';

describe('StartupPhases', () => {
  it('records each phase since the previous mark, and the total since the process started', () => {
    const phases = new StartupPhases();
    phases.mark('loadMs');
    const spinUntil = performance.now() + 5;
    while (performance.now() < spinUntil);
    phases.mark('workMs');
    const summary = phases.summary();
    expect(Object.keys(summary)).toEqual(['loadMs', 'workMs', 'totalMs']);
    expect(summary['workMs']).toBeGreaterThanOrEqual(4);
    // The first phase counts from the process's start, so the phases add up to the total.
    expect(Math.abs(summary['loadMs']! + summary['workMs']! - summary['totalMs']!)).toBeLessThanOrEqual(1);
    expect(summary['totalMs']).toBeLessThanOrEqual(Math.round(performance.now()));
  });
});
