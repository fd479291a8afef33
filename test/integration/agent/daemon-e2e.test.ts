/**
 * `kairos agent` end to end with 3 real masters and a v1 HTTP framework.
 * Goal: a real agent registers and its resources are offered; a task runs; the agent is
 * SIGKILLed while the task runs, restarted on the same work dir, re-registers with the same
 * id, reattaches the still-running process, and the task's final status (TASK_FINISHED, from
 * the reattached process) reaches the framework through the master. The agent's /state shows
 * the task and /files refuses paths outside the sandbox. A reattached task can then be killed,
 * whether the KILL arrives after the restart or while the agent is down (re-sent on
 * re-registration): TASK_KILLED reaches the framework and the process is gone.
 * Method: the task waits on a gate file the test creates, so nothing depends on timing; every
 * wait is a condition with a deadline. The masters' agent heartbeat is 5 s (unreachable after
 * 25 s) so that a slow restart on a loaded machine is still a reattachment, not a lost agent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../helpers/cluster.js';
import { freePorts, spawnKairos, waitFor, type KairosProcess } from '../helpers/process.js';
import { V1Framework, type Json } from './daemon-framework.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('kairos agent with real masters', () => {
  let cluster: TestCluster;
  let agentArgs: string[];
  let agentHttp: string;
  let workDir: string;
  const agents: KairosProcess[] = [];
  const framework = new V1Framework({ user: 'root', name: 'agent-e2e', failover_timeout: 600, checkpoint: true });
  const taskPids: number[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--log-level', 'warn', '--agent-heartbeat-ms', '5000']);
    cluster.startAll();
    await cluster.waitForAllUp();
    const [port] = await freePorts(1);
    agentHttp = `127.0.0.1:${port}`;
    workDir = join(cluster.root, 'agent');
    agentArgs = ['agent', '--masters', cluster.replicas.map((r) => r.http).join(','), '--work-dir', workDir, '--http', agentHttp,
      '--resources', 'cpus:2;mem:2048;disk:4096;ports:[31000-31100]', '--attributes', 'rack:r1', '--log-level', 'debug'];
  });

  afterAll(async () => {
    framework.close();
    for (const agent of agents) agent.child.kill('SIGKILL');
    for (const pid of taskPids) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    await cluster?.destroy();
  });

  const startAgent = (): KairosProcess => {
    const agent = spawnKairos(agentArgs, { KAIROS_LOG_LEVEL: 'debug' });
    agents.push(agent);
    return agent;
  };

  /** The pid of `taskId`'s process, once the agent has checkpointed it (killed in afterAll). */
  const taskPid = async (taskId: string): Promise<number> => {
    const pidFile = join(workDir, 'run', taskId, 'pid');
    const pid = await waitFor('task pid file', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined));
    taskPids.push(pid);
    return pid;
  };

  const ackReachedAgent = (): Promise<true> => waitFor('ack reached the agent', async () => {
    const metrics = await (await fetch(`http://${agentHttp}/metrics`)).text();
    return /kairos_agent_status_updates_pending 0/.test(metrics) ? true : undefined;
  });

  /** SIGKILLs the running agent; the task process `pid` must survive it. */
  const killAgent = async (pid: number): Promise<void> => {
    const current = agents.at(-1)!;
    current.child.kill('SIGKILL');
    await current.exited;
    expect(alive(pid)).toBe(true);
  };

  /** Starts the agent again on the same work dir and waits until it is registered with a master. */
  const restartAgent = async (): Promise<KairosProcess> => {
    const agent = startAgent();
    await waitFor('agent re-registered', async () => {
      const s = (await (await fetch(`http://${agentHttp}/state`)).json()) as Json;
      return s['master_hostname'] ? true : undefined;
    }, 60_000, 200);
    return agent;
  };

  /** Launches a long-running `taskId`, acknowledges TASK_RUNNING and waits until the agent saw the ack. */
  const launchLongTask = async (taskId: string): Promise<{ offer: Json; pid: number }> => {
    const offer = await framework.launch(taskId, 'sleep 300');
    const running = await framework.next('TASK_RUNNING', framework.update(taskId, 'TASK_RUNNING'));
    await framework.acknowledge(running);
    const pid = await taskPid(taskId);
    await ackReachedAgent();
    return { offer, pid };
  };

  /**
   * Waits for TASK_KILLED of `taskId` and acknowledges it (else the agent keeps it pending and the
   * next launch's ack wait never ends); on timeout the error carries the agent's last log lines.
   */
  const killedAfterRestart = async (taskId: string, agent: KairosProcess): Promise<void> => {
    const killed = await framework.next('TASK_KILLED after the restart', framework.update(taskId, 'TASK_KILLED'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\nagent log:\n${agent.output().split('\n').slice(-12).join('\n')}`);
    });
    await framework.acknowledge(killed);
  };

  it('reattaches a running task after the agent is SIGKILLed; its final status reaches the framework', async () => {
    startAgent();
    await waitFor('agent /health', async () => ((await fetch(`http://${agentHttp}/health`)).ok ? true : undefined), 60_000, 200);
    expect((await fetch(`http://${agentHttp}/files/read?path=/etc/passwd&offset=0`)).status).toBe(403);
    await framework.subscribe(cluster.replicas.map((r) => r.http));

    const gate = join(cluster.root, 'gate');
    const offer = await framework.launch('e2e-long', `echo started; while [ ! -f ${gate} ]; do sleep 0.1; done; echo done`);
    expect(offer['hostname']).toBeTruthy();
    expect((offer['resources'] as Json[]).find((r) => r['name'] === 'cpus')?.['scalar']['value']).toBe(2);
    const running = await framework.next('TASK_RUNNING', framework.update('e2e-long', 'TASK_RUNNING'));
    await framework.acknowledge(running);
    const agentId = running['update']['status']['agent_id']['value'] as string;

    const state = (await (await fetch(`http://${agentHttp}/state`)).json()) as Json;
    expect(state['id']).toBe(agentId);
    expect(state['frameworks'][0]['executors'][0]['tasks'][0]).toMatchObject({ id: 'e2e-long', state: 'TASK_RUNNING' });

    const pid = await taskPid('e2e-long');
    await ackReachedAgent();

    await killAgent(pid);
    const second = await restartAgent();
    const after = (await (await fetch(`http://${agentHttp}/state`)).json()) as Json;
    expect(after['id']).toBe(agentId);
    expect(after['frameworks'][0]['executors'][0]['tasks'][0]).toMatchObject({ id: 'e2e-long', state: 'TASK_RUNNING' });
    expect(second.output()).toMatch(/"tasks":1/);

    writeFileSync(gate, '');
    const finished = await framework.next('TASK_FINISHED after the restart', framework.update('e2e-long', 'TASK_FINISHED'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\nagent log:\n${second.output().split('\n').filter((l) => !l.includes('"heartbeat"')).slice(-15).join('\n')}`);
    });
    expect(finished['update']['status']['agent_id']['value']).toBe(agentId);
    await framework.acknowledge(finished);
    await waitFor('task process gone', () => (alive(pid) ? undefined : true));
    const stdout = await (await fetch(`http://${agentHttp}/files/read?path=${encodeURIComponent(after['frameworks'][0]['executors'][0]['directory'] + '/stdout')}&offset=0`)).json() as Json;
    expect(stdout['data']).toBe('started\ndone\n');
  });
  it('kills a reattached task after the agent restart (KILL → TASK_KILLED, process gone)', async () => {
    const { offer, pid } = await launchLongTask('e2e-kill');
    await killAgent(pid);
    const restarted = await restartAgent();
    expect(await framework.call('KILL', { task_id: { value: 'e2e-kill' }, agent_id: offer['agent_id'] })).toBe(202);
    await killedAfterRestart('e2e-kill', restarted);
    await waitFor('task process gone', () => (alive(pid) ? undefined : true), 10_000);
  });

  it('kills a task whose KILL arrived while the agent was down (re-sent on re-registration)', async () => {
    const { offer, pid } = await launchLongTask('e2e-killdown');
    await killAgent(pid);
    // KILL while the agent is down (the master may not even have noticed yet), then restart it.
    expect(await framework.call('KILL', { task_id: { value: 'e2e-killdown' }, agent_id: offer['agent_id'] })).toBe(202);
    const restarted = await restartAgent();
    await killedAfterRestart('e2e-killdown', restarted);
    await waitFor('task process gone', () => (alive(pid) ? undefined : true), 10_000);
  });
});
