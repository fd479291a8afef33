/**
 * Kill requests survive a missing agent link: a re-registering agent is asked again to kill
 * every non-terminal task whose kill was requested (issue: KILL while the agent restarts).
 */
import { describe, expect, it } from 'vitest';
import type { ReportedTask } from '../../../src/protocol/messages.js';
import { scalars, T0, TestRegistry } from './registry-helpers.js';

const spec = (taskId: string, frameworkId: string) => ({ taskId, frameworkId, command: { shell: true, value: 'x' } });

function reregister(r: TestRegistry, tasks: Array<{ taskId: string; frameworkId: string; state: string }>, nowMs = T0 + 10_000) {
  return r.apply({
    t: 'reg.agent.reregister',
    agentId: 'a1',
    hostname: 'a1.host',
    httpAddress: '127.0.0.1:5051',
    resources: scalars(4, 4096),
    attributes: {},
    tasks: tasks.map((task) => ({ spec: spec(task.taskId, task.frameworkId), state: task.state as ReportedTask['state'] })),
    nowMs,
  });
}

describe('registry: kill requests are re-sent on re-registration', () => {
  it('re-sends killTask for a live task whose kill was requested, and only for it', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe({ checkpoint: true });
    r.launch(fw, 'doomed');
    r.launch(fw, 'kept');
    r.status(fw, 'doomed', 'TASK_RUNNING');
    r.status(fw, 'kept', 'TASK_RUNNING');
    expect(r.apply({ t: 'reg.task.kill', frameworkId: fw, taskId: 'doomed', nowMs: T0 + 2_000 }).ok).toBe(true);
    const result = reregister(r, [
      { taskId: 'doomed', frameworkId: fw, state: 'TASK_RUNNING' },
      { taskId: 'kept', frameworkId: fw, state: 'TASK_RUNNING' },
    ]);
    expect(result.ok).toBe(true);
    expect(r.effectsOf('killTask')).toEqual([expect.objectContaining({ taskId: 'doomed', frameworkId: fw, agentId: 'a1' })]);
  });

  it('re-sends after the agent came back from unreachable, and again on each later re-registration until terminal', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe({ partitionAware: true });
    r.launch(fw, 't1');
    r.status(fw, 't1', 'TASK_RUNNING');
    r.apply({ t: 'reg.task.kill', frameworkId: fw, taskId: 't1', nowMs: T0 + 2_000 });
    expect(r.apply({ t: 'reg.agent.unreachable', agentId: 'a1', nowMs: T0 + 5_000 }).ok).toBe(true);
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_UNREACHABLE');
    expect(reregister(r, [{ taskId: 't1', frameworkId: fw, state: 'TASK_RUNNING' }]).ok).toBe(true);
    const first = r.effectsOf('killTask');
    expect(first).toEqual([expect.objectContaining({ taskId: 't1', frameworkId: fw })]);
    expect(reregister(r, [{ taskId: 't1', frameworkId: fw, state: 'TASK_RUNNING' }], T0 + 20_000).ok).toBe(true);
    const second = r.effectsOf('killTask');
    expect(second).toHaveLength(1);
    expect(second[0]!.key).not.toBe(first[0]!.key);
    r.status(fw, 't1', 'TASK_KILLED', 'u-killed', 'a1', T0 + 21_000);
    expect(reregister(r, [{ taskId: 't1', frameworkId: fw, state: 'TASK_KILLED' }], T0 + 30_000).ok).toBe(true);
    expect(r.effectsOf('killTask')).toEqual([]);
  });

  it('a task whose kill was requested but that the agent no longer reports is lost, not killed', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    r.launch(fw, 't1');
    r.apply({ t: 'reg.task.kill', frameworkId: fw, taskId: 't1', nowMs: T0 + 2_000 });
    expect(reregister(r, []).ok).toBe(true);
    expect(r.effectsOf('killTask')).toEqual([]);
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_LOST');
  });
});
