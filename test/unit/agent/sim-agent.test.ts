/**
 * The simulated agent's side of re-registration. Goal: its hello names each task's oldest
 * unacknowledged update (`pending`), and after `registered` it re-sends every unacknowledged
 * update except those the leader listed as `recorded` (messages.ts). Method: a SimAgent on a
 * manual clock, never dialled; tasks started by `runTask` commands, the link's sends captured.
 */
import { describe, expect, it } from 'vitest';
import { SimAgent } from '../../../src/agent/sim/sim-agent.js';
import type { StatusUpdate } from '../../../src/agent/types.js';
import { ManualClock } from '../../helpers/manual-clock.js';

function agentWithTasks(...taskIds: string[]): { agent: SimAgent; sent: StatusUpdate[] } {
  const agent = new SimAgent({ masters: ['m1:1'], name: 'sim-1', wheel: new ManualClock(), taskDurationMs: null });
  for (const taskId of taskIds) {
    agent.command({ t: 'runTask', term: 1, task: { taskId, frameworkId: 'f1', command: { shell: true, value: 'x' } }, resources: [] });
  }
  const sent: StatusUpdate[] = [];
  agent.link.sendStatus = (update) => sent.push(update) > 0;
  return { agent, sent };
}

describe('SimAgent re-registration', () => {
  it('reports each task with the uuid of its oldest unacknowledged update', () => {
    const { agent } = agentWithTasks('t1', 't2');
    agent.finish('t1');
    const [running1, running2] = agent.updatesMade;
    const reported = agent.describe().tasks.map((task) => [task.spec.taskId, task.state, task.pending]);
    expect(reported).toEqual([['t1', 'TASK_FINISHED', running1!.uuid], ['t2', 'TASK_RUNNING', running2!.uuid]]);
  });

  it('after `registered`, re-sends every unacknowledged update but those the leader has recorded', () => {
    const { agent, sent } = agentWithTasks('t1', 't2');
    const [running1, running2] = agent.updatesMade;
    agent.registered('A1', { recorded: new Set([running1!.uuid]) });
    expect(sent.map((update) => update.uuid)).toEqual([running2!.uuid]);
    agent.registered('A1', { recorded: new Set() });
    expect(sent.map((update) => update.uuid)).toEqual([running2!.uuid, running1!.uuid, running2!.uuid]);
  });
});
