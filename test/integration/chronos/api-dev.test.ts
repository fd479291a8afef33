/**
 * Goal: `kairos dev` serves the Chronos API on its own port (4400 by default; here a free port
 * through KAIROS_CHRONOS_PORT) and creates the README's example job at the first start of an
 * empty data dir — and only then: a restart on the same data does not bring a deleted example
 * job back.
 * Method: the built CLI with a temp data dir and free ports; fetch through the Chronos port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, spawnKairos, waitFor, type KairosProcess } from '../helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-dev-chronos-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function jobNames(port: number): Promise<string[] | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/scheduler/jobs`, { signal: AbortSignal.timeout(3_000) });
    if (response.status !== 200) return undefined;
    return ((await response.json()) as Array<{ name: string }>).map((job) => job.name);
  } catch {
    return undefined;
  }
}

async function stop(dev: KairosProcess): Promise<void> {
  dev.child.kill('SIGINT');
  await dev.exited;
}

describe('kairos dev and the Chronos API', () => {
  it('serves the API on the Chronos port and creates the example job once, at the first start', async () => {
    const [chronosPort] = await freePorts(1);
    const basePort = 18_700 + Math.floor(Math.random() * 600);
    const dataDir = join(root, 'cluster');
    const args = ['dev', '--base-port', String(basePort), '--data-dir', dataDir, '--agents', '0'];
    const env = { KAIROS_CHRONOS_PORT: String(chronosPort) };

    let dev = spawnKairos(args, env);
    try {
      const names = await waitFor('the example job through the Chronos port', async () => {
        const listed = await jobNames(chronosPort!);
        return listed?.includes('my_task') ? listed : undefined;
      }, 60_000);
      expect(names).toEqual(['my_task']);
      expect(dev.output()).toContain(`http://127.0.0.1:${chronosPort}/scheduler/jobs`);
      const job = (await (await fetch(`http://127.0.0.1:${chronosPort}/v1/scheduler/job/my_task`)).json()) as Record<string, unknown>;
      expect(job).toMatchObject({ name: 'my_task', command: "/bin/echo 'Hello, World!'", schedule: '0 0 * * *' });
      const deleted = await fetch(`http://127.0.0.1:${chronosPort}/scheduler/job/my_task`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
    } finally {
      await stop(dev);
    }

    dev = spawnKairos(args, env);
    try {
      // Up again: the banner is where a first start would create the example job; then a probe
      // job through the Chronos port, and the list shows the example did not return.
      await waitFor('the welcome banner', () => (dev.output().includes('Kairos dev cluster is up') ? true : undefined), 60_000);
      await waitFor('the Chronos API after a restart', async () => {
        const response = await fetch(`http://127.0.0.1:${chronosPort}/scheduler/iso8601`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'probe', command: 'true', schedule: '@yearly' }),
        }).catch(() => null);
        return response?.status === 204 ? true : undefined;
      }, 60_000);
      expect(await jobNames(chronosPort!)).toEqual(['probe']);
      expect(dev.output()).not.toContain('created the example job');
    } finally {
      await stop(dev);
    }
  }, 180_000);
});
