/**
 * The master engine end to end on 3 real `kairos master` processes: a tiny in-test agent speaking
 * the master ↔ agent protocol and a v1 HTTP framework. The agent registers, the framework gets
 * an offer (with url, hostname and a ports range), launches a task, the agent gets `runTask`
 * with the leader's term and reports TASK_RUNNING, the framework sees the UPDATE and
 * acknowledges it (the agent gets `ack`). Then the leader is SIGKILLed: the agent re-registers
 * with the new leader reporting its task, the framework re-subscribes with its id and an
 * explicit reconciliation answers TASK_RUNNING: nothing committed was forgotten. Finally the
 * task finishes and the framework sees TASK_FINISHED from the new leader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';
import type { MasterToAgent } from '../../../src/protocol/messages.js';
import { HttpFramework, TinyAgent, type Json } from './engine-clients.js';

describe('master engine (3 masters, tiny agent, v1 HTTP framework)', () => {
  let cluster: TestCluster;
  const agent = (): TinyAgent => state.agent!;
  const framework = new HttpFramework();
  const state: { agent?: TinyAgent } = {};

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--agent-heartbeat-ms', '300', '--log-level', 'warn']);
    cluster.startAll();
    await cluster.waitForAllUp();
    state.agent = new TinyAgent(cluster.replicas.map((r) => r.http));
  });

  afterAll(async () => {
    framework.close();
    state.agent?.close();
    await cluster?.destroy();
  });

  it('registers, offers, launches, relays updates and acks; survives a leader SIGKILL', async () => {
    const masters = cluster.replicas.map((r) => r.http);
    await agent().connect();
    expect(agent().agentId).toMatch(/-S0$/);
    const firstTerm = agent().highestTerm;

    await framework.subscribe(masters);
    const offersEvent = await waitFor('an offer', () => framework.events.find((e) => e['type'] === 'OFFERS'), 20_000);
    const offer = offersEvent['offers']['offers'][0] as Json;
    expect(offer['agent_id']['value']).toBe(agent().agentId);
    expect(offer['hostname']).toBe('tiny-agent');
    expect(offer['url']['address']).toMatchObject({ ip: '127.0.0.1', port: 5051 });
    const ports = (offer['resources'] as Json[]).find((r) => r['name'] === 'ports');
    expect(ports?.['type']).toBe('RANGES');

    const status = await framework.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer['id']],
        operations: [{
          type: 'LAUNCH',
          launch: {
            task_infos: [{
              name: 'sleepy',
              task_id: { value: 'task-1' },
              agent_id: offer['agent_id'],
              resources: [
                { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
                { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
                { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] } },
              ],
              command: { shell: true, value: 'sleep 1000', environment: { variables: [{ name: 'A', value: 'b' }] } },
            }],
          },
        }],
        filters: { refuse_seconds: 1 },
      },
    });
    expect(status).toBe(202);

    const run = await waitFor('runTask at the agent', () => agent().received.find((m): m is Extract<MasterToAgent, { t: 'runTask' }> => m.t === 'runTask'), 10_000);
    expect(run.term).toBe(firstTerm);
    expect(run.task.command).toMatchObject({ shell: true, value: 'sleep 1000', environment: { A: 'b' } });
    const frameworkId = framework.frameworkId!;
    expect(run.task.frameworkId).toBe(frameworkId);

    const uuid = agent().sendStatus('task-1', frameworkId, 'TASK_RUNNING');
    const update = await waitFor('UPDATE TASK_RUNNING', () => framework.events.find((e) => e['type'] === 'UPDATE' && e['update']['status']['state'] === 'TASK_RUNNING'), 10_000);
    const updateStatus = update['update']['status'] as Json;
    expect(updateStatus['agent_id']['value']).toBe(agent().agentId);
    expect(Buffer.from(updateStatus['uuid'] as string, 'base64').toString()).toBe(uuid);
    expect(await framework.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: updateStatus['agent_id'], task_id: updateStatus['task_id'], uuid: updateStatus['uuid'] } })).toBe(202);
    await waitFor('ack at the agent', () => agent().received.find((m) => m.t === 'ack' && m.uuid === uuid), 10_000);

    // SIGKILL the leader: the agent and the framework find the new one, the task is still known.
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    framework.close();
    const survivors = cluster.replicas.filter((r) => r.process).map((r) => r.http);
    const previousAgentId = agent().agentId;
    await waitFor('agent link dropped', () => (agent().connection === null ? true : undefined), 10_000);
    await agent().connect();
    expect(agent().agentId).toBe(previousAgentId);
    expect(agent().highestTerm).toBeGreaterThan(firstTerm);

    framework.events.length = 0;
    await framework.subscribe(survivors);
    expect(framework.frameworkId).toBe(frameworkId);
    expect(await framework.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'task-1' }, agent_id: { value: previousAgentId } }] } })).toBe(202);
    const reconciled = await waitFor('reconciliation answer', () => framework.events.find((e) => e['type'] === 'UPDATE'), 10_000);
    expect(reconciled['update']['status']).toMatchObject({ state: 'TASK_RUNNING', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
    expect(reconciled['update']['status']['uuid']).toBeUndefined();

    const finished = agent().sendStatus('task-1', frameworkId, 'TASK_FINISHED');
    const done = await waitFor('UPDATE TASK_FINISHED', () => framework.events.find((e) => e['type'] === 'UPDATE' && e['update']['status']['state'] === 'TASK_FINISHED'), 10_000);
    expect(Buffer.from(done['update']['status']['uuid'] as string, 'base64').toString()).toBe(finished);

    // The new leader offers the agent's resources again and launches with its own term.
    const second = await waitFor('an offer from the new leader', () => framework.events.find((e) => e['type'] === 'OFFERS'), 20_000);
    const newOffer = second['offers']['offers'][0] as Json;
    expect(newOffer['id']['value'].startsWith(`${agent().highestTerm}-O`)).toBe(true);
    expect(await framework.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [newOffer['id']],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'again', task_id: { value: 'task-2' }, agent_id: newOffer['agent_id'], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'true' } }] } }],
      },
    })).toBe(202);
    const rerun = await waitFor('runTask from the new leader', () => agent().received.find((m): m is Extract<MasterToAgent, { t: 'runTask' }> => m.t === 'runTask' && m.task.taskId === 'task-2'), 10_000);
    expect(rerun.term).toBe(agent().highestTerm);
    // Using the same offer again is invalid: the task is answered TASK_LOST (REASON_INVALID_OFFERS).
    expect(await framework.call({
      type: 'ACCEPT',
      accept: { offer_ids: [newOffer['id']], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'x', task_id: { value: 'task-3' }, agent_id: newOffer['agent_id'], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'true' } }] } }] },
    })).toBe(202);
    const invalid = await waitFor('TASK_LOST for a used offer', () => framework.events.find((e) => e['type'] === 'UPDATE' && e['update']['status']['task_id']['value'] === 'task-3'), 10_000);
    expect(invalid['update']['status']).toMatchObject({ state: 'TASK_LOST', reason: 'REASON_INVALID_OFFERS', source: 'SOURCE_MASTER' });
  });
});
