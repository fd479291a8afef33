/**
 * One Chronos job run — one scheduled (or manual) occurrence and its retries — as a pure xstate
 * machine (chronos-api.md §3.6, §3.9, §3.10, §3.16).
 *
 *   queued ──launched──► launching ──started──► running ──succeeded──► succeeded
 *     │ ▲                    │ failed / killed     │ failed: attempts left ──► retrying ──retryDue──┐
 *     │ └────────────────────┼─────────────────────┼────────────────────────────────────────────────┘
 *     │ startTimeout/skipped │ completionTimeout / killRequested ──► killing ──► killed
 *     ▼                      ▼ failed: no attempts left ──► failed
 *   skipped
 *
 * Kairos resolves Chronos' ambiguities (§3.16): retries are counted per occurrence against
 * `retries`, always allowed regardless of earlier occurrences, with exponential back-off from
 * `retryBackoffBaseMs`, and the retry deadline is replicated (it survives leader failover).
 * Every deadline (epsilon start window, maxCompletionTime, retry back-off) sits in context.
 *
 * Concurrency is decided by the engine, not here: the machine records what the engine needs
 * (`concurrent`, `manual`, the current task and agent) and accepts `run.skipped` when the engine
 * drops the run. Launching the task itself is the task machine's effect (the run's task is an
 * ordinary Mesos task of the built-in framework); this machine only tracks the run.
 */
import { assign, setup } from 'xstate';
import { assert } from '../lib/assert.js';
import { deadlineKey, effectActions, type NotifyTopic } from './effects.js';
import { isDeadlineReached, type Deadline, type MachineContextBase } from './types.js';

/** The job fields a run needs, copied when the run is created. */
export interface JobRunSettings {
  readonly retries: number;
  readonly retryBackoffBaseMs: number;
  readonly retryBackoffMaxMs: number;
  /** Kill a run that has not completed this long after launch; null = no limit. */
  readonly maxCompletionTimeMs: number | null;
  /** Skip a run not launched within this window after it became due; null = no window. */
  readonly epsilonMs: number | null;
  readonly concurrent: boolean;
}

export interface JobRunContext extends MachineContextBase, JobRunSettings {
  readonly jobName: string;
  readonly scheduledAtMs: number;
  readonly manual: boolean;
  /** 0 for the first try; each retry adds one. */
  readonly attempt: number;
  readonly taskId: string | null;
  readonly agentId: string | null;
  readonly dueAtMs: number;
  readonly launchedAtMs: number | null;
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
  readonly lastError: string | null;
  readonly endReason: string | null;
}

export interface JobRunInput extends JobRunSettings {
  /** Job name + scheduled instant: the run's idempotency key (DESIGN rule 3). */
  readonly runKey: string;
  readonly jobName: string;
  readonly scheduledAtMs: number;
  readonly manual: boolean;
  readonly nowMs: number;
}

export type JobRunEvent =
  | { readonly type: 'run.launched'; readonly nowMs: number; readonly taskId: string; readonly agentId: string }
  | { readonly type: 'run.started'; readonly nowMs: number }
  | { readonly type: 'run.succeeded'; readonly nowMs: number }
  | { readonly type: 'run.failed'; readonly nowMs: number; readonly message: string | null }
  | { readonly type: 'run.killed'; readonly nowMs: number }
  | { readonly type: 'run.killRequested'; readonly nowMs: number; readonly reason: string }
  | { readonly type: 'run.skipped'; readonly nowMs: number; readonly reason: string }
  | { readonly type: 'run.startTimeout'; readonly nowMs: number }
  | { readonly type: 'run.completionTimeout'; readonly nowMs: number }
  | { readonly type: 'run.retryDue'; readonly nowMs: number };

