/**
 * Health checks with real checks (mesos-api.md §3.5). Goal: COMMAND, HTTP and TCP checks see
 * healthy and unhealthy targets correctly; through the Agent, health changes become
 * TASK_RUNNING updates carrying `healthy` (only on change) and repeated failures kill the task
 * (TASK_KILLED, healthy=false). Method: a local HTTP server and a closed port as targets; a
 * task whose COMMAND check tests a file the test creates and removes; waits have deadlines.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { runCheck } from '../../../src/agent/health-checker.js';
import type { StatusUpdate } from '../../../src/agent/types.js';
import { freePorts, waitFor } from '../helpers/process.js';

const base = mkdtempSync(join(tmpdir(), 'kairos-health-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('runCheck', () => {
  it('HTTP, TCP and COMMAND checks tell healthy from unhealthy', async () => {
    const server = createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const [closed] = await freePorts(1);
    try {
      expect(await runCheck({ type: 'HTTP', http: { port, path: '/ok' }, timeoutMs: 2000 }, base, {})).toBe(true);
      expect(await runCheck({ type: 'HTTP', http: { port, path: '/bad' }, timeoutMs: 2000 }, base, {})).toBe(false);
      expect(await runCheck({ type: 'HTTP', http: { port, path: '/bad', statuses: [503] }, timeoutMs: 2000 }, base, {})).toBe(true);
      expect(await runCheck({ type: 'TCP', tcp: { port }, timeoutMs: 2000 }, base, {})).toBe(true);
      expect(await runCheck({ type: 'TCP', tcp: { port: closed as number }, timeoutMs: 2000 }, base, {})).toBe(false);
      expect(await runCheck({ type: 'COMMAND', command: 'exit 0', timeoutMs: 2000 }, base, {})).toBe(true);
      expect(await runCheck({ type: 'COMMAND', command: 'exit 1', timeoutMs: 2000 }, base, {})).toBe(false);
      expect(await runCheck({ type: 'COMMAND', command: 'sleep 5', timeoutMs: 100 }, base, {})).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('Agent health checks', () => {
  it('reports health changes as TASK_RUNNING with healthy, and kills after consecutive failures', async () => {
    const sent: StatusUpdate[] = [];
    let agent: Agent | null = null;
    agent = await Agent.start({
      workDir: join(base, 'agent'),
      cgroups: null,
      retry: { minMs: 50, maxMs: 200 },
      sink: { send: (u) => {
        sent.push(u);
        void agent?.acknowledge(u.taskId, u.uuid);
      } },
    });
    const flag = join(base, 'healthy-flag');
    writeFileSync(flag, '');
    await agent.launch({
      taskId: 'checked',
      frameworkId: 'fw',
      command: { shell: true, value: 'sleep 300' },
      killGracePeriodMs: 200,
      healthCheck: { type: 'COMMAND', command: `test -f ${flag}`, delayMs: 0, intervalMs: 40, timeoutMs: 2000, gracePeriodMs: 0, consecutiveFailures: 3 },
    });
    const updates = () => [...new Map(sent.map((u) => [u.uuid, u])).values()];
    await waitFor('healthy', () => (updates().some((u) => u.healthy === true) ? true : undefined));
    unlinkSync(flag);
    await waitFor('killed', () => (updates().some((u) => u.state === 'TASK_KILLED') ? true : undefined));
    const seen = updates().map((u) => `${u.state}${u.healthy === undefined ? '' : `:${u.healthy}`}`);
    expect(seen).toEqual(['TASK_RUNNING', 'TASK_RUNNING:true', 'TASK_RUNNING:false', 'TASK_KILLED:false']);
    expect(updates()[1]?.reason).toBe('REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    await agent.close();
  });
});
