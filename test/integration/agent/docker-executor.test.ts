/**
 * The Docker executor against a real dockerd. Goal: a container runs the task's command with
 * its env and labels, logs land in the sandbox files, the exit status comes back, the sandbox
 * is mounted, ports are published, a stop escalates to SIGKILL after the grace period, the
 * container is removed afterwards, and each launch failure (missing image under 'never', an
 * unreachable daemon, a privileged container without permission) is a LaunchError saying so.
 * Method: the test builds its own image by `docker import` of a busybox-static root filesystem
 * (no registry is reachable). Runs whenever a daemon answers; with CI=true a missing daemon
 * fails the suite instead of skipping it.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_SANDBOX, DockerExecutor } from '../../../src/agent/executors/docker.js';
import { LaunchError } from '../../../src/agent/executors/command.js';
import type { DockerSpec, TaskSpec } from '../../../src/agent/types.js';
import { freePorts, waitFor } from '../helpers/process.js';
import { TEST_IMAGE, ensureTestImage } from './docker-image.js';

const IMAGE = TEST_IMAGE;
const docker = new Docker();
const reachable = await docker.ping().then(() => true, () => false);
const base = mkdtempSync(join(tmpdir(), 'kairos-docker-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it.runIf(process.env['CI'] === 'true')('a Docker daemon is reachable (required in CI)', () => {
  expect(reachable).toBe(true);
});

let seq = 0;
function task(value: string, container: Partial<DockerSpec> = {}, extra: Partial<TaskSpec> = {}): { spec: TaskSpec; sandboxDir: string } {
  seq += 1;
  const taskId = `d${seq}-${process.pid}`;
  return { spec: { taskId, frameworkId: 'fw', command: { shell: true, value }, container: { image: IMAGE, pullPolicy: 'never', ...container }, ...extra }, sandboxDir: join(base, taskId) };
}
const executor = new DockerExecutor({ docker, agentId: 'agent-1' });
const read = (dir: string, file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');

describe.runIf(reachable)('DockerExecutor (real dockerd)', () => {
  beforeAll(() => ensureTestImage(), 120_000);

  it('runs the command with env and labels, captures logs, reports the status, removes the container', async () => {
    const script = 'echo "out $GREETING"; echo err >&2; echo file > $MESOS_SANDBOX/made-inside; exit 3';
    const t = task(script, { labels: { team: 'kairos' } }, { command: { shell: true, value: script, environment: { GREETING: 'hi' } } });
    const watched = await executor.launch(t);
    const info = await docker.getContainer(watched.containerId).inspect().catch(() => null);
    if (info) expect(info.Config.Labels).toMatchObject({ team: 'kairos', 'kairos.task_id': t.spec.taskId, 'kairos.agent_id': 'agent-1' });
    expect(await watched.exit).toEqual({ status: 3 });
    expect(read(t.sandboxDir, 'stdout')).toBe('out hi\n');
    expect(read(t.sandboxDir, 'stderr')).toBe('err\n');
    expect(read(t.sandboxDir, 'made-inside')).toBe('file\n');
    await expect(docker.getContainer(watched.containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(CONTAINER_SANDBOX).toBe('/mnt/mesos/sandbox');
  });

  it('publishes mapped ports', async () => {
    const [hostPort] = await freePorts(1);
    const t = task('mkdir -p /tmp/www && echo hello-port > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www', { portMappings: [{ hostPort: hostPort as number, containerPort: 8080 }] });
    const watched = await executor.launch(t);
    const body = await waitFor('http through the mapped port', async () => {
      const response = await fetch(`http://127.0.0.1:${hostPort}/index.html`).catch(() => null);
      return response?.ok ? response.text() : undefined;
    });
    expect(body).toBe('hello-port\n');
    await executor.stop(watched.containerId, 1000);
    await watched.exit;
  });

  it('stop escalates to SIGKILL after the grace period for a container that ignores SIGTERM', async () => {
    const t = task("trap '' TERM; echo ready; while true; do sleep 1; done");
    const watched = await executor.launch(t);
    await waitFor('ready', () => (read(t.sandboxDir, 'stdout').includes('ready') ? true : undefined));
    const began = Date.now();
    await executor.stop(watched.containerId, 1000);
    expect((await watched.exit).status).toBe(137);
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
  });

  it('launch failures say exactly what went wrong', async () => {
    await expect(executor.launch(task('true', { image: 'kairos-no-such-image:none' }))).rejects.toThrow("image 'kairos-no-such-image:none' is missing and the pull policy is 'never'");
    await expect(executor.launch(task('true', { image: 'kairos-no-such-image:none', pullPolicy: 'ifMissing' }))).rejects.toThrow(/is missing and could not be pulled/);
    await expect(executor.launch(task('true', { privileged: true }))).rejects.toThrow(/privileged containers are not allowed/);
    const noDaemon = new DockerExecutor({ docker: new Docker({ socketPath: join(base, 'no-docker.sock') }) });
    const failure = noDaemon.launch(task('true'));
    await expect(failure).rejects.toBeInstanceOf(LaunchError);
    await expect(failure).rejects.toThrow(/no reachable Docker daemon/);
  });
});
