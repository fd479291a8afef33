/**
 * The agent lifecycle as the master sees it (mesos-api.md §3.3, §4.3), a pure xstate machine.
 *
 *   registering ──registered──► active ──disconnected / leaderChanged──► disconnected
 *                                 │  ▲                                       │
 *        heartbeats exhausted     │  └────────────reregistered───────────────┤
 *                                 ▼                                          │ reregisterTimeout
 *                            unreachable ◄───────────────────────────────────┘
 *                                 │ registryExpired            any live state ──markedGone──► gone
 *                                 ▼                            any live state ──removed─────► removed
 *                              removed
 *
 * Deadlines live in context (STYLE §3.4): the leader arms a timer from `context.deadline` and,
 * when it fires, proposes the named event; a stale timeout (the agent re-registered meanwhile)
 * fails the guard and is not handled. `sessionEpoch` counts (re)registrations; each state is
 * entered at most once per epoch, so `agent:<id>:<epoch>:<what>` keys never repeat.
 */
import { assign, setup } from 'xstate';
import { assert } from '../lib/assert.js';
import { deadlineKey, effectActions } from './effects.js';
import { isDeadlineReached, type Deadline, type MachineContextBase } from './types.js';

/** Agent health timeouts, copied into context when the agent registers. */
export interface AgentTimeouts {
  /** Consecutive missed pings before an agent is unreachable (Mesos: 5). */
  readonly maxMissedHeartbeats: number;
  /** How long a disconnected agent has to come back (Mesos: ping timeout 15 s × 5 = 75 s). */
  readonly disconnectGraceMs: number;
  /** How long a known agent has to re-register with a new leader (Mesos: ≥ 10 min). */
  readonly reregisterTimeoutMs: number;
  /** How long an unreachable agent stays in the registry (Mesos: 2 weeks). */
  readonly unreachableRetentionMs: number;
}

export const DEFAULT_AGENT_TIMEOUTS: AgentTimeouts = {
  maxMissedHeartbeats: 5,
  disconnectGraceMs: 75_000,
  reregisterTimeoutMs: 600_000,
  unreachableRetentionMs: 14 * 24 * 3_600_000,
};

export interface AgentContext extends MachineContextBase {
  readonly timeouts: AgentTimeouts;
  /** Number of (re)registrations; part of every effect key. */
  readonly sessionEpoch: number;
  readonly missedHeartbeats: number;
  readonly registeredAtMs: number;
  readonly lastChangeMs: number;
  readonly disconnectCause: 'socketClosed' | 'leaderChanged' | null;
  readonly unreachableSinceMs: number | null;
  readonly removedReason: string | null;
}

export interface AgentInput {
  readonly agentId: string;
  readonly nowMs: number;
  readonly timeouts: AgentTimeouts;
}

export type AgentEvent =
  | { readonly type: 'agent.registered'; readonly nowMs: number }
  | { readonly type: 'agent.reregistered'; readonly nowMs: number }
  | { readonly type: 'agent.heartbeatMissed'; readonly nowMs: number }
  | { readonly type: 'agent.heartbeatReceived'; readonly nowMs: number }
  | { readonly type: 'agent.disconnected'; readonly nowMs: number }
  | { readonly type: 'agent.leaderChanged'; readonly nowMs: number }
  | { readonly type: 'agent.reregisterTimeout'; readonly nowMs: number }
  | { readonly type: 'agent.registryExpired'; readonly nowMs: number }
  | { readonly type: 'agent.markedGone'; readonly nowMs: number }
  | { readonly type: 'agent.removed'; readonly nowMs: number; readonly reason: string };

interface Args {
  readonly context: AgentContext;
  readonly event: AgentEvent;
}

function keyOf(context: AgentContext, what: string): string {
  return `agent:${context.id}:${context.sessionEpoch}:${what}`;
}

/** Why the agent left the registry, for operators and the removed-agent listing. */
function endReasonOf(event: AgentEvent): string {
  switch (event.type) {
    case 'agent.removed':
      return event.reason;
    case 'agent.markedGone':
      return 'markedGone';
    case 'agent.disconnected':
      return 'registrationAbandoned';
    default:
      return 'registryExpired';
  }
}