/** Back-off before retry number `attempt + 1`: base · 2^attempt, capped at `maxMs`. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  assert(attempt >= 0 && baseMs >= 0 && maxMs >= 0, 'retry back-off inputs must be non-negative');
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 52));
}

interface Args {
  readonly context: JobRunContext;
  readonly event: JobRunEvent;
}

function keyOf(context: JobRunContext, what: string): string {
  return `run:${context.id}:${context.attempt}:${what}`;
}

function startDeadline(context: JobRunContext, dueAtMs: number): Deadline | null {
  return context.epsilonMs === null ? null : { event: 'run.startTimeout', atMs: dueAtMs + context.epsilonMs };
}

function completionDeadline(context: JobRunContext, launchedAtMs: number): Deadline | null {
  const limitMs = context.maxCompletionTimeMs;
  return limitMs === null ? null : { event: 'run.completionTimeout', atMs: launchedAtMs + limitMs };
}

const notifyParams = (topic: NotifyTopic) => ({ context }: Args) => ({
  key: keyOf(context, topic),
  topic,
  subject: { kind: 'run' as const, id: context.id },
  message: context.endReason ?? context.lastError,
});

const jobRunSetup = setup({
  types: {} as { context: JobRunContext; events: JobRunEvent; input: JobRunInput },
  actions: {
    ...effectActions,
    recordLaunch: assign(({ context, event }) => {
      assert(event.type === 'run.launched', `expected run.launched, got ${event.type}`);
      return {
        taskId: event.taskId,
        agentId: event.agentId,
        launchedAtMs: event.nowMs,
        deadline: completionDeadline(context, event.nowMs),
      };
    }),
    recordStart: assign(({ event }) => ({ startedAtMs: event.nowMs })),
    recordFailure: assign(({ context, event }) => ({
      lastError: event.type === 'run.failed' ? (event.message ?? 'failed') : context.lastError,
      finishedAtMs: event.nowMs,
      deadline: null,
    })),
    recordRetryWait: assign(({ context, event }) => ({
      deadline: {
        event: 'run.retryDue',
        atMs: event.nowMs + retryDelayMs(context.attempt, context.retryBackoffBaseMs, context.retryBackoffMaxMs),
      },
    })),
    recordRequeue: assign(({ context, event }) => ({
      attempt: context.attempt + 1,
      taskId: null,
      agentId: null,
      dueAtMs: event.nowMs,
      launchedAtMs: null,
      startedAtMs: null,
      finishedAtMs: null,
      deadline: startDeadline(context, event.nowMs),
    })),
    recordKillRequest: assign(({ event }) => ({
      endReason: event.type === 'run.killRequested' ? event.reason : 'maxCompletionTime',
      deadline: null,
    })),
    recordEnd: assign(({ context, event }) => ({
      finishedAtMs: event.nowMs,
      deadline: null,
      endReason: endReasonOf(event) ?? context.endReason,
    })),
  },
  guards: {
    hasAttemptsLeft: ({ context }) => context.attempt < context.retries,
    isDeadlineReached: ({ context, event }) => isDeadlineReached(context.deadline, event),
  },
});

function endReasonOf(event: JobRunEvent): string | null {
  switch (event.type) {
    case 'run.skipped':
    case 'run.killRequested':
      return event.reason;
    case 'run.startTimeout':
      return 'epsilon';
    default:
      return null;
  }
}

/** Arm the current deadline, if the state has one (epsilon and maxCompletionTime are optional). */
const scheduleCurrentDeadline = jobRunSetup.enqueueActions(({ context, enqueue }) => {
  if (context.deadline === null) return;
  const entity = { kind: 'run' as const, id: context.id };
  enqueue({ type: 'scheduleDeadline', params: { key: deadlineKey(entity, context.deadline), entity, deadline: context.deadline } });
});

const killTaskParams = ({ context }: Args) => {
  assert(context.taskId !== null && context.agentId !== null, 'kill of a run without a task');
  return { key: keyOf(context, 'kill'), taskId: context.taskId, agentId: context.agentId, reason: context.endReason ?? 'killed' };
};

const endTransitions = {
  'run.succeeded': { target: 'succeeded', actions: 'recordEnd' },
  'run.failed': [
    { guard: 'hasAttemptsLeft', target: 'retrying', actions: ['recordFailure', 'recordRetryWait'] },
    { target: 'failed', actions: 'recordFailure' },
  ],
  'run.killed': { target: 'killed', actions: 'recordEnd' },
  'run.killRequested': { target: 'killing', actions: 'recordKillRequest' },
  'run.completionTimeout': { guard: 'isDeadlineReached', target: 'killing', actions: 'recordKillRequest' },
} as const;

