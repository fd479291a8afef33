/**
 * The framework lifecycle as the master sees it (mesos-api.md §2.6, §4.2), a pure xstate machine.
 *
 *   subscribed ──disconnected / leaderChanged──► disconnected ──failoverTimeout──► tornDown
 *       ▲  │ subscribed (new scheduler instance)     │                               ▲
 *       │  └──────────────┘                          │ subscribed (failed over)      │ teardown
 *       └────────────────────────────────────────────┘                    (from any live state)
 *
 * The failover deadline lives in context, computed from the disconnect command's timestamp, so
 * it survives a master failover (Mesos loses it; mesos-api.md §4.1). A leader change while the
 * framework is already disconnected keeps the original deadline. `subscriptionEpoch` counts
 * subscriptions; each state is entered at most once per epoch, so effect keys never repeat.
 */
import { assign, setup } from 'xstate';
import { assert } from '../lib/assert.js';
import { deadlineKey, effectActions } from './effects.js';
import { isDeadlineReached, type Deadline, type MachineContextBase } from './types.js';

export interface FrameworkContext extends MachineContextBase {
  /** FrameworkInfo.failover_timeout in ms, from the latest SUBSCRIBE. */
  readonly failoverTimeoutMs: number;
  readonly subscriptionEpoch: number;
  readonly failoverCount: number;
  readonly subscribedAtMs: number;
  readonly disconnectedAtMs: number | null;
  readonly removedReason: string | null;
  readonly lastChangeMs: number;
}

export interface FrameworkInput {
  readonly frameworkId: string;
  readonly nowMs: number;
  readonly failoverTimeoutMs: number;
}

export type FrameworkEvent =
  | { readonly type: 'framework.subscribed'; readonly nowMs: number; readonly failoverTimeoutMs: number }
  | { readonly type: 'framework.disconnected'; readonly nowMs: number }
  | { readonly type: 'framework.leaderChanged'; readonly nowMs: number }
  | { readonly type: 'framework.failoverTimeout'; readonly nowMs: number }
  | { readonly type: 'framework.teardown'; readonly nowMs: number; readonly reason: string };

interface Args {
  readonly context: FrameworkContext;
  readonly event: FrameworkEvent;
}

function keyOf(context: FrameworkContext, what: string): string {
  return `framework:${context.id}:${context.subscriptionEpoch}:${what}`;
}

const subjectOf = (context: FrameworkContext): { kind: 'framework'; id: string } => ({ kind: 'framework', id: context.id });

const notifyParams =
  (topic: 'frameworkDisconnected' | 'frameworkFailedOver' | 'frameworkRemoved') =>
  ({ context }: Args) => ({ key: keyOf(context, topic), topic, subject: subjectOf(context), message: null });

const rescindParams = (what: string) => ({ context }: Args) => ({
  key: keyOf(context, `rescindOffers:${what}`),
  scope: subjectOf(context),
});

function scheduleParams({ context }: Args): { key: string; entity: { kind: 'framework'; id: string }; deadline: Deadline } {
  const deadline = context.deadline;
  assert(deadline !== null, 'scheduleDeadline without a deadline');
  const entity = subjectOf(context);
  return { key: deadlineKey(entity, deadline), entity, deadline };
}

const frameworkSetup = setup({
  types: {} as { context: FrameworkContext; events: FrameworkEvent; input: FrameworkInput },
  actions: {
    ...effectActions,
    recordSubscription: assign(({ context, event }) => {
      assert(event.type === 'framework.subscribed', `expected framework.subscribed, got ${event.type}`);
      return {
        subscriptionEpoch: context.subscriptionEpoch + 1,
        failoverCount: context.failoverCount + 1,
        failoverTimeoutMs: event.failoverTimeoutMs,
        subscribedAtMs: event.nowMs,
        disconnectedAtMs: null,
        deadline: null,
        lastChangeMs: event.nowMs,
      };
    }),
    recordDisconnect: assign(({ context, event }) => ({
      disconnectedAtMs: event.nowMs,
      deadline: { event: 'framework.failoverTimeout', atMs: event.nowMs + context.failoverTimeoutMs },
      lastChangeMs: event.nowMs,
    })),
    recordRemoval: assign(({ event }) => ({
      deadline: null,
      removedReason: event.type === 'framework.teardown' ? event.reason : 'failoverTimeout',
      lastChangeMs: event.nowMs,
    })),
  },
  guards: {
    isDeadlineReached: ({ context, event }) => isDeadlineReached(context.deadline, event),
  },
});

/** A SUBSCRIBE for a known framework: a new scheduler instance took over (failover). */
const failoverActions = ['recordSubscription', { type: 'notify', params: notifyParams('frameworkFailedOver') }] as const;

const BLANK_INPUT: FrameworkInput = { frameworkId: '', nowMs: 0, failoverTimeoutMs: 0 };

/** The framework lifecycle machine. Input: id, subscription timestamp, failover timeout. */
export const frameworkMachine = frameworkSetup.createMachine({
  id: 'framework',
  initial: 'subscribed',
  // xstate's pure transition() builds a throwaway actor, without input, on every call; a context
  // factory that threw on the missing input made each step several times slower.
  context: ({ input: given }) => {
    const input = given ?? BLANK_INPUT;
    return {
      id: input.frameworkId,
      deadline: null,
      failoverTimeoutMs: input.failoverTimeoutMs,
      subscriptionEpoch: 1,
      failoverCount: 0,
      subscribedAtMs: input.nowMs,
      disconnectedAtMs: null,
      removedReason: null,
      lastChangeMs: input.nowMs,
    };
  },
  states: {
    subscribed: {
      on: {
        'framework.subscribed': { actions: failoverActions },
        'framework.disconnected': { target: 'disconnected' },
        // Every subscription stream ends when leadership moves (mesos-api.md §4.7, H5).
        'framework.leaderChanged': { target: 'disconnected' },
        'framework.teardown': { target: 'tornDown', actions: 'recordRemoval' },
      },
    },
    // Deactivated: offers rescinded, calls answered 403, the failover timer runs.
    disconnected: {
      entry: [
        'recordDisconnect',
        { type: 'rescindOffers', params: rescindParams('disconnected') },
        { type: 'notify', params: notifyParams('frameworkDisconnected') },
        { type: 'scheduleDeadline', params: scheduleParams },
      ],
      on: {
        'framework.subscribed': { target: 'subscribed', actions: failoverActions },
        'framework.failoverTimeout': { guard: 'isDeadlineReached', target: 'tornDown', actions: 'recordRemoval' },
        'framework.teardown': { target: 'tornDown', actions: 'recordRemoval' },
      },
    },
    // Removed: tasks killed (REASON_FRAMEWORK_REMOVED), executors shut down, id kept as completed.
    tornDown: {
      type: 'final',
      entry: [
        {
          type: 'removeFrameworkTasks',
          params: ({ context }) => ({
            key: keyOf(context, 'removeTasks'),
            frameworkId: context.id,
            reason: context.removedReason ?? 'removed',
          }),
        },
        { type: 'rescindOffers', params: rescindParams('tornDown') },
        { type: 'notify', params: notifyParams('frameworkRemoved') },
      ],
    },
  },
});
