/**
 * Goal: Chronos runs on three real `kairos master` processes and a real `kairos agent`: a job
 * every 2 s for R5 runs exactly 5 times although the leader is SIGKILLed mid-schedule; a
 * dependent job runs after its parent; a named event runs its job once with the payload in its
 * environment; a manual run counts as a success; a failing job is retried and then counted as
 * an error; a job with a Docker `container` runs in the local test image to success (skipped
 * without a Docker daemon, except with CI=true, where a missing daemon fails).
 * Method: the built CLI with temp dirs; jobs write lines to files in a temp dir, which the test
 * reads; every wait is a condition with a deadline.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, ensureTestImage } from '../agent/docker-image.js';
import { TestCluster, type ReplicaSpec } from '../helpers/cluster.js';
import { freePorts, spawnKairos, waitFor, type KairosProcess } from '../helpers/process.js';

async function api(replica: ReplicaSpec, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${replica.http}/scheduler${path}`, {
    method,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: await response.text() };
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

const dockerUp = await new Docker().ping().then(() => true, () => false);
if (dockerUp) ensureTestImage();

const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('Chronos runs on 3 masters and an agent', () => {
  let cluster: TestCluster;
  let agent: KairosProcess;
  let work: string;

  beforeAll(async () => {
    cluster = await TestCluster.create(3);
    // Same reducer settings on every replica: fast retries for the retry test.
    for (const replica of cluster.replicas) {
      replica.process = spawnKairos(['master', '--id', replica.id, '--peers', cluster.peersFlag, '--http', replica.http, '--data-dir', replica.dataDir], { KAIROS_CHRONOS_RETRY_BASE_MS: '300' });
    }
    work = mkdtempSync(join(tmpdir(), 'kairos-runs-'));
    const [agentPort] = await freePorts(1);
    agent = spawnKairos([
      'agent', '--masters', cluster.replicas.map((r) => r.http).join(','), '--work-dir', join(work, 'agent'),
      '--http', `127.0.0.1:${agentPort}`, '--resources', 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]',
    ]);
    await cluster.waitForLeader(30_000);
    await cluster.waitForAllUp(30_000);
  }, 90_000);

  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    await cluster?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  const leader = (): Promise<ReplicaSpec> => cluster.waitForLeader(30_000);
  const jobJson = async (name: string): Promise<Record<string, unknown> | undefined> => {
    const answer = await api(await leader(), 'GET', '/jobs');
    return (JSON.parse(answer.body) as Array<Record<string, unknown>>).find((j) => j.name === name);
  };

  it('runs a 2 s R5 job exactly 5 times across a leader SIGKILL', async () => {
    const out = join(work, 'every2.out');
    const created = await api(await leader(), 'POST', '/iso8601', { name: 'every2', command: `echo run >> ${out}`, schedule: `R5/${isoIn(3_000)}/PT2S`, epsilon: 'PT60S' });
    expect(created.status, created.body).toBeLessThan(300);
    await waitFor('two runs of every2', () => (lines(out).length >= 2 ? true : undefined), 30_000);
    const old = await leader();
    await cluster.kill(old);
    await waitFor('a new leader', async () => ((await leader()) !== old ? true : undefined), 30_000);
    await waitFor('5 runs of every2', () => (lines(out).length >= 5 ? true : undefined), 60_000);
    // Settled: all 5 run records are final and successful, and the file has exactly 5 lines.
    await waitFor('every2 counted 5 successes', async () => ((await jobJson('every2'))?.successCount === 5 ? true : undefined), 30_000);
    expect(lines(out)).toHaveLength(5);
    cluster.start(old);
  }, 180_000);

  it('runs a dependent job after its parent, and an event job once with its payload', async () => {
    const dep = join(work, 'dep.out');
    const ev = join(work, 'ev.out');
    const l = await leader();
    expect((await api(l, 'POST', '/iso8601', { name: 'parent1', command: `echo p >> ${dep}`, schedule: `R1/${isoIn(2_000)}/PT1M` })).status).toBeLessThan(300);
    expect((await api(l, 'POST', '/dependency', { name: 'child1', command: `echo c >> ${dep}`, parents: ['parent1'] })).status).toBeLessThan(300);
    expect((await api(l, 'POST', '/iso8601', { name: 'onevent', command: `echo "e $FILE" >> ${ev}`, events: ['file-uploaded'] })).status).toBeLessThan(300);
    const fired = await api(l, 'POST', '/events/file-uploaded', { FILE: 'a.txt' });
    expect(fired.status, fired.body).toBeLessThan(300);
    await waitFor('parent then child', () => (lines(dep).length >= 2 ? true : undefined), 60_000);
    expect(lines(dep)).toEqual(['p', 'c']);
    await waitFor('the event job', () => (lines(ev).length >= 1 ? true : undefined), 30_000);
    await waitFor('onevent counted', async () => ((await jobJson('onevent'))?.successCount === 1 ? true : undefined), 30_000);
    expect(lines(ev)).toEqual(['e a.txt']);
  }, 120_000);

  it('counts a manual run as a success, and a failing job as one error after its retry', async () => {
    const l = await leader();
    expect((await api(l, 'POST', '/iso8601', { name: 'byhand', command: 'true', schedule: 'R/2030-01-01T00:00:00Z/P1D' })).status).toBeLessThan(300);
    expect((await api(l, 'PUT', '/job/byhand')).status).toBeLessThan(300);
    await waitFor('manual run counted', async () => ((await jobJson('byhand'))?.successCount === 1 ? true : undefined), 30_000);

    const tries = join(work, 'fails.out');
    expect((await api(l, 'POST', '/iso8601', { name: 'fails', command: `echo "$CHRONOS_JOB_RUN_ATTEMPT" >> ${tries}; exit 3`, schedule: 'R/2030-01-01T00:00:00Z/P1D', retries: 1 })).status).toBeLessThan(300);
    expect((await api(l, 'PUT', '/job/fails')).status).toBeLessThan(300);
    await waitFor('fails counted as an error', async () => ((await jobJson('fails'))?.errorCount === 1 ? true : undefined), 60_000);
    expect(lines(tries)).toEqual(['0', '1']);
    expect((await jobJson('fails'))?.successCount).toBe(0);
  }, 120_000);

  it('ends an async job only when it reports its own status (Chronos 2.x PUT /task/{id})', async () => {
    const l = await leader();
    const idFile = join(work, 'async.id');
    expect((await api(l, 'POST', '/iso8601', { name: 'asyncjob', command: `echo "$mesos_task_id" > ${idFile}`, schedule: 'R/2030-01-01T00:00:00Z/P1D', async: true })).status).toBeLessThan(300);
    expect((await api(l, 'PUT', '/job/asyncjob')).status).toBeLessThan(300);
    const taskId = await waitFor('the async task id', () => lines(idFile)[0], 30_000);
    // The task finished (the master's registry says so), yet the run is not a success yet.
    await waitFor('the async task finished', async () => {
      const response = await fetch(`http://${(await leader()).http}/master/tasks`, { signal: AbortSignal.timeout(5_000) });
      const tasks = ((await response.json()) as { tasks: Array<{ id: string; state: string }> }).tasks;
      return tasks.some((t) => t.id === taskId && t.state === 'TASK_FINISHED') ? true : undefined;
    }, 30_000);
    expect((await jobJson('asyncjob'))?.successCount).toBe(0);
    expect((await api(await leader(), 'PUT', `/task/${encodeURIComponent(taskId)}`, { statusCode: 0 })).status).toBe(204);
    await waitFor('async job counted', async () => ((await jobJson('asyncjob'))?.successCount === 1 ? true : undefined), 30_000);
  }, 120_000);

  it.runIf(dockerUp || process.env['CI'] === 'true')('runs a Docker job in the test image to success', async () => {
    if (!dockerUp) throw new Error('CI=true: a Docker daemon must answer for the Docker job test');
    const l = await leader();
    const job = {
      name: 'indocker',
      command: 'echo "in $MESOS_SANDBOX" > /out/docker.out',
      schedule: 'R/2030-01-01T00:00:00Z/P1D',
      container: { type: 'DOCKER', image: TEST_IMAGE, volumes: [{ hostPath: work, containerPath: '/out', mode: 'RW' }] },
    };
    const created = await api(l, 'POST', '/iso8601', job);
    expect(created.status, created.body).toBeLessThan(300);
    expect((await api(l, 'PUT', '/job/indocker')).status).toBeLessThan(300);
    await waitFor('docker job counted', async () => ((await jobJson('indocker'))?.successCount === 1 ? true : undefined), 60_000);
    // Written inside the container (the sandbox path is the container's mount, not the host's).
    expect(lines(join(work, 'docker.out'))).toEqual(['in /mnt/mesos/sandbox']);
    expect((await jobJson('indocker'))?.errorCount).toBe(0);
  }, 120_000);
});
