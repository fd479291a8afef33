/**
 * The Mesos task lifecycle (mesos-api.md §4.4) as a pure xstate machine.
 *
 * One state per Mesos `TaskState`; the legal moves come from `canTransitionTask` in
 * task-state.ts, so the table and the machine cannot disagree. Terminal states are xstate final
 * states: they absorb every event. An accepted status change records a `sendStatusUpdate` effect
 * for the framework; an illegal or duplicate update is not handled (the reducer sees
 * `handled: false`). Re-forwarding an agent's retried update (same uuid) is the leader's relay
 * job, not a state change, so it does not pass through here.
 *
 * Pure: no clock, no I/O; every timestamp comes from the event's `nowMs`.
 */
import { assign, setup } from 'xstate';
import { assert } from '../lib/assert.js';
import { effectActions, type StatusSource } from './effects.js';
import {
  TASK_STATE_NAMES,
  canTransitionTask,
  isLocationUnknown,
  isTerminalTaskState,
  toMachineState,
  type TaskStateName,
} from './task-state.js';
import type { MachineContextBase } from './types.js';

/** Replicated context of one task. */
export interface TaskContext extends MachineContextBase {
  readonly frameworkId: string;
  readonly agentId: string;
  /** The last state with a known location; a partition cannot move the task back past it. */
  readonly lastLocatedState: TaskStateName;
  readonly reason: string | null;
  /** Accepted status changes so far; part of each status update's idempotency key. */
  readonly updateCount: number;
  /** Kill requests so far; part of each kill's idempotency key (frameworks retry kills). */
  readonly killRequestCount: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface TaskInput {
  readonly taskId: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly nowMs: number;
}

/** A new task state reported by the agent or decided by the master (lost agent, reconcile). */
export interface TaskStatusUpdateEvent {
  readonly type: 'task.statusUpdate';
  readonly nowMs: number;
  readonly state: TaskStateName;
  readonly reason: string | null;
  readonly source: StatusSource;
  /** Agent-generated updates carry a uuid the framework must acknowledge; master ones do not. */
  readonly uuid: string | null;
}

/** The framework (or operator, or a removed framework's teardown) asked to kill the task. */
export interface TaskKillRequestedEvent {
  readonly type: 'task.killRequested';
  readonly nowMs: number;
  readonly reason: string;
}

export type TaskEvent = TaskStatusUpdateEvent | TaskKillRequestedEvent;

interface MoveParams {
  readonly from: TaskStateName;
  readonly to: TaskStateName;
}

function asStatusUpdate(event: TaskEvent): TaskStatusUpdateEvent {
  assert(event.type === 'task.statusUpdate', `expected task.statusUpdate, got ${event.type}`);
  return event;
}

const taskSetup = setup({
  types: {} as { context: TaskContext; events: TaskEvent; input: TaskInput },
  actions: {
    ...effectActions,
    recordStatus: assign(({ context, event }) => {
      const update = asStatusUpdate(event);
      return {
        updateCount: context.updateCount + 1,
        reason: update.reason,
        updatedAtMs: update.nowMs,
        lastLocatedState: isLocationUnknown(update.state) ? context.lastLocatedState : update.state,
      };
    }),
    recordKillRequest: assign(({ context, event }) => ({
      killRequestCount: context.killRequestCount + 1,
      updatedAtMs: event.nowMs,
    })),
  },
  guards: {
    canMove: ({ context, event }, params: MoveParams) =>
      event.type === 'task.statusUpdate' &&
      event.state === params.to &&
      canTransitionTask(params.from, params.to, context.lastLocatedState),
  },
});

/** Transitions out of one live state: a status update to any legal target, and kill requests. */
function liveStateConfig(from: TaskStateName): object {
  const moves = TASK_STATE_NAMES.filter((to) => to !== from).map((to) => ({
    guard: { type: 'canMove' as const, params: { from, to } },
    target: toMachineState(to),
    actions: [
      'recordStatus' as const,
      {
        type: 'sendStatusUpdate' as const,
        params: ({ context, event }: { context: TaskContext; event: TaskEvent }) => {
          const update = asStatusUpdate(event);
          return {
            key: `task:${context.id}:status:${context.updateCount}`,
            taskId: context.id,
            frameworkId: context.frameworkId,
            agentId: context.agentId,
            state: update.state,
            reason: update.reason,
            source: update.source,
            uuid: update.uuid,
            timestampMs: update.nowMs,
          };
        },
      },
    ],
  }));
  const kill = {
    actions: [
      'recordKillRequest' as const,
      {
        type: 'killTask' as const,
        params: ({ context, event }: { context: TaskContext; event: TaskEvent }) => ({
          key: `task:${context.id}:kill:${context.killRequestCount}`,
          taskId: context.id,
          agentId: context.agentId,
          reason: event.type === 'task.killRequested' ? event.reason : 'unknown',
        }),
      },
    ],
  };
  return { on: { 'task.statusUpdate': moves, 'task.killRequested': kill } };
}

function taskStatesConfig(): Record<string, object> {
  const states: Record<string, object> = {};
  for (const name of TASK_STATE_NAMES) {
    states[toMachineState(name)] = isTerminalTaskState(name) ? { type: 'final' } : liveStateConfig(name);
  }
  return states;
}

const BLANK_INPUT: TaskInput = { taskId: '', frameworkId: '', agentId: '', nowMs: 0 };

/** The task lifecycle machine. Input: ids and the launch timestamp. */
export const taskMachine = taskSetup.createMachine({
  id: 'task',
  initial: 'staging',
  // xstate's pure transition() builds a throwaway actor, without input, on every call; a context
  // factory that threw on the missing input made each step several times slower.
  context: ({ input: given }) => {
    const input = given ?? BLANK_INPUT;
    return {
      id: input.taskId,
      deadline: null,
      frameworkId: input.frameworkId,
      agentId: input.agentId,
      lastLocatedState: 'TASK_STAGING',
      reason: null,
      updateCount: 0,
      killRequestCount: 0,
      createdAtMs: input.nowMs,
      updatedAtMs: input.nowMs,
    };
  },
  // The master accepted the launch: the task is STAGING and the agent must be told to run it.
  entry: {
    type: 'launchTask',
    params: ({ context }) => ({
      key: `task:${context.id}:launch`,
      taskId: context.id,
      frameworkId: context.frameworkId,
      agentId: context.agentId,
    }),
  },
  states: taskStatesConfig() as Record<'staging', object>,
});
