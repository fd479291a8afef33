/**
 * fast-check arbitraries for random, timed event histories of each lifecycle machine, shared by
 * the per-machine tests and the runtime tests. Builders take `nowMs` so that the harness can
 * hand out non-decreasing timestamps; event kinds are weighted so that waiting states and their
 * timeouts are reached often.
 */
import fc from 'fast-check';
import type { AgentEvent } from '../../../src/actors/agent.machine.js';
import type { FrameworkEvent } from '../../../src/actors/framework.machine.js';
import type { JobRunEvent } from '../../../src/actors/job-run.machine.js';
import type { TaskEvent } from '../../../src/actors/task.machine.js';
import { TASK_STATE_NAMES } from '../../../src/actors/task-state.js';

export function agentEventAt(type: AgentEvent['type'], nowMs: number): AgentEvent {
  return (type === 'agent.removed' ? { type, nowMs, reason: 'shutdown' } : { type, nowMs }) as AgentEvent;
}

export function frameworkEventAt(type: FrameworkEvent['type'], nowMs: number, failoverTimeoutMs = 120_000): FrameworkEvent {
  switch (type) {
    case 'framework.subscribed':
      return { type, nowMs, failoverTimeoutMs };
    case 'framework.teardown':
      return { type, nowMs, reason: 'operator' };
    default:
      return { type, nowMs };
  }
}

export function jobRunEventAt(type: JobRunEvent['type'], nowMs: number): JobRunEvent {
  switch (type) {
    case 'run.launched':
      return { type, nowMs, taskId: 'ct:backup:0', agentId: 'a1' };
    case 'run.failed':
      return { type, nowMs, message: 'exit 1' };
    case 'run.killRequested':
      return { type, nowMs, reason: 'user' };
    case 'run.skipped':
      return { type, nowMs, reason: 'concurrency' };
    default:
      return { type, nowMs };
  }
}

export const taskEventArbitrary: fc.Arbitrary<(nowMs: number) => TaskEvent> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        state: fc.constantFrom(...TASK_STATE_NAMES),
        source: fc.constantFrom('agent', 'master', 'executor' as const),
        uuid: fc.option(fc.uuid(), { nil: null }),
        reason: fc.option(fc.constantFrom('REASON_A', 'REASON_B'), { nil: null }),
      })
      .map((fields) => (nowMs: number): TaskEvent => ({ type: 'task.statusUpdate', nowMs, ...fields })),
  },
  { weight: 1, arbitrary: fc.constant((nowMs: number): TaskEvent => ({ type: 'task.killRequested', nowMs, reason: 'framework' })) },
);

export const agentEventArbitrary: fc.Arbitrary<(nowMs: number) => AgentEvent> = fc
  .constantFrom<AgentEvent['type']>(
    'agent.registered', 'agent.reregistered', 'agent.heartbeatMissed', 'agent.heartbeatMissed', 'agent.heartbeatReceived',
    'agent.disconnected', 'agent.leaderChanged', 'agent.reregisterTimeout', 'agent.reregisterTimeout', 'agent.registryExpired',
    'agent.markedGone', 'agent.removed',
  )
  .map((type) => (nowMs: number) => agentEventAt(type, nowMs));

export const frameworkEventArbitrary: fc.Arbitrary<(nowMs: number) => FrameworkEvent> = fc
  .constantFrom<FrameworkEvent['type']>(
    'framework.subscribed', 'framework.disconnected', 'framework.disconnected', 'framework.leaderChanged',
    'framework.failoverTimeout', 'framework.failoverTimeout', 'framework.teardown',
  )
  .map((type) => (nowMs: number) => frameworkEventAt(type, nowMs));

export const jobRunEventArbitrary: fc.Arbitrary<(nowMs: number) => JobRunEvent> = fc
  .constantFrom<JobRunEvent['type']>(
    'run.launched', 'run.launched', 'run.started', 'run.succeeded', 'run.failed', 'run.failed', 'run.failed', 'run.killed',
    'run.killRequested', 'run.skipped', 'run.startTimeout', 'run.completionTimeout', 'run.retryDue', 'run.retryDue', 'run.retryDue',
  )
  .map((type) => (nowMs: number) => jobRunEventAt(type, nowMs));
