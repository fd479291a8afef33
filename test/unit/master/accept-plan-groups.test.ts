/**
 * LAUNCH_GROUP in the ACCEPT plan.
 * Goal: a task group launches all its tasks or none (every task of an invalid group gets
 * TASK_ERROR with REASON_TASK_GROUP_INVALID and the group takes no resources); a valid group's
 * tasks join the launch step of the LAUNCHes around them; an empty group is dropped.
 * Method: the pure planner over hand-made offers.
 */
import { describe, expect, it } from 'vitest';
import { planAccept } from '../../../src/master/leader/accept-plan.js';
import { poolsOf } from '../../../src/master/registry/reservations.js';
import type { FrameworkEntry } from '../../../src/master/registry/types.js';
import { T0, scalars } from './registry-helpers.js';

const framework = { id: 'fw', info: { user: 'u', name: 'fw', role: '*' }, registeredAtMs: T0, machine: { value: 'subscribed', context: {} } } as unknown as FrameworkEntry;
const task = (id: string, cpus = 0.5, mem = 64) => ({ name: id, task_id: { value: id }, resources: scalars(cpus, mem), command: { value: 'true' } });
const launch = (...tasks: unknown[]) => ({ type: 'LAUNCH', launch: { task_infos: tasks } });
const group = (...tasks: unknown[]) => ({ type: 'LAUNCH_GROUP', launch_group: { executor: { type: 'DEFAULT', executor_id: { value: 'e' } }, task_group: { tasks } } });

function plan(operations: unknown[], cpus = 2, mem = 512, live: string[] = []) {
  return planAccept({ operations: operations as Array<Record<string, unknown>>, offered: poolsOf(scalars(cpus, mem)), framework, agentId: 'a1', agent: undefined, isLiveTask: (id) => live.includes(id) });
}
const launchedIds = (result: ReturnType<typeof plan>) => result.steps.flatMap((s) => (s.step.kind === 'launch' ? s.step.launches.map((l) => l.taskId) : []));

describe('ACCEPT plan: LAUNCH_GROUP', () => {
  it('launches a valid group with the LAUNCHes around it in one step', () => {
    const result = plan([launch(task('t1')), group(task('g1'), task('g2')), launch(task('t2'))]);
    expect(result.taskErrors).toEqual([]);
    expect(result.steps).toHaveLength(1);
    expect(launchedIds(result)).toEqual(['t1', 'g1', 'g2', 't2']);
    expect(result.remaining.unreserved).toMatchObject({ cpus: 0, mem: 256 });
  });

  it('refuses the whole group when one task does not fit, and leaves its resources to what follows', () => {
    const result = plan([group(task('g1', 1), task('g2', 1.5)), launch(task('t1', 2))]);
    expect(result.taskErrors.map((e) => [e.taskId, e.reason])).toEqual([['g1', 'REASON_TASK_GROUP_INVALID'], ['g2', 'REASON_TASK_GROUP_INVALID']]);
    expect(result.taskErrors[0]!.message).toBe('Task group is invalid: task g2: Task uses more resources than offered');
    // g1 had fitted; its resources went back, so t1 (all 2 cpus) launches.
    expect(launchedIds(result)).toEqual(['t1']);
    expect(result.remaining.unreserved).toMatchObject({ cpus: 0 });
  });

  it('refuses the whole group for a duplicate id inside it, a live task id, or a malformed task', () => {
    const duplicate = plan([group(task('g1'), task('g1'))]);
    expect(duplicate.taskErrors.map((e) => e.taskId)).toEqual(['g1', 'g1']);
    expect(duplicate.taskErrors[0]!.message).toContain('Task has duplicate ID: g1');
    const live = plan([group(task('g1'), task('running'))], 2, 512, ['running']);
    expect(live.taskErrors.map((e) => e.taskId)).toEqual(['g1', 'running']);
    const malformed = plan([group(task('g1'), { name: 'x', task_id: { value: 'bad' } })]);
    expect(malformed.taskErrors.map((e) => e.taskId)).toEqual(['g1', 'bad']);
    for (const result of [duplicate, live, malformed]) {
      expect(result.steps).toEqual([]);
      expect(result.remaining.unreserved).toMatchObject({ cpus: 2, mem: 512 });
    }
  });

  it('a refused group does not disturb the LAUNCH before it; an empty group is dropped', () => {
    const result = plan([launch(task('t1')), group(task('g1', 5)), { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [] } } }]);
    expect(launchedIds(result)).toEqual(['t1']);
    expect(result.taskErrors.map((e) => e.taskId)).toEqual(['g1']);
    expect(result.dropped).toEqual([{ index: 2, type: 'LAUNCH_GROUP', message: 'launch_group.task_group: the task group is empty' }]);
  });

  it('plain LAUNCH keeps refusing task by task', () => {
    const result = plan([launch(task('t1', 1), task('t2', 5), task('t3', 1))]);
    expect(launchedIds(result)).toEqual(['t1', 't3']);
    expect(result.taskErrors).toEqual([{ taskId: 't2', message: 'Task uses more resources than offered' }]);
  });
});