function deadlineAfter(event: string, nowMs: number, delayMs: number): Deadline {
  return { event, atMs: nowMs + delayMs };
}

function scheduleParams({ context }: Args): { key: string; entity: { kind: 'agent'; id: string }; deadline: Deadline } {
  const deadline = context.deadline;
  assert(deadline !== null, 'scheduleDeadline without a deadline');
  const entity = { kind: 'agent' as const, id: context.id };
  return { key: deadlineKey(entity, deadline), entity, deadline };
}

const agentSetup = setup({
  types: {} as { context: AgentContext; events: AgentEvent; input: AgentInput },
  actions: {
    ...effectActions,
    recordSession: assign(({ context, event }) => ({
      sessionEpoch: context.sessionEpoch + 1,
      missedHeartbeats: 0,
      deadline: null,
      disconnectCause: null,
      unreachableSinceMs: null,
      lastChangeMs: event.nowMs,
    })),
    recordMissedHeartbeat: assign(({ context }) => ({ missedHeartbeats: context.missedHeartbeats + 1 })),
    clearMissedHeartbeats: assign({ missedHeartbeats: 0 }),
    recordDisconnect: assign(({ context, event }) => {
      const socketClosed = event.type === 'agent.disconnected';
      const delayMs = socketClosed ? context.timeouts.disconnectGraceMs : context.timeouts.reregisterTimeoutMs;
      return {
        disconnectCause: socketClosed ? ('socketClosed' as const) : ('leaderChanged' as const),
        deadline: deadlineAfter('agent.reregisterTimeout', event.nowMs, delayMs),
        lastChangeMs: event.nowMs,
      };
    }),
    recordUnreachable: assign(({ context, event }) => ({
      unreachableSinceMs: event.nowMs,
      deadline: deadlineAfter('agent.registryExpired', event.nowMs, context.timeouts.unreachableRetentionMs),
      lastChangeMs: event.nowMs,
    })),
    recordEnd: assign(({ event }) => ({
      deadline: null,
      lastChangeMs: event.nowMs,
      removedReason: endReasonOf(event),
    })),
  },
  guards: {
    hasExhaustedHeartbeats: ({ context }) => context.missedHeartbeats + 1 >= context.timeouts.maxMissedHeartbeats,
    hasMissedHeartbeats: ({ context }) => context.missedHeartbeats > 0,
    isDeadlineReached: ({ context, event }) => isDeadlineReached(context.deadline, event),
  },
});

/** Effects of a (re)registration, recorded after `recordSession` bumped the epoch. */
const reregisterEffects = [
  'recordSession',
  {
    type: 'messageAgent',
    params: ({ context }: Args) => ({ key: keyOf(context, 'reregistered'), agentId: context.id, message: 'reregistered' as const }),
  },
] as const;

const endTransitions = {
  'agent.markedGone': { target: 'gone', actions: 'recordEnd' },
  'agent.removed': { target: 'removed', actions: 'recordEnd' },
} as const;

const notifyParams =
  (topic: 'agentActivated' | 'agentUnreachable' | 'agentGone' | 'agentRemoved') =>
  ({ context }: Args) => ({ key: keyOf(context, topic), topic, subject: { kind: 'agent' as const, id: context.id }, message: null });

const rescindParams = (what: string) => ({ context }: Args) => ({
  key: keyOf(context, `rescindOffers:${what}`),
  scope: { kind: 'agent' as const, id: context.id },
});

const tasksParams = (cause: 'disconnected' | 'unreachable' | 'reregistered' | 'goneByOperator' | 'removed') =>
  ({ context }: Args) => ({ key: keyOf(context, `tasks:${cause}`), agentId: context.id, cause });

const BLANK_INPUT: AgentInput = { agentId: '', nowMs: 0, timeouts: DEFAULT_AGENT_TIMEOUTS };

