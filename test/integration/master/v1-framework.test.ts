/**
 * A Mesos v1 HTTP framework against 3 real `kairos master` processes and a real `kairos agent`.
 * Goal: the framework subscribes through a follower (307 to the leader), gets offers, launches
 * tasks, sees their updates and acknowledges them, reconciles explicitly and implicitly; the
 * leader is SIGKILLed mid-work; the framework re-subscribes with its id to the new leader, its
 * tasks are still known (/master/state, reconciliation) and still controllable (KILL).
 * Method: real processes on loopback, every wait a condition with a deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1Framework, addressOfLocation, postJson, type TaskStatusJson } from '../../helpers/v1-framework.js';
import { TestCluster, type ReplicaSpec } from '../helpers/cluster.js';
import { freePorts, spawnKairos, waitFor, type KairosProcess } from '../helpers/process.js';

interface StateTask { id: string; state: string; slave_id: string }
interface StateFramework { id: string; active: boolean; tasks: StateTask[]; completed_tasks: StateTask[] }
interface MasterState { slaves: Array<{ id: string; active: boolean }>; frameworks: StateFramework[]; completed_frameworks: StateFramework[] }

async function masterState(http: string): Promise<MasterState | undefined> {
  try {
    const response = await fetch(`http://${http}/master/state`, { redirect: 'follow', signal: AbortSignal.timeout(2_000) });
    return response.status === 200 ? ((await response.json()) as MasterState) : undefined;
  } catch {
    return undefined;
  }
}

/** Every acknowledgement the framework sent so far was answered 202. */
function expectAcknowledgementsAccepted(framework: V1Framework): void {
  const statuses = [...framework.acknowledged.values()].filter((status) => status !== 0);
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.every((status) => status === 202)).toBe(true);
}

