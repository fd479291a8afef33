/**
 * The simulated agent's side of re-registration. Goal: its hello names each task's oldest
 * unacknowledged update (`pending`), and after `registered` it re-sends every unacknowledged
 * update except those the leader listed as `recorded` or whose framework it named `unrelayed`
 * (messages.ts); the digest it keeps as tasks change is the digest of what it reports, whatever
 * the history. Method: a SimAgent on a manual clock, never dialled; tasks started by `runTask`
 * commands, the link's sends captured; fast-check histories of launches, ends and acks.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { taskDigestOf } from '../../../src/protocol/task-digest.js';
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
    sent.length = 0;
    agent.registered('A1', { recorded: new Set(), unrelayed: new Set(['f1']) });
    expect(sent).toEqual([]);
  });

  const step = fc.oneof(
    fc.record({ kind: fc.constant('run' as const), task: fc.integer({ min: 0, max: 5 }), framework: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant('end' as const), task: fc.integer({ min: 0, max: 5 }), killed: fc.boolean() }),
    fc.record({ kind: fc.constant('ack' as const), which: fc.nat() }),
  );

  test.prop([fc.array(step, { maxLength: 40 })])('keeps the digest of the tasks its hello reports', (steps) => {
    const agent = new SimAgent({ masters: ['m1:1'], name: 'sim-1', wheel: new ManualClock(), taskDurationMs: null });
    agent.link.sendStatus = () => true;
    agent.registered('A1', { recorded: new Set() });
    for (const s of steps) {
      if (s.kind === 'run') agent.command({ t: 'runTask', term: 1, task: { taskId: `t${s.task}`, frameworkId: `f${s.framework}`, command: { shell: true, value: 'x' } }, resources: [] });
      else if (s.kind === 'end') agent.finish(`t${s.task}`, s.killed ? 'TASK_KILLED' : 'TASK_FINISHED');
      else {
        const made = agent.updatesMade;
        if (made.length > 0) agent.command({ t: 'ack', term: 1, taskId: made[s.which % made.length]!.taskId, uuid: made[s.which % made.length]!.uuid });
      }
      const reported = agent.describe('known').tasks.map((task) => ({ frameworkId: task.spec.frameworkId, taskId: task.spec.taskId, state: task.state }));
      const kept = agent.describe('digest');
      if (reported.length === 0) expect(kept.digest).toBeUndefined();
      else expect(kept).toMatchObject({ tasks: [], digest: taskDigestOf(reported) });
    }
  });
});
