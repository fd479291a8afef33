/**
 * Goal: the trigger reducer records each run exactly once whatever is proposed: duplicates
 * (the same proposal after failover) change nothing, stale chain links are rejected, invalid
 * commands are rejected whole, on-demand runs are deduplicated by key, and snapshots restore
 * the same state.
 * Method: example tables applying hand-made command sequences, comparing outcomes and a
 * snapshot of the state before and after.
 */
import { describe, expect, it } from 'vitest';
import {
  applyTriggerCommand,
  createTriggerState,
  dependencyTrigger,
  dueRuns,
  eventTrigger,
  fromTriggerSnapshot,
  jobOfRunKey,
  manualTrigger,
  onDemandRun,
  scheduledRunKey,
  toTriggerSnapshot,
  type RunScheduledCommand,
  type TriggerCommand,
} from '../../../../src/chronos/trigger/index.js';
import { applyAll, HOUR, MINUTE, stateTracking, triggerJob, utc } from './fixtures.js';

const NOON = utc('2024-06-03T12:00:00Z');

function scheduled(job: string, at: number, afterMs: number, concurrent = true): RunScheduledCommand {
  return { t: 'run.scheduled', key: scheduledRunKey(job, at), job, trigger: { kind: 'schedule', scheduledAtMs: at, afterMs }, concurrent, proposedAtMs: at };
}

