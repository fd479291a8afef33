/**
 * The framework machine. Goal: mesos-api.md §2.6/§4.2 — a subscribed framework that loses its
 * stream is deactivated and gets `failover_timeout` to resubscribe (failover), after which it is
 * torn down with its tasks; TEARDOWN removes it at once; a leader change never restarts or loses
 * a running failover timer (the Mesos gap §4.1 calls out).
 * Method: a table of (state, event) → (state, effects) through step(); fast-check properties over
 * random timed histories (absorption, keys, codec, purity, deadline arithmetic); a codec
 * round-trip per state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameworkMachine, type FrameworkContext, type FrameworkEvent } from '../../../src/actors/framework.machine.js';
import { initial, step } from '../../../src/actors/step.js';
import type { StoredSnapshot } from '../../../src/actors/types.js';
import { frameworkEventArbitrary, frameworkEventAt } from './arbitraries.js';
import { checkCodecRoundTrip, checkGenericProperties, checkPurity, runHistory, summarize, timedEventsArbitrary } from './harness.js';

const T0 = 1_700_000_000_000;
const FAILOVER_MS = 60_000;
const INPUT = { frameworkId: 'f1', nowMs: T0, failoverTimeoutMs: FAILOVER_MS };

function frameworkIn(value: string, overrides: Partial<FrameworkContext> = {}): StoredSnapshot<FrameworkContext> {
  return { value, context: { ...initial(frameworkMachine, INPUT).snapshot.context, ...overrides } };
}

function at(type: FrameworkEvent['type'], nowMs = T0 + 1_000): FrameworkEvent {
  return frameworkEventAt(type, nowMs, FAILOVER_MS * 2);
}

const DEADLINE_MS = T0 + 1_000 + FAILOVER_MS;
const waiting = { deadline: { event: 'framework.failoverTimeout', atMs: DEADLINE_MS }, disconnectedAtMs: T0 + 1_000 };

describe('framework machine: table', () => {
  it('starts subscribed, with no effects', () => {
    const start = initial(frameworkMachine, INPUT);
    expect(start.snapshot.value).toBe('subscribed');
    expect(start.effects).toEqual([]);
  });

  const cases: Array<[string, StoredSnapshot<FrameworkContext>, FrameworkEvent, string, string[]]> = [
    ['stream broke → disconnected, offers rescinded, failover timer armed', frameworkIn('subscribed'), at('framework.disconnected'), 'disconnected',
      ['rescindOffers framework:f1:1:rescindOffers:disconnected', 'notify framework:f1:1:frameworkDisconnected', `scheduleDeadline framework:f1:framework.failoverTimeout@${DEADLINE_MS}`]],
    ['leadership moved → disconnected too', frameworkIn('subscribed'), at('framework.leaderChanged'), 'disconnected',
      ['rescindOffers framework:f1:1:rescindOffers:disconnected', 'notify framework:f1:1:frameworkDisconnected', `scheduleDeadline framework:f1:framework.failoverTimeout@${DEADLINE_MS}`]],
    ['a second leader change keeps the first deadline', frameworkIn('disconnected', waiting), at('framework.leaderChanged', T0 + 50_000), 'disconnected', []],
    ['resubscribed within the timeout: failed over', frameworkIn('disconnected', waiting), at('framework.subscribed'), 'subscribed', ['notify framework:f1:2:frameworkFailedOver']],
    ['a new scheduler instance takes over a live subscription', frameworkIn('subscribed'), at('framework.subscribed'), 'subscribed', ['notify framework:f1:2:frameworkFailedOver']],
    ['an early failover timeout is rejected', frameworkIn('disconnected', waiting), at('framework.failoverTimeout', DEADLINE_MS - 1), 'disconnected', []],
    ['the failover timeout tears it down', frameworkIn('disconnected', waiting), at('framework.failoverTimeout', DEADLINE_MS), 'tornDown',
      ['removeFrameworkTasks framework:f1:1:removeTasks', 'rescindOffers framework:f1:1:rescindOffers:tornDown', 'notify framework:f1:1:frameworkRemoved']],
    ['a timeout while subscribed is stale', frameworkIn('subscribed'), at('framework.failoverTimeout', DEADLINE_MS), 'subscribed', []],
    ['TEARDOWN removes a subscribed framework at once', frameworkIn('subscribed'), at('framework.teardown'), 'tornDown',
      ['removeFrameworkTasks framework:f1:1:removeTasks', 'rescindOffers framework:f1:1:rescindOffers:tornDown', 'notify framework:f1:1:frameworkRemoved']],
    ['TEARDOWN removes a disconnected framework', frameworkIn('disconnected', waiting), at('framework.teardown'), 'tornDown',
      ['removeFrameworkTasks framework:f1:1:removeTasks', 'rescindOffers framework:f1:1:rescindOffers:tornDown', 'notify framework:f1:1:frameworkRemoved']],
    ['a torn-down framework cannot resubscribe', frameworkIn('tornDown'), at('framework.subscribed'), 'tornDown', []],
  ];

  it.each(cases)('%s', (_name, before, event, expectedState, expectedEffects) => {
    const result = step(frameworkMachine, before, event);
    expect(result.snapshot.value).toBe(expectedState);
    expect(summarize(result.effects)).toEqual(expectedEffects);
  });

  it('failover takes the new failover_timeout and clears the deadline', () => {
    const next = step(frameworkMachine, frameworkIn('disconnected', waiting), at('framework.subscribed')).snapshot.context;
    expect(next).toMatchObject({ failoverTimeoutMs: FAILOVER_MS * 2, deadline: null, disconnectedAtMs: null, failoverCount: 1, subscriptionEpoch: 2 });
  });

  it('tells the reducer why the tasks go', () => {
    const effects = step(frameworkMachine, frameworkIn('disconnected', waiting), at('framework.failoverTimeout', DEADLINE_MS)).effects;
    expect(effects[0]).toEqual({ type: 'removeFrameworkTasks', key: 'framework:f1:1:removeTasks', frameworkId: 'f1', reason: 'failoverTimeout' });
    const torn = step(frameworkMachine, frameworkIn('subscribed'), at('framework.teardown')).effects;
    expect(torn[0]).toMatchObject({ reason: 'operator' });
  });
});

const historyArbitrary = timedEventsArbitrary(frameworkEventArbitrary, T0 + 1);

describe('framework machine: properties', () => {
  it('final states absorb every event; keys name one effect each; snapshots survive the codec', () => {
    fc.assert(fc.property(historyArbitrary, (events) => checkGenericProperties(frameworkMachine, INPUT, events)), { numRuns: 200 });
  });

  it('stepping is pure and deterministic', () => {
    fc.assert(fc.property(historyArbitrary, (events) => checkPurity(frameworkMachine, INPUT, events)), { numRuns: 100 });
  });

  it('teardown by timeout happens only at disconnect time + failover_timeout, and never while subscribed', () => {
    fc.assert(
      fc.property(historyArbitrary, (events) => {
        for (const entry of runHistory(frameworkMachine, INPUT, events).steps) {
          const { value, context } = entry.result.snapshot;
          expect(context.deadline !== null).toBe(value === 'disconnected');
          if (value === 'tornDown' && entry.before.value !== 'tornDown' && entry.event.type === 'framework.failoverTimeout') {
            expect(entry.before.value).toBe('disconnected');
            const disconnectedAtMs = entry.before.context['disconnectedAtMs' as never] as number;
            const failoverMs = entry.before.context['failoverTimeoutMs' as never] as number;
            expect(entry.event.nowMs).toBeGreaterThanOrEqual(disconnectedAtMs + failoverMs);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('framework machine: snapshot round-trip', () => {
  it.each([['subscribed'], ['disconnected'], ['tornDown']])('%s', (value) => {
    const snapshot = frameworkIn(value, value === 'disconnected' ? waiting : {});
    checkCodecRoundTrip(frameworkMachine, snapshot, at('framework.subscribed'));
    checkCodecRoundTrip(frameworkMachine, snapshot, at('framework.failoverTimeout', DEADLINE_MS));
  });
});
