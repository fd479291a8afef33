/**
 * A launched TaskInfo is replicated as the task's record plus only the fields the operator views
 * show (labels, container, health check, user…): the rest of the TaskInfo is already in the
 * record, and carrying it whole made each launch entry nearly twice as large on every replica.
 */
import { describe, expect, it } from 'vitest';
import { taskJson } from '../../../src/master/api/operator/state-v0.js';
import { launchFromTaskInfo } from '../../../src/master/leader/task-info.js';
import type { TaskEntry } from '../../../src/master/registry/types.js';

const taskInfo = {
  name: 'web-1',
  task_id: { value: 'web-1' },
  agent_id: { value: 'agent-1' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
  command: { value: 'sleep 100', shell: true },
  labels: { labels: [{ key: 'tier', value: 'front', extra: null }] },
  health_check: { type: 'COMMAND', command: { value: 'true' }, interval_seconds: 5 },
  discovery: null,
  executor: null,
};

describe('launch records from a TaskInfo', () => {
  it('keep the fields the views show, without nulls, and not the rest of the TaskInfo', () => {
    const result = launchFromTaskInfo(taskInfo, 'fw-1', 'agent-1');
    if (!result.ok) throw new Error(result.message);
    expect(result.launch.info).toEqual({
      labels: { labels: [{ key: 'tier', value: 'front' }] },
      health_check: { type: 'COMMAND', command: { value: 'true' }, interval_seconds: 5 },
    });
    expect(result.launch).toMatchObject({ taskId: 'web-1', name: 'web-1', agentId: 'agent-1', spec: { command: { value: 'sleep 100', shell: true } } });
  });

  it('still show labels and health check in /master/state', () => {
    const result = launchFromTaskInfo(taskInfo, 'fw-1', 'agent-1');
    if (!result.ok) throw new Error(result.message);
    const entry = { ...result.launch, state: 'TASK_RUNNING', statuses: [], machine: { value: 'running', context: {} } } as unknown as TaskEntry;
    const json = taskJson(entry);
    expect(json).toMatchObject({ id: 'web-1', name: 'web-1', slave_id: 'agent-1', labels: { labels: [{ key: 'tier', value: 'front' }] }, health_check: taskInfo.health_check });
    expect(json).not.toHaveProperty('discovery');
  });
});