const BLANK_INPUT: JobRunInput = {
  runKey: '',
  jobName: '',
  scheduledAtMs: 0,
  manual: false,
  nowMs: 0,
  retries: 0,
  retryBackoffBaseMs: 0,
  retryBackoffMaxMs: 0,
  maxCompletionTimeMs: null,
  epsilonMs: null,
  concurrent: false,
};

/** The job-run lifecycle machine. */
export const jobRunMachine = jobRunSetup.createMachine({
  id: 'jobRun',
  initial: 'queued',
  // xstate's pure transition() builds a throwaway actor, without input, on every call; a context
  // factory that threw on the missing input made each step several times slower.
  context: ({ input: given }) => {
    const input = given ?? BLANK_INPUT;
    return {
      id: input.runKey,
      deadline: input.epsilonMs === null ? null : { event: 'run.startTimeout', atMs: input.scheduledAtMs + input.epsilonMs },
      jobName: input.jobName,
      scheduledAtMs: input.scheduledAtMs,
      manual: input.manual,
      retries: input.retries,
      retryBackoffBaseMs: input.retryBackoffBaseMs,
      retryBackoffMaxMs: input.retryBackoffMaxMs,
      maxCompletionTimeMs: input.maxCompletionTimeMs,
      epsilonMs: input.epsilonMs,
      concurrent: input.concurrent,
      attempt: 0,
      taskId: null,
      agentId: null,
      dueAtMs: input.scheduledAtMs,
      launchedAtMs: null,
      startedAtMs: null,
      finishedAtMs: null,
      lastError: null,
      endReason: null,
    };
  },
  states: {
    // Waiting for the engine to find an offer (or to drop the run for concurrency).
    queued: {
      entry: [{ type: 'notify', params: notifyParams('jobQueued') }, scheduleCurrentDeadline],
      on: {
        'run.launched': { target: 'launching', actions: 'recordLaunch' },
        'run.skipped': { target: 'skipped', actions: 'recordEnd' },
        'run.startTimeout': { guard: 'isDeadlineReached', target: 'skipped', actions: 'recordEnd' },
        'run.killRequested': { target: 'killed', actions: 'recordEnd' },
      },
    },
    launching: {
      entry: [{ type: 'notify', params: notifyParams('jobStarted') }, scheduleCurrentDeadline],
      on: { 'run.started': { target: 'running', actions: 'recordStart' }, ...endTransitions },
    },
    running: { on: endTransitions },
    // A kill was sent; whatever terminal status comes back ends the run, and no retry follows.
    killing: {
      entry: { type: 'killTask', params: killTaskParams },
      on: {
        'run.succeeded': { target: 'succeeded', actions: 'recordEnd' },
        'run.failed': { target: 'killed', actions: 'recordEnd' },
        'run.killed': { target: 'killed', actions: 'recordEnd' },
      },
    },
    // Back-off between attempts; the timer is replicated as `deadline` and re-armed on failover.
    retrying: {
      entry: [
        { type: 'notify', params: notifyParams('jobFailed') },
        {
          type: 'proposeRetry',
          params: ({ context }) => {
            assert(context.deadline !== null, 'retrying without a retry deadline');
            // The retry flavour of scheduleDeadline: same timer key the runtime re-derives after failover.
            const key = deadlineKey({ kind: 'run', id: context.id }, context.deadline);
            return { key, runKey: context.id, jobName: context.jobName, attempt: context.attempt + 1, atMs: context.deadline.atMs };
          },
        },
      ],
      on: {
        'run.retryDue': { guard: 'isDeadlineReached', target: 'queued', actions: 'recordRequeue' },
        'run.killRequested': { target: 'killed', actions: 'recordEnd' },
      },
    },
    succeeded: { type: 'final', entry: { type: 'notify', params: notifyParams('jobFinished') } },
    failed: {
      type: 'final',
      entry: [{ type: 'notify', params: notifyParams('jobFailed') }, { type: 'notify', params: notifyParams('jobRetriesExhausted') }],
    },
    killed: { type: 'final', entry: { type: 'notify', params: notifyParams('jobKilled') } },
    skipped: { type: 'final', entry: { type: 'notify', params: notifyParams('jobSkipped') } },
  },
});
