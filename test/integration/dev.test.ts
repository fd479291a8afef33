/**
 * Goal: `kairos dev` (what `npm start` runs) brings up a local HA cluster, says which replica
 * leads and where to look, survives a replica being killed, stops every child on Ctrl-C (no
 * orphans) and restarts from the same data.
 * Method: run the built CLI with a temp data dir and free ports; drive it with signals; check
 * child pids with process.kill(pid, 0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnKairos, waitFor } from './helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-dev-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function replicaPids(basePort: number): Promise<number[]> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(' master --id ') && line.includes(`127.0.0.1:${basePort + 100}`))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('kairos dev', () => {
  it('starts three replicas, reports the leader, survives a kill, stops cleanly and restarts from its data', async () => {
    const basePort = 17_000 + Math.floor(Math.random() * 800);
    const dataDir = join(root, 'cluster');
    const dev = spawnKairos(['dev', '--base-port', String(basePort), '--data-dir', dataDir]);
    try {
      await waitFor('the welcome banner', () => (dev.output().includes('Kairos dev cluster is up') ? true : undefined), 30_000);
      expect(dev.output()).toMatch(/← leader/);
      expect(dev.output()).toContain(dataDir);

      const write = await fetch(`http://127.0.0.1:${basePort}/raft/kv/dev-key`, { method: 'PUT', body: 'kept', redirect: 'manual' });
      const location = write.status === 307 ? write.headers.get('location')! : null;
      const status = location ? (await fetch(location, { method: 'PUT', body: 'kept' })).status : write.status;
      expect(status).toBe(204);

      const pids = await replicaPids(basePort);
      expect(pids).toHaveLength(3);
      process.kill(pids[0]!, 'SIGKILL');
      await waitFor('the replica to be restarted', () => (dev.output().includes('restarting in') ? true : undefined));
      expect(dev.child.exitCode).toBeNull();

      dev.child.kill('SIGINT');
      expect((await dev.exited).code).toBe(0);
      const after = await replicaPids(basePort);
      for (const pid of [...pids, ...after]) expect(alive(pid), `replica pid ${pid} still alive`).toBe(false);
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    }

    const again = spawnKairos(['dev', '--base-port', String(basePort), '--data-dir', dataDir]);
    try {
      await waitFor('the welcome banner after restart', () => (again.output().includes('Kairos dev cluster is up') ? true : undefined), 30_000);
      const value = await waitFor('the key written before the restart', async () => {
        const response = await fetch(`http://127.0.0.1:${basePort}/raft/kv/dev-key`);
        return response.status === 200 ? await response.text() : undefined;
      });
      expect(value).toBe('kept');
    } finally {
      again.child.kill('SIGINT');
      await again.exited;
    }
  });
});
