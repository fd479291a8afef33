/**
 * Goal: child processes start, become ready, and stop; waiting always has a deadline. Method: a
 * real Node child that opens an HTTP port only after 200 ms (waitForHttp must wait for it, not
 * fail), a request over the IPC channel, and a condition that never holds (waitFor must throw
 * naming what it waited for).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, freePortsInRange } from '../lib/ports.js';
import { startProcess, waitFor, waitForHttp } from '../lib/process.js';

const workDir = mkdtempSync(join(tmpdir(), 'kairos-bench-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const SLOW_SERVER = `
const http = require('node:http');
process.on('message', (m) => process.send({ requestId: m.requestId, echoed: m.value }));
setTimeout(() => http.createServer((q, r) => r.end('ok')).listen(Number(process.argv[1]), '127.0.0.1'), 200);
`;

describe('startProcess', () => {
  it('waits for HTTP readiness, answers IPC, and stops', async () => {
    const port = await freePort();
    const child = startProcess({ name: 'slow', command: process.execPath, args: ['-e', SLOW_SERVER, String(port)], logPath: join(workDir, 'slow.log'), ipc: true });
    expect(await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 10_000, what: 'slow server' })).toBe(200);
    expect(await child.request<{ echoed: number }>({ type: 'echo', value: 42 }, 5000)).toMatchObject({ echoed: 42 });
    expect(child.isRunning()).toBe(true);
    const status = await child.stop(2000);
    expect(status.signal).toBe('SIGTERM');
    expect(child.isRunning()).toBe(false);
  });
});

describe('waitFor', () => {
  it('throws at the deadline naming what it waited for', async () => {
    const started = performance.now();
    await expect(waitFor(async () => null, { timeoutMs: 150, what: 'the impossible' })).rejects.toThrow(/the impossible/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('freePortsInRange', () => {
  it('returns distinct ports inside the range', async () => {
    const ports = await freePortsInRange(6, 23000, 23999);
    expect(new Set(ports).size).toBe(6);
    for (const port of ports) expect(port >= 23000 && port <= 23999).toBe(true);
  });
});
