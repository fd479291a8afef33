/**
 * Docker tasks through the Agent shell (real dockerd, no master). Goal: the same status
 * sequence as command tasks (RUNNING → FINISHED/FAILED/KILLED), a kill goes through docker
 * stop, a container task on an agent without Docker fails with a message saying so, and after
 * an in-process agent crash a running container is reattached while one that exited meanwhile
 * is reported with its real exit code and then removed.
 * Method: a recording sink that acknowledges everything; containers gate on files the test
 * creates in their (mounted) sandbox; waits are conditions with deadlines. Builds the local
 * test image if needed; skipped without a daemon (docker-executor.test.ts fails CI then).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { DockerExecutor } from '../../../src/agent/executors/docker.js';
import type { StatusUpdate, TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';
import { TEST_IMAGE, ensureTestImage } from './docker-image.js';

const IMAGE = TEST_IMAGE;
const docker = new Docker();
const reachable = await docker.ping().then(() => true, () => false);
if (reachable) ensureTestImage();
const hasImage = reachable && execFileSync('docker', ['images', '-q', IMAGE]).toString().trim() !== '';
const base = mkdtempSync(join(tmpdir(), 'kairos-agent-docker-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function harness(workDir: string, withDocker = true) {
  const sent: StatusUpdate[] = [];
  let agent: Agent | null = null;
  const sink = { send: (u: StatusUpdate) => {
    sent.push(u);
    void agent?.acknowledge(u.taskId, u.uuid);
  } };
  const start = async () => {
    agent = await Agent.start({ workDir, sink, cgroups: null, retry: { minMs: 50, maxMs: 200 }, docker: withDocker ? new DockerExecutor({ docker }) : null });
    return agent;
  };
  const states = (taskId: string) => [...new Map(sent.filter((u) => u.taskId === taskId).map((u) => [u.uuid, u.state])).values()];
  const last = (taskId: string) => sent.filter((u) => u.taskId === taskId).at(-1);
  return { start, states, last, sent };
}
const spec = (taskId: string, value: string): TaskSpec => ({ taskId: `${taskId}-${process.pid}`, frameworkId: 'fw', command: { shell: true, value }, container: { image: IMAGE, pullPolicy: 'never' }, killGracePeriodMs: 1000 });
const until = (what: string, probe: () => boolean) => waitFor(what, () => (probe() ? true : undefined), 30_000);

describe.runIf(hasImage)('Agent with Docker tasks', () => {
  it('RUNNING → FAILED with the exit code; kill → KILLED', async () => {
    const h = harness(join(base, 'w1'));
    const agent = await h.start();
    const failing = spec('fails', 'exit 2');
    await agent.launch(failing);
    await until('failed', () => h.states(failing.taskId).includes('TASK_FAILED'));
    expect(h.states(failing.taskId)).toEqual(['TASK_RUNNING', 'TASK_FAILED']);
    expect(h.last(failing.taskId)).toMatchObject({ exitStatus: 2 });
    const sleeper = spec('sleeper', 'while true; do sleep 1; done');
    await agent.launch(sleeper);
    await until('running', () => h.states(sleeper.taskId).includes('TASK_RUNNING'));
    await agent.kill(sleeper.taskId);
    await until('killed', () => h.states(sleeper.taskId).includes('TASK_KILLED'));
    await agent.close();
  });

  it('without a Docker executor a container task fails, saying why', async () => {
    const h = harness(join(base, 'w2'), false);
    const agent = await h.start();
    const t = spec('nodocker', 'true');
    await agent.launch(t);
    await until('failed', () => h.states(t.taskId).includes('TASK_FAILED'));
    expect(h.last(t.taskId)?.message).toMatch(/no Docker executor/);
    await agent.close();
  });

  it('after a crash: a running container is reattached, one that exited meanwhile reports its code', async () => {
    const workDir = join(base, 'w3');
    const first = harness(workDir);
    const agent1 = await first.start();
    const survivor = spec('survivor', 'while [ ! -f $MESOS_SANDBOX/go ]; do sleep 0.1; done; exit 0');
    const diesDown = spec('dies-down', 'while [ ! -f $MESOS_SANDBOX/go ]; do sleep 0.1; done; exit 7');
    for (const t of [survivor, diesDown]) await agent1.launch(t);
    for (const t of [survivor, diesDown]) await until(`${t.taskId} running`, () => first.states(t.taskId).includes('TASK_RUNNING'));
    await agent1.close();
    const diesDir = agent1.sandboxDirOf(diesDown);
    writeFileSync(join(diesDir, 'go'), '');
    const containerId = agent1.task(diesDown.taskId)?.containerId ?? '';
    await waitFor('container exited', async () => ((await docker.getContainer(containerId).inspect()).State.Running ? undefined : true), 30_000);

    const second = harness(workDir);
    const agent2 = await second.start();
    await until('dies-down reported', () => second.states(diesDown.taskId).includes('TASK_FAILED'));
    expect(second.last(diesDown.taskId)).toMatchObject({ exitStatus: 7 });
    await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(agent2.task(survivor.taskId)?.phase).toBe('running');
    writeFileSync(join(agent2.sandboxDirOf(survivor), 'go'), '');
    await until('survivor finished', () => second.states(survivor.taskId).includes('TASK_FINISHED'));
    await agent2.close();
  });
});
