/**
 * The agent machine. Goal: the master-side agent lifecycle of mesos-api.md §3.3/§4.3 — register,
 * miss heartbeats until unreachable, disconnect with a grace deadline taken from the command
 * timestamp, come back by re-registering, expire out of the registry, or be marked gone for
 * ever — with deadlines in context and stale timeouts rejected.
 * Method: a table of (state, event) → (state, effects) through step(); fast-check properties over
 * random timed histories (final states absorb, keys, codec, purity, deadlines only from
 * timestamps already seen); and a codec round-trip of a snapshot in every state.
 */
import fc from 'fast-check';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { agentMachine, DEFAULT_AGENT_TIMEOUTS, type AgentContext, type AgentEvent } from '../../../src/actors/agent.machine.js';
import { initial, step } from '../../../src/actors/step.js';
import type { StoredSnapshot } from '../../../src/actors/types.js';
import { agentEventArbitrary, agentEventAt } from './arbitraries.js';
import { checkCodecRoundTrip, checkGenericProperties, checkPurity, runHistory, summarize, timedEventsArbitrary } from './harness.js';

const T0 = 1_700_000_000_000;
const TIMEOUTS = { ...DEFAULT_AGENT_TIMEOUTS, maxMissedHeartbeats: 3 };
const INPUT = { agentId: 'a1', nowMs: T0, timeouts: TIMEOUTS };

function agentIn(value: string, overrides: Partial<AgentContext> = {}): StoredSnapshot<AgentContext> {
  const start = initial(agentMachine, INPUT).snapshot;
  return { value, context: { ...start.context, sessionEpoch: 2, ...overrides } };
}

const at = (type: AgentEvent['type'], nowMs = T0 + 1_000): AgentEvent => agentEventAt(type, nowMs);

const disconnectedAt = (atMs: number): Partial<AgentContext> => ({
  deadline: { event: 'agent.reregisterTimeout', atMs },
  disconnectCause: 'socketClosed',
});

describe('agent machine: table', () => {
  it('starts registering and tells the agent its id', () => {
    const start = initial(agentMachine, INPUT);
    expect(start.snapshot.value).toBe('registering');
    expect(start.effects).toEqual([{ type: 'messageAgent', key: 'agent:a1:0:registered', agentId: 'a1', message: 'registered' }]);
  });

  const graceEnd = T0 + 1_000 + TIMEOUTS.disconnectGraceMs;
  const cases: Array<[string, StoredSnapshot<AgentContext>, AgentEvent, string, string[]]> = [
    ['registering → active', agentIn('registering', { sessionEpoch: 0 }), at('agent.registered'), 'active', ['notify agent:a1:1:agentActivated']],
    ['registering abandoned on disconnect', agentIn('registering', { sessionEpoch: 0 }), at('agent.disconnected'), 'removed',
      ['rescindOffers agent:a1:0:rescindOffers:removed', 'updateAgentTasks agent:a1:0:tasks:removed', 'notify agent:a1:0:agentRemoved']],
    ['a missed heartbeat is counted', agentIn('active'), at('agent.heartbeatMissed'), 'active', []],
    ['the last allowed miss makes it unreachable', agentIn('active', { missedHeartbeats: 2 }), at('agent.heartbeatMissed'), 'unreachable',
      ['rescindOffers agent:a1:2:rescindOffers:unreachable', 'updateAgentTasks agent:a1:2:tasks:unreachable', 'notify agent:a1:2:agentUnreachable',
        `scheduleDeadline agent:a1:agent.registryExpired@${T0 + 1_000 + TIMEOUTS.unreachableRetentionMs}`]],
    ['a pong after misses resets the count', agentIn('active', { missedHeartbeats: 2 }), at('agent.heartbeatReceived'), 'active', []],
    ['socket closed → disconnected with a grace deadline', agentIn('active'), at('agent.disconnected'), 'disconnected',
      ['rescindOffers agent:a1:2:rescindOffers:disconnected', 'updateAgentTasks agent:a1:2:tasks:disconnected', `scheduleDeadline agent:a1:agent.reregisterTimeout@${graceEnd}`]],
    ['leader change → disconnected, tasks untouched', agentIn('active'), at('agent.leaderChanged'), 'disconnected',
      [`scheduleDeadline agent:a1:agent.reregisterTimeout@${T0 + 1_000 + TIMEOUTS.reregisterTimeoutMs}`]],
    ['re-registered in time', agentIn('disconnected', disconnectedAt(graceEnd)), at('agent.reregistered'), 'active',
      ['messageAgent agent:a1:3:reregistered', 'notify agent:a1:3:agentActivated']],
    ['an early timeout is rejected', agentIn('disconnected', disconnectedAt(graceEnd)), at('agent.reregisterTimeout', graceEnd - 1), 'disconnected', []],
    ['the timeout at the deadline makes it unreachable', agentIn('disconnected', disconnectedAt(graceEnd)), at('agent.reregisterTimeout', graceEnd), 'unreachable',
      ['rescindOffers agent:a1:2:rescindOffers:unreachable', 'updateAgentTasks agent:a1:2:tasks:unreachable', 'notify agent:a1:2:agentUnreachable',
        `scheduleDeadline agent:a1:agent.registryExpired@${graceEnd + TIMEOUTS.unreachableRetentionMs}`]],
    ['a stale timeout after re-registration is rejected', agentIn('active'), at('agent.reregisterTimeout', graceEnd), 'active', []],
    ['unreachable agent comes back', agentIn('unreachable', { deadline: { event: 'agent.registryExpired', atMs: T0 + 9_000 } }), at('agent.reregistered'), 'active',
      ['messageAgent agent:a1:3:reregistered', 'updateAgentTasks agent:a1:3:tasks:reregistered', 'notify agent:a1:3:agentActivated']],
    ['unreachable agent expires out of the registry', agentIn('unreachable', { deadline: { event: 'agent.registryExpired', atMs: T0 + 9_000 } }), at('agent.registryExpired', T0 + 9_000), 'removed',
      ['rescindOffers agent:a1:2:rescindOffers:removed', 'updateAgentTasks agent:a1:2:tasks:removed', 'notify agent:a1:2:agentRemoved']],
    ['marked gone by the operator', agentIn('unreachable'), at('agent.markedGone'), 'gone',
      ['messageAgent agent:a1:2:shutdown', 'rescindOffers agent:a1:2:rescindOffers:gone', 'updateAgentTasks agent:a1:2:tasks:goneByOperator', 'notify agent:a1:2:agentGone']],
    ['a gone agent never re-registers', agentIn('gone'), at('agent.reregistered'), 'gone', []],
    ['a reconnect never seen as a disconnect starts a new session', agentIn('active'), at('agent.reregistered'), 'active', ['messageAgent agent:a1:3:reregistered']],
    ['removed by its own shutdown', agentIn('active'), at('agent.removed'), 'removed',
      ['rescindOffers agent:a1:2:rescindOffers:removed', 'updateAgentTasks agent:a1:2:tasks:removed', 'notify agent:a1:2:agentRemoved']],
  ];

  it.each(cases)('%s', (_name, before, event, expectedState, expectedEffects) => {
    const result = step(agentMachine, before, event);
    expect(result.snapshot.value).toBe(expectedState);
    expect(summarize(result.effects)).toEqual(expectedEffects);
  });

  it('counts misses, and re-registration clears count and deadline', () => {
    const missed = step(agentMachine, agentIn('active', { missedHeartbeats: 1 }), at('agent.heartbeatMissed')).snapshot;
    expect(missed.context.missedHeartbeats).toBe(2);
    const back = step(agentMachine, agentIn('disconnected', { ...disconnectedAt(T0 + 5), missedHeartbeats: 2 }), at('agent.reregistered')).snapshot;
    expect(back.context).toMatchObject({ missedHeartbeats: 0, deadline: null, disconnectCause: null, sessionEpoch: 3 });
  });

  it('records why it left the registry', () => {
    expect(step(agentMachine, agentIn('active'), at('agent.removed')).snapshot.context.removedReason).toBe('shutdown');
    expect(step(agentMachine, agentIn('active'), at('agent.markedGone')).snapshot.context.removedReason).toBe('markedGone');
  });

  it('tolerates the input-less actor that xstate transition() builds on every call', () => {
    // Typed to require input; xstate's transition() calls it without, exactly like this.
    const actor = createActor(agentMachine as unknown as Parameters<typeof createActor>[0]);
    expect(actor.getSnapshot().status).toBe('active');
  });
});

