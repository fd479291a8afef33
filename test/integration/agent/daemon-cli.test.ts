/**
 * `kairos agent` on the command line.
 * Goal: bad flags and bad environment print one line on stderr naming the setting and exit 2,
 * starting nothing; a good configuration serves /health, /state and /metrics and stops on
 * SIGTERM with exit 0.
 * Method: the built CLI as a child process; waits are conditions with deadlines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, spawnKairos, waitFor } from '../helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-agent-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('kairos agent (CLI)', () => {
  it.each([
    [['--work-dir', join(root, 'w')], {}, /--masters: is required/],
    [['--masters', '127.0.0.1:1', '--work-dir', join(root, 'w'), '--resources', 'cpus:many'], {}, /--resources: "cpus:many"/],
    [['--masters', '127.0.0.1:1', '--work-dir', join(root, 'w'), '--attributes', 'rack'], {}, /--attributes/],
    [['--masters', '127.0.0.1:1', '--work-dir', join(root, 'w')], { KAIROS_HTTP: 'nope' }, /--http: must be host:port/],
  ])('refuses %j with exit 2', async (args, env, message) => {
    const agent = spawnKairos(['agent', ...args], env);
    const { code } = await agent.exited;
    expect(code).toBe(2);
    expect(agent.output().trim().split('\n')).toHaveLength(1);
    expect(agent.output()).toMatch(message);
  });

  it('serves /health, /state and /metrics, and stops on SIGTERM', async () => {
    const [port] = await freePorts(1);
    const agent = spawnKairos(['agent', '--masters', '127.0.0.1:1', '--work-dir', join(root, 'ok'), '--http', `127.0.0.1:${port}`, '--resources', 'cpus:3', '--attributes', 'rack:r9']);
    try {
      await waitFor('/health', async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined), 60_000, 100);
      const state = (await (await fetch(`http://127.0.0.1:${port}/state`)).json()) as Record<string, any>;
      expect(state['resources']['cpus']).toBe(3);
      expect(state['resources']['ports']).toBe('[31000-32000]');
      expect(state['resources']['mem']).toBeGreaterThan(0);
      expect(state['attributes']).toEqual({ rack: 'r9' });
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/kairos_agent_master_connected 0/);
      agent.child.kill('SIGTERM');
      expect((await agent.exited).code).toBe(0);
    } finally {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
  });
});
