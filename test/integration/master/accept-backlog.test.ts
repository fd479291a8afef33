/**
 * An ACCEPT over HTTP is answered 202 once its offer is claimed, not once Raft has recorded the
 * launch (mesos-api.md §0 C5): while the leader cannot commit, the framework still gets its 202,
 * explicit reconciliation answers TASK_STAGING for the launch in flight, and no TASK_LOST is
 * invented for a launch that may yet commit. Method: 3 real masters (long election timeout), a
 * tiny agent and a v1 framework; both followers are SIGSTOPped so nothing commits, the ACCEPT
 * and RECONCILE go in, then the followers resume and the launch reaches the agent. A RECONCILE
 * of thousands of tasks is answered once per task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MasterToAgent } from '../../../src/protocol/messages.js';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';
import { HttpFramework, TinyAgent, type Json } from './engine-clients.js';

const updatesOf = (framework: HttpFramework, taskId: string): Json[] =>
  framework.events.filter((e) => e['type'] === 'UPDATE' && e['update']['status']['task_id']['value'] === taskId).map((e) => e['update']['status'] as Json);

describe('ACCEPT while the leader cannot commit', () => {
  let cluster: TestCluster;
  let agent: TinyAgent;
  const framework = new HttpFramework();
  const stopped: number[] = [];

  beforeAll(async () => {
    // Followers stay paused for a few seconds: a long election timeout keeps the leader leading.
    cluster = await TestCluster.create(3, ['--election-ticks', '600', '--agent-heartbeat-ms', '1000', '--log-level', 'warn']);
    cluster.startAll();
    await cluster.waitForAllUp();
    agent = new TinyAgent(cluster.replicas.map((r) => r.http));
  });

  afterAll(async () => {
    for (const pid of stopped) process.kill(pid, 'SIGCONT');
    framework.close();
    agent?.close();
    await cluster?.destroy();
  });

  it('answers 202 at once, reconciles the launch as TASK_STAGING, and never reports it lost', async () => {
    await agent.connect();
    await framework.subscribe(cluster.replicas.map((r) => r.http));
    const offer = (await waitFor('an offer', () => framework.events.find((e) => e['type'] === 'OFFERS'), 20_000))['offers']['offers'][0] as Json;
    const leader = cluster.replicas.find((r) => r.http === framework.master)!;
    for (const follower of cluster.replicas.filter((r) => r !== leader)) {
      const pid = follower.process!.child.pid!;
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    }

    const startedAt = performance.now();
    const status = await framework.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer['id']],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{
          name: 'pending',
          task_id: { value: 'pending-1' },
          agent_id: offer['agent_id'],
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } }],
          command: { shell: true, value: 'sleep 1000' },
        }] } }],
      },
    });
    expect(status).toBe(202);
    // Nothing can commit while both followers are stopped: a 202 now was not waiting for Raft.
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect(agent.received.some((m) => m.t === 'runTask')).toBe(false);

    expect(await framework.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'pending-1' }, agent_id: offer['agent_id'] }] } })).toBe(202);
    const staging = await waitFor('TASK_STAGING from reconciliation', () => updatesOf(framework, 'pending-1').find((s) => s['state'] === 'TASK_STAGING'), 5_000);
    expect(staging).toMatchObject({ reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER' });

    for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
    const run = await waitFor('runTask at the agent', () => agent.received.find((m): m is Extract<MasterToAgent, { t: 'runTask' }> => m.t === 'runTask'), 20_000);
    expect(run.task.taskId).toBe('pending-1');
    agent.sendStatus('pending-1', framework.frameworkId!, 'TASK_RUNNING');
    await waitFor('TASK_RUNNING at the framework', () => updatesOf(framework, 'pending-1').find((s) => s['state'] === 'TASK_RUNNING'), 10_000);
    expect(updatesOf(framework, 'pending-1').map((s) => s['state'])).not.toContain('TASK_LOST');
  });

  it('answers a RECONCILE of thousands of tasks (sent a slice per turn) once for each', async () => {
    const ids = Array.from({ length: 2_500 }, (_, i) => `unknown-${i}`);
    const from = framework.events.length;
    const tasks = ids.map((id) => ({ task_id: { value: id }, agent_id: { value: agent.agentId } }));
    expect(await framework.call({ type: 'RECONCILE', reconcile: { tasks } })).toBe(202);
    const answered = (): Json[] => framework.events.slice(from).filter((e) => e['type'] === 'UPDATE').map((e) => e['update']['status'] as Json);
    await waitFor('every reconciliation answer', () => (answered().length >= ids.length ? true : undefined), 20_000);
    const answers = answered();
    expect(answers.map((s) => s['task_id']['value']).sort()).toEqual([...ids].sort());
    expect(new Set(answers.map((s) => `${s['state']} ${s['reason']}`))).toEqual(new Set(['TASK_LOST REASON_RECONCILIATION']));
  });
});
