/**
 * The sandbox files API and sandbox GC on a real directory tree. Goal: browse/read/download
 * return the Mesos shapes (read pages by offset/length; offset=-1 gives the size); every way
 * out of the sandbox root — `..`, encoded `..`, foreign absolute paths, symlinks to files or
 * directories outside — is 403 and nothing outside is read; GC deletes what the policy picks.
 * Method: Fastify `inject` against a temp tree that includes a secret file next to the root
 * and symlinks pointing at it; 403 responses are checked not to contain the secret.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAgentHttp } from '../../../src/agent/http.js';
import { collectSandboxes } from '../../../src/agent/sandbox.js';

const base = mkdtempSync(join(tmpdir(), 'kairos-files-'));
const root = join(base, 'sandboxes');
const task = join(root, 'fw', 't1');
mkdirSync(task, { recursive: true });
writeFileSync(join(task, 'stdout'), 'hello world\n');
writeFileSync(join(base, 'secret'), 'TOP-SECRET');
symlinkSync(join(base, 'secret'), join(task, 'link-out'));
symlinkSync(base, join(task, 'dir-out'));
symlinkSync(join(task, 'stdout'), join(task, 'link-in'));
const app = buildAgentHttp({ sandboxRoot: root });
afterAll(async () => {
  await app.close();
  rmSync(base, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ method: 'GET', url });
const q = (path: string) => encodeURIComponent(path);

describe('files API', () => {
  it('/health is 200', async () => {
    expect((await get('/health')).statusCode).toBe(200);
  });

  it('browse lists a sandbox with Mesos fields', async () => {
    const response = await get(`/files/browse?path=${q(task)}`);
    expect(response.statusCode).toBe(200);
    const entries = response.json() as Array<{ path: string; size: number; mode: string }>;
    const stdout = entries.find((e) => e.path === join(task, 'stdout'));
    expect(stdout).toMatchObject({ size: 12, mode: '-rw-r--r--' });
  });

  it('read pages through a file; offset -1 returns the size', async () => {
    expect((await get(`/files/read?path=${q(join(task, 'stdout'))}&offset=6&length=5`)).json()).toEqual({ data: 'world', offset: 6 });
    expect((await get(`/files/read?path=fw/t1/stdout`)).json()).toEqual({ data: 'hello world\n', offset: 0 });
    expect((await get(`/files/read?path=${q(join(task, 'stdout'))}&offset=-1`)).json()).toEqual({ data: '', offset: 12 });
    expect((await get(`/files/read?path=${q(join(task, 'stdout'))}&offset=99`)).statusCode).toBe(400);
    expect((await get(`/files/read?path=${q(join(task, 'link-in'))}`)).json()).toEqual({ data: 'hello world\n', offset: 0 });
  });

  it('download returns the bytes; missing files are 404, missing path 400', async () => {
    const response = await get(`/files/download?path=${q(join(task, 'stdout'))}`);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('hello world\n');
    expect((await get(`/files/read?path=${q(join(task, 'nope'))}`)).statusCode).toBe(404);
    expect((await get('/files/read')).statusCode).toBe(400);
  });

  const escapes = [
    join(task, '..', '..', '..', 'secret'),
    '../secret',
    'fw/../../secret',
    '%2e%2e/secret',
    join(base, 'secret'),
    '/etc/passwd',
    join(task, 'link-out'),
    join(task, 'dir-out', 'secret'),
    join(task, 'dir-out'),
  ];
  for (const endpoint of ['read', 'download', 'browse']) {
    it(`${endpoint}: every path out of the sandbox is 403 and reveals nothing`, async () => {
      for (const path of escapes) {
        const raw = path === '%2e%2e/secret' ? path : q(path);
        const response = await get(`/files/${endpoint}?path=${raw}`);
        expect(response.statusCode, path).toBe(403);
        expect(response.body).not.toContain('TOP-SECRET');
        expect(response.body).not.toContain('root:');
      }
    });
  }
});

describe('sandbox GC shell', () => {
  it('deletes expired sandboxes and, under disk pressure, the oldest first', async () => {
    const gcRoot = join(base, 'gc');
    const dirs = ['old', 'mid', 'new'].map((name) => join(gcRoot, name));
    dirs.forEach((dir, i) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'stdout'), Buffer.alloc(1000));
      utimesSync(dir, 1000 + i, 1000 + i);
    });
    const now = 10_000_000;
    const finished = dirs.map((path, i) => ({ path, finishedAtMs: now - (3 - i) * 1000 }));
    // Age: only 'old' (3 s) is past 2.5 s. Disk: 3000 bytes with a 2500 cap — 'old' going is enough.
    expect(await collectSandboxes(finished, now, { maxAgeMs: 2500, maxTotalBytes: 2500 })).toEqual([dirs[0]]);
    expect(existsSync(dirs[0] as string)).toBe(false);
    expect(await collectSandboxes(finished.slice(1), now, { maxAgeMs: 60_000, maxTotalBytes: 1000 })).toEqual([dirs[1]]);
    expect(existsSync(dirs[2] as string)).toBe(true);
  });
});
