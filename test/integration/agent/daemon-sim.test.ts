/**
 * Simulated agents against a fake master.
 * Goal: hundreds of simulated agents on one timer wheel all register over real sockets; a task
 * goes RUNNING → FINISHED after its duration, or KILLED on killTask; a task without a duration
 * waits for `finish()`; after the master connection drops an agent re-registers with its id and
 * re-sends unacknowledged updates; stale-term commands are refused.
 * Method: FakeMaster (records frames), conditions polled with deadlines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimFleet } from '../../../src/agent/sim/sim-agent.js';
import type { TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';
import { FakeMaster } from './daemon-fake-master.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const task = (taskId: string): TaskSpec => ({ taskId, frameworkId: 'fw', command: { shell: true, value: 'true' } });

describe('simulated agents', () => {
  it('hundreds register on one wheel and run tasks to their end', async () => {
    const master = await FakeMaster.start({ heartbeatIntervalMs: 200 });
    const fleet = new SimFleet({ masters: [master.address], count: 300, taskDurationMs: (t) => (t.taskId.startsWith('wait') ? null : 100), resources: 'cpus:8' });
    cleanups.push(() => master.close(), () => fleet.stop());
    fleet.start();
    await waitFor('300 registrations', () => (fleet.registered() === 300 ? true : undefined), 60_000);
    expect(new Set(master.of('hello').map((h) => h.hostname)).size).toBe(300);
    expect(master.of('hello')[0]!.resources.find((r) => r.name === 'cpus')?.scalar?.value).toBe(8);

    const connection = master.connections.find((c) => c.isOpen)!;
    connection.send({ t: 'runTask', term: 1, task: task('quick'), resources: [] });
    connection.send({ t: 'runTask', term: 1, task: task('wait1'), resources: [] });
    connection.send({ t: 'runTask', term: 1, task: task('wait2'), resources: [] });
    const states = (id: string) => master.of('status').filter((s) => s.update.taskId === id).map((s) => s.update.state);
    await waitFor('quick finished', () => (states('quick').includes('TASK_FINISHED') ? true : undefined));
    expect(states('quick')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    connection.send({ t: 'killTask', term: 1, frameworkId: 'fw', taskId: 'wait1' });
    await waitFor('wait1 killed', () => (states('wait1').includes('TASK_KILLED') ? true : undefined));
    const owner = fleet.agents.find((a) => a.taskStates()['wait2'] === 'TASK_RUNNING')!;
    expect(owner.finish('wait2', 'TASK_FAILED')).toBe(true);
    await waitFor('wait2 failed', () => (states('wait2').includes('TASK_FAILED') ? true : undefined));

    connection.send({ t: 'runTask', term: 0, task: task('stale'), resources: [] });
    await waitFor('refused', () => master.of('refused')[0]);
  });

  it('re-registers with its id and re-sends unacknowledged updates', async () => {
    const master = await FakeMaster.start();
    const fleet = new SimFleet({ masters: [master.address], count: 1, taskDurationMs: null });
    cleanups.push(() => master.close(), () => fleet.stop());
    fleet.start();
    await waitFor('registration', () => (fleet.registered() === 1 ? true : undefined));
    master.send({ t: 'runTask', term: 1, task: task('t'), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] });
    const running = await waitFor('RUNNING', () => master.of('status')[0]);
    master.dropAll();
    // By id and state first; the fake master holds no tasks and asks for them in full.
    await waitFor('third hello', () => master.of('hello')[2]);
    expect(master.of('hello')[1]!.known?.map((t) => t.state)).toEqual(['TASK_RUNNING']);
    expect(master.of('hello')[2]!.agentId).toBe(fleet.agents[0]!.agentId);
    expect(master.of('hello')[2]!.tasks.map((t) => t.state)).toEqual(['TASK_RUNNING']);
    await waitFor('re-sent', () => (master.of('status').filter((s) => s.update.uuid === running.update.uuid).length === 2 ? true : undefined));
    master.send({ t: 'ack', term: 1, taskId: 't', uuid: running.update.uuid });
    await waitFor('acknowledged', () => (fleet.agents[0]!.pendingUpdates() === 0 ? true : undefined));
  });
});