const historyArbitrary = timedEventsArbitrary(agentEventArbitrary, T0 + 1);

describe('agent machine: properties', () => {
  it('final states absorb every event; keys name one effect each; snapshots survive the codec', () => {
    fc.assert(fc.property(historyArbitrary, (events) => checkGenericProperties(agentMachine, INPUT, events)), { numRuns: 200 });
  });

  it('stepping is pure and deterministic', () => {
    fc.assert(fc.property(historyArbitrary, (events) => checkPurity(agentMachine, INPUT, events)), { numRuns: 100 });
  });

  it('a deadline is always some command timestamp plus a configured timeout, and only waiting states have one', () => {
    const delays = [TIMEOUTS.disconnectGraceMs, TIMEOUTS.reregisterTimeoutMs, TIMEOUTS.unreachableRetentionMs];
    fc.assert(
      fc.property(historyArbitrary, (events) => {
        for (const entry of runHistory(agentMachine, INPUT, events).steps) {
          const { value, context } = entry.result.snapshot;
          expect(context.deadline !== null).toBe(value === 'disconnected' || value === 'unreachable');
          if (context.deadline !== null && entry.result.snapshot !== entry.before) {
            expect(delays.map((delayMs) => entry.event.nowMs + delayMs)).toContain(context.deadline.atMs);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a timeout event is only ever handled at or after its deadline', () => {
    fc.assert(
      fc.property(historyArbitrary, (events) => {
        for (const entry of runHistory(agentMachine, INPUT, events).steps) {
          const isTimeout = entry.event.type.endsWith('Timeout') || entry.event.type === 'agent.registryExpired';
          if (!entry.result.handled || !isTimeout) continue;
          const deadline = entry.before.context.deadline;
          expect(deadline?.event).toBe(entry.event.type);
          expect(entry.event.nowMs).toBeGreaterThanOrEqual(deadline?.atMs ?? Infinity);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('agent machine: snapshot round-trip', () => {
  it.each(['registering', 'active', 'disconnected', 'unreachable', 'gone', 'removed'].map((value) => [value]))('%s', (value) => {
    const snapshot = agentIn(value, value === 'disconnected' ? disconnectedAt(T0 + 10) : {});
    checkCodecRoundTrip(agentMachine, snapshot, at('agent.reregistered'));
    checkCodecRoundTrip(agentMachine, snapshot, at('agent.reregisterTimeout', T0 + 10));
  });
});
