import { describe, expect, it } from 'vitest';
import { manualRunKey, scheduledRunKey } from '../../../../src/chronos/trigger/index.js';
import { T0, world } from './fixtures.js';

describe('run state part', () => {
  it('records each scheduled instant once; a repeated proposal is a no-op', () => {
    const w = world();
    w.put({ name: 'every', command: 'true', schedule: 'R5/2026-01-01T00:00:10Z/PT10S' });
    const commands = w.due(T0 + 10_000);
    expect(commands).toHaveLength(1);
    expect(w.run({ t: 'run.batch', commands })).toMatchObject({ ok: true, value: ['applied'] });
    expect(w.run({ t: 'run.batch', commands })).toMatchObject({ ok: true, value: ['duplicate'] });
    const key = scheduledRunKey('every', T0 + 10_000);
    expect(w.runs.runsOf('every').map((r) => r.key)).toEqual([key]);
    expect(w.runs.run(key)!.machine.value).toBe('queued');
  });

  it('counts successes and failures as Chronos does, with retries and back-off', () => {
    const w = world({ retryBackoffBaseMs: 1000 });
    w.put({ name: 'flaky', command: 'false', schedule: 'R/2026-01-01T00:00:00Z/PT1H', retries: 1 });
    w.manual('flaky', 'm1', T0);
    const key = manualRunKey('flaky', 'm1');
    w.finish(key, T0, 'run.failed');
    const retrying = w.runs.run(key)!;
    expect(retrying.machine.value).toBe('retrying');
    expect(retrying.machine.context.deadline).toEqual({ event: 'run.retryDue', atMs: T0 + 1000 + 1000 });
    expect(w.run({ t: 'run.event', key, event: { type: 'run.retryDue', nowMs: T0 + 1500 } })).toMatchObject({ ok: false });
    expect(w.run({ t: 'run.event', key, event: { type: 'run.retryDue', nowMs: T0 + 2000 } })).toMatchObject({ ok: true, value: 'queued' });
    w.finish(key, T0 + 3000, 'run.failed');
    expect(w.runs.run(key)!.machine.value).toBe('failed');
    expect(w.runs.run(key)!.taskIds).toEqual([`t-${key}-0`, `t-${key}-1`]);
    expect(w.runs.stats('flaky')).toMatchObject({ successCount: 0, errorCount: 1, errorsSinceLastSuccess: 1, lastErrorMs: T0 + 4000 });
    w.manual('flaky', 'm2', T0 + 10_000);
    w.finish(manualRunKey('flaky', 'm2'), T0 + 10_000);
    expect(w.runs.stats('flaky')).toMatchObject({ successCount: 1, errorCount: 1, errorsSinceLastSuccess: 0, lastSuccessMs: T0 + 11_000 });
    expect(w.runs.stats('flaky').elapsedSeconds).toEqual([0.999]);
  });

  it('keeps a bounded history per job, never dropping active runs', () => {
    const w = world({ historyLimit: 3 });
    w.put({ name: 'h', command: 'true', schedule: 'R/2026-01-01T00:00:00Z/PT1H', concurrent: true });
    for (let i = 0; i < 5; i++) {
      w.manual('h', `r${i}`, T0 + i);
      w.finish(manualRunKey('h', `r${i}`), T0 + i);
    }
    for (let i = 5; i < 9; i++) w.manual('h', `r${i}`, T0 + i);
    const keys = w.runs.runsOf('h').map((r) => r.key);
    expect(keys).toEqual([8, 7, 6, 5].map((i) => manualRunKey('h', `r${i}`)));
    expect(w.runs.stats('h').successCount).toBe(5);
  });

  it('fires a dependent child when its parent succeeds, and by the counting rule for two parents', () => {
    const w = world();
    w.put({ name: 'a', command: 'true', schedule: 'R/2026-01-01T00:00:00Z/PT1H' });
    w.put({ name: 'b', command: 'true', schedule: 'R/2026-01-01T00:00:00Z/PT1H' });
    w.put({ name: 'c', command: 'true', parents: ['a'] }, T0, 'dependent');
    w.put({ name: 'd', command: 'true', parents: ['a', 'b'] }, T0, 'dependent');
    w.manual('a', 'x', T0);
    w.finish(manualRunKey('a', 'x'), T0);
    expect(w.runs.runsOf('c').map((r) => [r.cause, r.key])).toEqual([['dependency', 'c@dep:a@manual:x']]);
    expect(w.runs.runsOf('d')).toEqual([]);
    w.manual('b', 'y', T0 + 5000);
    w.finish(manualRunKey('b', 'y'), T0 + 5000);
    expect(w.runs.runsOf('d').map((r) => r.key)).toEqual(['d@dep:a@manual:x+b@manual:y']);
  });

  it('mark-success counts a success and fires children once per request id', () => {
    const w = world();
    w.put({ name: 'p', command: 'true', schedule: 'R/2026-01-01T00:00:00Z/PT1H' });
    w.put({ name: 'k', command: 'true', parents: ['p'] }, T0, 'dependent');
    expect(w.run({ t: 'run.markSuccess', job: 'p', id: 'q1', nowMs: T0 + 7 })).toMatchObject({ ok: true, value: 'applied' });
    expect(w.run({ t: 'run.markSuccess', job: 'p', id: 'q1', nowMs: T0 + 7 })).toMatchObject({ ok: true, value: 'duplicate' });
    expect(w.runs.stats('p')).toMatchObject({ successCount: 1, lastSuccessMs: T0 + 7 });
    expect(w.runs.runsOf('k')).toHaveLength(1);
  });

  it('refuses a second run of a non-concurrent job while one is active', () => {
    const w = world();
    w.put({ name: 'solo', command: 'true', schedule: 'R/2026-01-01T00:00:00Z/PT1H', concurrent: false });
    expect(w.manual('solo', 'one', T0)).toMatchObject({ ok: true });
    expect(w.manual('solo', 'two', T0 + 1)).toMatchObject({ ok: false });
    expect(w.runs.runsOf('solo')).toHaveLength(1);
  });

  it('survives a snapshot round trip unchanged', () => {
    const w = world();
    w.put({ name: 's', command: 'true', schedule: 'R/2026-01-01T00:00:10Z/PT10S' });
    w.run({ t: 'run.batch', commands: w.due(T0 + 10_000) });
    w.manual('s', 'm', T0 + 11_000);
    const snapshot = w.state.snapshot();
    const other = world();
    other.state.restore(snapshot);
    expect(other.runs.toSnapshot()).toEqual(w.runs.toSnapshot());
    expect(other.runs.activeRuns().map((r) => r.key)).toEqual(w.runs.activeRuns().map((r) => r.key));
  });
});