/** The agent lifecycle machine. */
export const agentMachine = agentSetup.createMachine({
  id: 'agent',
  initial: 'registering',
  // xstate's pure transition() builds a throwaway actor, without input, on every call; a context
  // factory that threw on the missing input made each step several times slower.
  context: ({ input: given }) => {
    const input = given ?? BLANK_INPUT;
    return {
      id: input.agentId,
      deadline: null,
      timeouts: input.timeouts,
      sessionEpoch: 0,
      missedHeartbeats: 0,
      registeredAtMs: input.nowMs,
      lastChangeMs: input.nowMs,
      disconnectCause: null,
      unreachableSinceMs: null,
      removedReason: null,
    };
  },
  states: {
    // Admitted to the registry; the agent is told its id and confirms with its first heartbeat.
    registering: {
      entry: {
        type: 'messageAgent',
        params: ({ context }) => ({ key: keyOf(context, 'registered'), agentId: context.id, message: 'registered' }),
      },
      on: {
        'agent.registered': { target: 'active', actions: 'recordSession' },
        'agent.disconnected': { target: 'removed', actions: 'recordEnd' },
        ...endTransitions,
      },
    },
    active: {
      entry: { type: 'notify', params: notifyParams('agentActivated') },
      on: {
        'agent.heartbeatMissed': [
          { guard: 'hasExhaustedHeartbeats', target: 'unreachable' },
          { actions: 'recordMissedHeartbeat' },
        ],
        'agent.heartbeatReceived': { guard: 'hasMissedHeartbeats', actions: 'clearMissedHeartbeats' },
        // The socket broke: non-checkpointing frameworks' tasks are lost at once (§3.3).
        'agent.disconnected': {
          target: 'disconnected',
          actions: [
            'recordDisconnect',
            { type: 'rescindOffers', params: rescindParams('disconnected') },
            { type: 'updateAgentTasks', params: tasksParams('disconnected') },
          ],
        },
        // A new leader gives every agent `reregisterTimeoutMs` to reconnect; tasks stay as they are.
        'agent.leaderChanged': { target: 'disconnected', actions: 'recordDisconnect' },
        // A reconnect the master never saw as a disconnect: a new session all the same.
        'agent.reregistered': { actions: reregisterEffects },
        ...endTransitions,
      },
    },
    disconnected: {
      entry: { type: 'scheduleDeadline', params: scheduleParams },
      on: {
        'agent.reregistered': { target: 'active', actions: reregisterEffects },
        'agent.reregisterTimeout': { guard: 'isDeadlineReached', target: 'unreachable' },
        ...endTransitions,
      },
    },
    unreachable: {
      entry: [
        'recordUnreachable',
        { type: 'rescindOffers', params: rescindParams('unreachable') },
        { type: 'updateAgentTasks', params: tasksParams('unreachable') },
        { type: 'notify', params: notifyParams('agentUnreachable') },
        { type: 'scheduleDeadline', params: scheduleParams },
      ],
      on: {
        // Partition-aware frameworks see their tasks come back; the rest are killed (§4.3).
        'agent.reregistered': {
          target: 'active',
          actions: [...reregisterEffects, { type: 'updateAgentTasks', params: tasksParams('reregistered') }],
        },
        'agent.registryExpired': { guard: 'isDeadlineReached', target: 'removed', actions: 'recordEnd' },
        ...endTransitions,
      },
    },
    // An operator's MARK_AGENT_GONE: the id can never come back.
    gone: {
      type: 'final',
      entry: [
        { type: 'messageAgent', params: ({ context }) => ({ key: keyOf(context, 'shutdown'), agentId: context.id, message: 'shutdown' }) },
        { type: 'rescindOffers', params: rescindParams('gone') },
        { type: 'updateAgentTasks', params: tasksParams('goneByOperator') },
        { type: 'notify', params: notifyParams('agentGone') },
      ],
    },
    removed: {
      type: 'final',
      entry: [
        { type: 'rescindOffers', params: rescindParams('removed') },
        { type: 'updateAgentTasks', params: tasksParams('removed') },
        { type: 'notify', params: notifyParams('agentRemoved') },
      ],
    },
  },
});
