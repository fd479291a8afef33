/**
 * The `job` state part (the replicated job store). Goal: apply is deterministic and
 * all-or-nothing — a valid put stores a normalised job, an invalid one (bad job, unknown parent,
 * cycle, bad command shape) changes nothing; deletes rewrite children as spec §3.11 (Kairos
 * variant); indexes (children, events, search) follow every change; a snapshot restores an
 * identical store. Method: commands through the real MasterStateMachine codec path.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../../../src/lib/codec.js';
import { jobDelete, jobPut, jobSetDisabled, type JobCommand } from '../../../../src/chronos/state/jobs-commands.js';
import { JobStore, type JobChange } from '../../../../src/chronos/state/jobs.js';
import { MasterStateMachine } from '../../../../src/master/state/machine.js';

const NOW = Date.UTC(2026, 10, 25, 12);

function fresh() {
  const state = new MasterStateMachine();
  const jobs = new JobStore();
  state.addPart(jobs);
  let index = 0;
  const apply = (command: JobCommand | Record<string, unknown>) => state.apply(encode(command), ++index);
  return { state, jobs, apply };
}

const scheduled = (name: string, extra: Record<string, unknown> = {}) => jobPut({ name, command: `run ${name}`, schedule: '@daily', ...extra }, 'scheduled', NOW);
const dependent = (name: string, parents: string[], extra: Record<string, unknown> = {}) => jobPut({ name, command: `run ${name}`, parents, ...extra }, 'dependent', NOW);

describe('job.put', () => {
  it('stores the normalised job with creation time and version; an update keeps createdAtMs', () => {
    const { jobs, apply } = fresh();
    expect(apply(scheduled('a'))).toEqual({ ok: true, value: { name: 'a' } });
    expect(jobs.get('a')).toMatchObject({ createdAtMs: NOW, updatedAtMs: NOW, version: 1, job: { name: 'a', cpus: 0.1, schedule: '@daily' } });
    apply(jobPut({ name: 'a', command: 'x', schedule: '@hourly' }, 'scheduled', NOW + 5));
    expect(jobs.get('a')).toMatchObject({ createdAtMs: NOW, updatedAtMs: NOW + 5, version: 2, job: { command: 'x' } });
  });

  it('turns a trigger-less /iso8601 job into a one-shot at the proposer time (Chronos 3.x)', () => {
    const { jobs, apply } = fresh();
    apply(jobPut({ name: 'once', command: 'true' }, 'scheduled', NOW));
    expect(jobs.get('once')?.job.schedule).toBe('R1/2026-11-25T12:00:00.000Z/PT24H');
  });

  it.each([
    ['a bad schedule', jobPut({ name: 'a', schedule: 'FOO' }, 'scheduled', NOW)],
    ['a bad name', jobPut({ name: 'a b', schedule: '@daily' }, 'scheduled', NOW)],
    ['an unknown parent', dependent('c', ['nope'])],
    ['no nowMs', { t: 'job.put', input: { name: 'a', schedule: '@daily' }, kind: 'scheduled' }],
    ['a bad kind', { t: 'job.put', input: { name: 'a', schedule: '@daily' }, kind: 'other', nowMs: NOW }],
    ['an unknown command', { t: 'job.rename', nowMs: NOW }],
  ])('rejects %s whole', (_what, command) => {
    const { jobs, apply, state } = fresh();
    const before = state.snapshot();
    const result = apply(command);
    expect(result.ok).toBe(false);
    expect(jobs.size).toBe(0);
    expect(state.snapshot()).toEqual(before);
  });

  it('rejects a cycle and leaves the graph as it was', () => {
    const { jobs, apply } = fresh();
    apply(scheduled('a'));
    apply(dependent('b', ['a']));
    apply(dependent('c', ['b']));
    const result = apply(dependent('a', ['c']));
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/cycle/) });
    expect(jobs.get('a')?.job.schedule).toBe('@daily');
    expect(jobs.children('a')).toEqual(['b']);
  });
});

describe('job.delete', () => {
  it('re-parents children of a dependent job and hands an orphan the scheduled parent’s trigger', () => {
    const { jobs, apply } = fresh();
    apply(scheduled('root', { schedule: 'R/2026-12-01T00:00:00Z/PT1H', scheduleTimeZone: 'Europe/Paris' }));
    apply(dependent('mid', ['root']));
    apply(dependent('leaf', ['mid']));
    apply(scheduled('other'));
    apply(dependent('multi', ['root', 'other']));
    expect(apply(jobDelete('mid', NOW)).ok).toBe(true);
    expect(jobs.get('leaf')?.job.parents).toEqual(['root']);
    expect(apply(jobDelete('root', NOW)).ok).toBe(true);
    expect(jobs.get('leaf')?.job).toMatchObject({ parents: [], schedule: 'R/2026-12-01T00:00:00Z/PT1H', scheduleTimeZone: 'Europe/Paris' });
    expect(jobs.get('multi')?.job.parents).toEqual(['other']);
    expect([...jobs.all()].map((s) => s.job.name)).toEqual(['leaf', 'other', 'multi']);
  });

  it('an unknown job is rejected with Chronos’ text', () => {
    const { apply } = fresh();
    expect(apply(jobDelete('x', NOW))).toEqual({ ok: false, error: "requirement failed: Job 'x' not found" });
  });
});

describe('job.setDisabled', () => {
  it('flips disabled and reports whether anything changed', () => {
    const { jobs, apply } = fresh();
    apply(scheduled('a'));
    expect(apply(jobSetDisabled('a', true, NOW))).toEqual({ ok: true, value: { name: 'a', changed: true } });
    expect(jobs.get('a')?.job.disabled).toBe(true);
    expect(apply(jobSetDisabled('a', true, NOW))).toEqual({ ok: true, value: { name: 'a', changed: false } });
    expect(apply(jobSetDisabled('zz', true, NOW)).ok).toBe(false);
  });
});

describe('indexes and listeners', () => {
  it('waitingOn follows events through put, update and delete', () => {
    const { jobs, apply } = fresh();
    apply(jobPut({ name: 'e1', command: 'x', events: ['up', 'down'] }, 'scheduled', NOW));
    apply(jobPut({ name: 'e2', command: 'x', events: ['up'], schedule: '@daily' }, 'scheduled', NOW));
    expect(jobs.waitingOn('up')).toEqual(['e1', 'e2']);
    apply(jobPut({ name: 'e1', command: 'x', events: ['down'] }, 'scheduled', NOW));
    expect(jobs.waitingOn('up')).toEqual(['e2']);
    apply(jobDelete('e2', NOW));
    expect(jobs.waitingOn('up')).toEqual([]);
    expect(jobs.waitingOn('down')).toEqual(['e1']);
  });

  it('tells listeners about every change, children included; a throwing listener does not break apply', () => {
    const { jobs, apply } = fresh();
    const seen: string[] = [];
    const errors: unknown[] = [];
    jobs.onListenerError = (error) => errors.push(error);
    jobs.onChange(() => {
      throw new Error('listener bug');
    });
    jobs.onChange((change: JobChange) => seen.push(change.kind === 'put' ? `put ${change.stored.job.name}` : change.kind === 'delete' ? `delete ${change.name}` : 'restore'));
    apply(scheduled('a'));
    apply(dependent('b', ['a']));
    apply(jobDelete('a', NOW));
    expect(seen).toEqual(['put a', 'put b', 'delete a', 'put b']);
    expect(errors).toHaveLength(4);
  });
});

describe('snapshots', () => {
  it('restore gives an identical store (order, graph, indexes)', () => {
    const { state, jobs, apply } = fresh();
    apply(scheduled('z'));
    apply(scheduled('a'));
    apply(dependent('m', ['z', 'a']));
    apply(jobPut({ name: 'ev', command: 'x', events: ['go'] }, 'scheduled', NOW));
    const copy = new MasterStateMachine();
    const restored = new JobStore();
    copy.addPart(restored);
    copy.restore(state.snapshot());
    expect([...restored.all()]).toEqual([...jobs.all()]);
    expect(restored.children('a')).toEqual(['m']);
    expect(restored.waitingOn('go')).toEqual(['ev']);
    expect(restored.search({ name: 'M', limit: 10, offset: 0 }).map((s) => s.job.name)).toEqual(['m']);
    expect(restored.graph.toSnapshot()).toEqual(jobs.graph.toSnapshot());
  });
});