describe('v1 framework on a 3-master cluster with a real agent', () => {
  let cluster: TestCluster;
  let agent: KairosProcess | null = null;
  let workRoot = '';
  let leader: ReplicaSpec;

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--agent-heartbeat-ms', '300', '--scheduler-heartbeat-ms', '1000', '--allocation-interval-ms', '200', '--log-level', 'warn']);
    cluster.startAll();
    leader = await cluster.waitForLeader(30_000);
    await cluster.waitForAllUp(30_000);
    workRoot = mkdtempSync(join(tmpdir(), 'kairos-v1-agent-'));
    const [agentPort] = await freePorts(1);
    agent = spawnKairos([
      'agent', '--masters', cluster.replicas.map((r) => r.http).join(','), '--work-dir', join(workRoot, 'agent'),
      '--resources', 'cpus:4;mem:2048;disk:1000;ports:[31000-32000]', '--http', `127.0.0.1:${agentPort}`, '--hostname', 'localhost',
      '--log-level', 'warn',
    ]);
    await waitFor('the agent registered and active', async () => {
      const state = await masterState(leader.http);
      return state?.slaves.some((s) => s.active) ? true : undefined;
    }, 30_000);
  });

  afterAll(async () => {
    if (agent) {
      agent.child.kill('SIGTERM');
      await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
    await cluster?.destroy();
    if (workRoot) rmSync(workRoot, { recursive: true, force: true });
  });

  it('launches a task group whole or not at all, and answers REQUEST with 202', async () => {
    const framework = new V1Framework({ user: userInfo().username, name: 'kairos-it-groups', failover_timeout: 60, role: null, capabilities: null });
    framework.autoAcknowledge = true;
    await framework.subscribe([leader.http]);

    // REQUEST is accepted and ignored by the built-in allocator, as in Mesos.
    expect((await framework.call('REQUEST', { request: { requests: [] } })).status).toBe(202);

    // A group with a task larger than the offer: every task of the group gets TASK_ERROR.
    let [offer] = await framework.nextOffers({ timeoutMs: 30_000 });
    expect((await framework.launchGroup(offer!, [
      { id: 'group-ok', command: 'exit 0' },
      { id: 'group-huge', command: 'exit 0', cpus: 64 },
    ])).status).toBe(202);
    for (const taskId of ['group-ok', 'group-huge']) {
      const refused = await framework.waitForUpdate(taskId, 'TASK_ERROR');
      expect(refused.reason).toBe('REASON_TASK_GROUP_INVALID');
      expect(refused.source).toBe('SOURCE_MASTER');
    }

    // A valid group: both tasks run on the offer's agent and finish.
    const mark = framework.events.length;
    [offer] = await framework.nextOffers({ from: mark, timeoutMs: 30_000 });
    expect((await framework.launchGroup(offer!, [
      { id: 'group-a', command: 'exit 0' },
      { id: 'group-b', command: 'exit 0' },
    ])).status).toBe(202);
    for (const taskId of ['group-a', 'group-b']) {
      const finished = await framework.waitForUpdate(taskId, 'TASK_FINISHED', { from: mark, timeoutMs: 30_000 });
      expect(finished.agent_id?.value).toBe(offer!.agent_id.value);
    }
    expect((await framework.teardown()).status).toBe(202);
    expect(await framework.ended).toBe('clean');
  });

  it('subscribes via a follower, launches, acknowledges, reconciles, survives a leader SIGKILL and a graceful stop', async () => {
    const follower = cluster.replicas.find((r) => r !== leader && r.process)!;
    const framework = new V1Framework({ user: userInfo().username, name: 'kairos-it', failover_timeout: 600, role: null, capabilities: null });
    framework.autoAcknowledge = true;

    // Subscribe through a follower: 307 to the leader, then the stream.
    const subscribed = await framework.subscribe([follower.http]);
    expect(framework.redirectedFrom).toEqual([follower.http]);
    expect(framework.master).toBe(leader.http);
    expect(framework.streamId).not.toBe('');
    expect((subscribed['subscribed'] as { heartbeat_interval_seconds: number }).heartbeat_interval_seconds).toBe(1);
    await framework.waitFor('HEARTBEAT', (e) => e.type === 'HEARTBEAT');

    // Offers carry what naive clients dereference (§0 C7, C14).
    const [offer] = await framework.nextOffers({ timeoutMs: 30_000 });
    expect(offer).toBeDefined();
    expect(offer!.url?.address?.ip).toBeTruthy();
    expect(offer!.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['cpus', 'mem', 'disk', 'ports']));
    const agentId = offer!.agent_id.value;

    // Launch two long tasks and a short one; see updates, acknowledge them.
    const launched = await framework.launch(offer!, [
      { id: 'long-1', command: 'sleep 120' },
      { id: 'long-2', command: 'sleep 120' },
      { id: 'short', command: 'exit 0' },
    ]);
    expect(launched.status).toBe(202);
    const running1 = await framework.waitForUpdate('long-1', 'TASK_RUNNING', { timeoutMs: 30_000 });
    expect(running1.agent_id?.value).toBe(agentId);
    expect(running1.uuid).toBeTruthy();
    await framework.waitForUpdate('long-2', 'TASK_RUNNING', { timeoutMs: 30_000 });
    await framework.waitForUpdate('short', 'TASK_FINISHED', { timeoutMs: 30_000 });
    expectAcknowledgementsAccepted(framework);

    // Explicit reconciliation: latest state for a known task, TASK_LOST for an unknown one; no uuid.
    let mark = framework.events.length;
    expect((await framework.reconcile([{ taskId: 'long-1', agentId }, { taskId: 'never-launched', agentId }])).status).toBe(202);
    const explicit = await framework.waitForUpdate('long-1', 'TASK_RUNNING', { from: mark });
    expect(explicit.reason).toBe('REASON_RECONCILIATION');
    expect(explicit.uuid).toBeUndefined();
    expect((await framework.waitForUpdate('never-launched', 'TASK_LOST', { from: mark })).uuid).toBeUndefined();

    // Implicit reconciliation: every live task.
    mark = framework.events.length;
    expect((await framework.reconcile()).status).toBe(202);
    await framework.waitForUpdate('long-1', 'TASK_RUNNING', { from: mark });
    await framework.waitForUpdate('long-2', 'TASK_RUNNING', { from: mark });

    const before = await masterState(leader.http);
    const known = before!.frameworks.find((f) => f.id === framework.frameworkId)!;
    expect(known.tasks.map((t) => t.id).sort()).toEqual(['long-1', 'long-2']);
    expect(known.completed_tasks.map((t) => t.id)).toContain('short');

    // The operator views agree: metrics on the leader, the v1 operator API through a follower.
    const metrics = (await (await fetch(`http://${leader.http}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(metrics['master/elected']).toBe(1);
    expect(metrics['master/tasks_running']).toBe(2);
    expect(metrics['master/tasks_finished']).toBeGreaterThanOrEqual(1);
    expect(metrics['master/frameworks_active']).toBeGreaterThanOrEqual(1);
    const redirected = await postJson(follower.http, '/api/v1', { type: 'GET_TASKS' });
    expect(redirected.status).toBe(307);
    const tasksAnswer = await postJson(addressOfLocation(String(redirected.headers.location)), '/api/v1', { type: 'GET_TASKS' });
    const v1Tasks = (JSON.parse(tasksAnswer.body) as { get_tasks: { tasks: Array<{ task_id: { value: string }; state: string }> } }).get_tasks.tasks;
    expect(v1Tasks.filter((t) => t.state === 'TASK_RUNNING').map((t) => t.task_id.value).sort()).toEqual(['long-1', 'long-2']);

    // SIGKILL the leader mid-work: the stream ends, a new leader is elected.
    const oldLeader = leader;
    await cluster.kill(oldLeader);
    expect(['clean', 'error']).toContain(await framework.ended);
    leader = await cluster.waitForLeader(30_000);
    expect(leader).not.toBe(oldLeader);

    // Re-subscribe with the same id (the dead master first, as a client that remembers it would).
    mark = framework.events.length;
    const again = await framework.subscribe([oldLeader.http, ...cluster.replicas.filter((r) => r.process).map((r) => r.http)], { timeoutMs: 60_000 });
    expect((again['subscribed'] as { framework_id: { value: string } }).framework_id.value).toBe(framework.frameworkId);
    expect(framework.master).toBe(leader.http);

    // Its tasks are still known to the new leader…
    await waitFor('the new leader to list the tasks', async () => {
      const state = await masterState(leader.http);
      const mine = state?.frameworks.find((f) => f.id === framework.frameworkId);
      const live = mine?.tasks.filter((t) => t.state === 'TASK_RUNNING').map((t) => t.id).sort();
      return live?.join() === 'long-1,long-2' && mine!.active ? true : undefined;
    }, 30_000);
    mark = framework.events.length;
    expect((await framework.reconcile()).status).toBe(202);
    await framework.waitForUpdate('long-1', 'TASK_RUNNING', { from: mark });
    await framework.waitForUpdate('long-2', 'TASK_RUNNING', { from: mark });

    // …and still controllable through the agent, which follows the new leader.
    mark = framework.events.length;
    const killAnswer = await waitFor('KILL accepted', async () => {
      const answer = await framework.kill('long-1', agentId);
      return answer.status === 202 ? answer : undefined;
    }, 10_000);
    expect(killAnswer.status).toBe(202);
    const killed: TaskStatusJson = await framework.waitForUpdate('long-1', 'TASK_KILLED', { from: mark, timeoutMs: 60_000 });
    expect(killed.agent_id?.value).toBe(agentId);
    expectAcknowledgementsAccepted(framework);

    // A leader that stops gracefully ends every stream cleanly (§0 C4); the client re-subscribes
    // to the next leader. The SIGKILLed replica comes back first so a quorum remains.
    cluster.start(oldLeader);
    await cluster.waitForAllUp(30_000);
    const stopping = leader;
    const stopped = cluster.terminate(stopping);
    expect(await framework.ended).toBe('clean');
    await stopped;
    leader = await cluster.waitForLeader(30_000);
    await framework.subscribe(cluster.replicas.filter((r) => r.process).map((r) => r.http), { timeoutMs: 60_000 });
    expect(framework.master).toBe(leader.http);
    mark = framework.events.length;
    expect((await framework.reconcile([{ taskId: 'long-2', agentId }])).status).toBe(202);
    await framework.waitForUpdate('long-2', 'TASK_RUNNING', { from: mark });

    // TEARDOWN ends the stream cleanly and kills what is left.
    expect((await framework.teardown()).status).toBe(202);
    expect(await framework.ended).toBe('clean');
    await waitFor('the framework to be completed', async () => {
      const state = await masterState(leader.http);
      return state?.completed_frameworks.some((f) => f.id === framework.frameworkId) ? true : undefined;
    }, 30_000);
  });
});