describe('duplicates and stale proposals', () => {
  it('a second copy of the same proposal changes nothing', () => {
    const job = triggerJob('hourly', '0 * * * *', { epsilonMs: 2 * HOUR });
    const state = stateTracking([job], NOON - 2 * HOUR - 1);
    const due = dueRuns([job], state, NOON);
    expect(applyAll(state, due.commands).map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
    const before = toTriggerSnapshot(state);
    expect(applyAll(state, due.commands).map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(toTriggerSnapshot(state)).toEqual(before);
  });

  it('a record for an instant already skipped by another leader is a duplicate', () => {
    const state = stateTracking([triggerJob('j', '* * * * *')], NOON - 3 * MINUTE);
    applyTriggerCommand(state, {
      t: 'run.skipped', job: 'j', afterMs: NOON - 3 * MINUTE, throughMs: NOON - MINUTE, count: 2, countIsLowerBound: false, reason: 'missed', proposedAtMs: NOON,
    });
    expect(applyTriggerCommand(state, scheduled('j', NOON - 2 * MINUTE, NOON - 3 * MINUTE))).toEqual({ outcome: 'duplicate' });
    expect(state.jobs.get('j')?.activeRuns.size).toBe(0);
  });

  it('a link whose predecessor was lost is rejected (no gaps)', () => {
    const state = stateTracking([triggerJob('j', '* * * * *')], NOON - 3 * MINUTE);
    const result = applyTriggerCommand(state, scheduled('j', NOON - MINUTE, NOON - 2 * MINUTE));
    expect(result.outcome).toBe('rejected');
    expect(state.jobs.get('j')?.firedThroughMs).toBe(NOON - 3 * MINUTE);
  });

  it('a skip that overlaps the mark but extends past it is rejected as stale', () => {
    const state = stateTracking([triggerJob('j', '* * * * *')], NOON - 2 * MINUTE);
    const result = applyTriggerCommand(state, {
      t: 'run.skipped', job: 'j', afterMs: NOON - 3 * MINUTE, throughMs: NOON - MINUTE, count: 2, countIsLowerBound: false, reason: 'missed', proposedAtMs: NOON,
    });
    expect(result.outcome).toBe('rejected');
  });
});

describe('validation', () => {
  const bad: Array<[string, TriggerCommand]> = [
    ['untracked job', scheduled('ghost', NOON, NOON - MINUTE)],
    ['key not matching its trigger', { ...scheduled('j', NOON, NOON - MINUTE), key: 'j@1' }],
    ['empty skip', { t: 'run.skipped', job: 'j', afterMs: NOON - MINUTE, throughMs: NOON - MINUTE, count: 1, countIsLowerBound: false, reason: 'missed', proposedAtMs: NOON }],
    ['concurrent skip with nothing active', { t: 'run.skipped', job: 'j', afterMs: NOON - MINUTE, throughMs: NOON, count: 1, countIsLowerBound: false, reason: 'concurrent', proposedAtMs: NOON }],
    ['non-finite track', { t: 'trigger.track', job: 'j', firedThroughMs: Number.NaN }],
    ['unknown command', { t: 'run.exploded', job: 'j' } as unknown as TriggerCommand],
  ];
  for (const [name, command] of bad) {
    it(`rejects ${name} and changes nothing`, () => {
      const state = stateTracking([triggerJob('j', '* * * * *')], NOON - MINUTE);
      const before = toTriggerSnapshot(state);
      expect(applyTriggerCommand(state, command).outcome).toBe('rejected');
      expect(toTriggerSnapshot(state)).toEqual(before);
    });
  }

  it('a non-concurrent run is refused while another run of the job is active', () => {
    const state = stateTracking([triggerJob('j', '* * * * *')], NOON - 2 * MINUTE);
    expect(applyTriggerCommand(state, scheduled('j', NOON - MINUTE, NOON - 2 * MINUTE, false)).outcome).toBe('applied');
    expect(applyTriggerCommand(state, scheduled('j', NOON, NOON - MINUTE, false)).outcome).toBe('rejected');
    expect(applyTriggerCommand(state, scheduled('j', NOON, NOON - MINUTE, true)).outcome).toBe('applied');
  });
});

describe('tracking', () => {
  it('never moves the mark backwards (an update must not re-fire instants)', () => {
    const state = createTriggerState();
    expect(applyTriggerCommand(state, { t: 'trigger.track', job: 'j', firedThroughMs: NOON })).toEqual({ outcome: 'applied' });
    expect(applyTriggerCommand(state, { t: 'trigger.track', job: 'j', firedThroughMs: NOON - HOUR })).toEqual({ outcome: 'duplicate' });
    expect(state.jobs.get('j')?.firedThroughMs).toBe(NOON);
    expect(applyTriggerCommand(state, { t: 'trigger.track', job: 'j', firedThroughMs: NOON + HOUR })).toEqual({ outcome: 'applied' });
    expect(applyTriggerCommand(state, { t: 'trigger.untrack', job: 'j' })).toEqual({ outcome: 'applied' });
    expect(applyTriggerCommand(state, { t: 'trigger.untrack', job: 'j' })).toEqual({ outcome: 'duplicate' });
  });
});

describe('on-demand runs', () => {
  it('event, dependency and manual runs are keyed by their cause and deduplicated', () => {
    const job = triggerJob('etl', null);
    const state = stateTracking([job], NOON);
    const triggers = [eventTrigger('file-uploaded', 'ev-1'), dependencyTrigger(['a@1', 'b@2']), manualTrigger('req-9')];
    const commands = triggers.map((trigger) => {
      const decision = onDemandRun(job, state.jobs.get('etl'), trigger, NOON);
      if (!decision.ok) throw new Error(decision.reason);
      return decision.command;
    });
    expect(commands.map((c) => c.key)).toEqual(['etl@event:ev-1', 'etl@dep:a@1+b@2', 'etl@manual:req-9']);
    expect(commands.map((c) => jobOfRunKey(c.key))).toEqual(['etl', 'etl', 'etl']);
    expect(applyAll(state, commands).map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(applyAll(state, commands).map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(state.jobs.get('etl')?.activeRuns.size).toBe(3);
  });

  it('is dropped for a disabled job, a running non-concurrent job, or an untracked one', () => {
    const state = stateTracking([triggerJob('a', null)], NOON);
    const solo = triggerJob('a', null, { concurrent: false });
    expect(onDemandRun({ ...solo, disabled: true }, state.jobs.get('a'), manualTrigger('1'), NOON)).toEqual({ ok: false, reason: 'disabled' });
    expect(onDemandRun(solo, undefined, manualTrigger('1'), NOON)).toEqual({ ok: false, reason: 'untracked' });
    state.jobs.get('a')!.activeRuns.add('a@manual:0');
    expect(onDemandRun(solo, state.jobs.get('a'), manualTrigger('1'), NOON)).toEqual({ ok: false, reason: 'running' });
  });
});

describe('snapshots', () => {
  it('restore an identical state', () => {
    const job = triggerJob('j', '* * * * *', { epsilonMs: 10 * MINUTE });
    const state = stateTracking([job, triggerJob('k', null)], NOON - HOUR);
    applyAll(state, dueRuns([job], state, NOON).commands);
    applyTriggerCommand(state, { t: 'run.scheduled', key: 'k@manual:1', job: 'k', trigger: manualTrigger('1'), concurrent: true, proposedAtMs: NOON });
    const restored = fromTriggerSnapshot(structuredClone(toTriggerSnapshot(state)));
    expect(restored).toEqual(state);
  });
});
