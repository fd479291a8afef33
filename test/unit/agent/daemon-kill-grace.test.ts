/**
 * A master's killTask may carry a grace period: it overrides the task's kill policy.
 * Goal: the kill timer is armed with the override when given, else the task's own policy,
 * else the 3 s default. Method: the pure core, one running task.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_KILL_GRACE_PERIOD_MS, step, type AgentCoreState } from '../../../src/agent/core.js';
import type { TaskRecord } from '../../../src/agent/types.js';

const running = (killGracePeriodMs?: number): AgentCoreState => {
  const record: TaskRecord = {
    spec: { taskId: 't', frameworkId: 'f', command: { shell: true, value: 'sleep 9' }, ...(killGracePeriodMs !== undefined ? { killGracePeriodMs } : {}) },
    phase: 'running',
    lastState: 'TASK_RUNNING',
    process: { pid: 10, startTime: 1 },
  };
  return { tasks: { t: record } };
};
const armed = (state: AgentCoreState, gracePeriodMs?: number) =>
  step(state, { type: 'killRequested', taskId: 't', ...(gracePeriodMs !== undefined ? { gracePeriodMs } : {}) }).effects.find((e) => e.type === 'armKillTimer');

describe('kill grace period', () => {
  it('uses the override, then the task policy, then the default', () => {
    expect(armed(running(5_000), 250)).toMatchObject({ delayMs: 250 });
    expect(armed(running(5_000))).toMatchObject({ delayMs: 5_000 });
    expect(armed(running())).toMatchObject({ delayMs: DEFAULT_KILL_GRACE_PERIOD_MS });
  });
});
