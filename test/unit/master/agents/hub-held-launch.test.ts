/**
 * A launch applied while an agent's re-registration is in flight is held until `registered`;
 * when the re-registration (applied after it) ends that task — the agent's report did not have
 * it, so the registry marks it TASK_LOST — the held runTask must be dropped, or the agent would
 * run a task the registry counts as gone (found by test/sim/master, seed 1106). Launches of
 * tasks still live go out after `registered` as before.
 */
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../../src/lib/clock.js';
import { silentLogger } from '../../../../src/lib/log.js';
import { AgentHub, type AgentConnection, type HubHost } from '../../../../src/master/agents/hub.js';
import type { RegistryState } from '../../../../src/master/registry/state.js';
import { FakeConnection } from './fake-connection.js';

const spec = (taskId: string) => ({ taskId, frameworkId: 'f1', command: { shell: true, value: 'true' }, limits: {} });

describe('AgentHub: launches held during a re-registration', () => {
  it('drops the runTask of a task the re-registration ended and sends the others after `registered`', async () => {
    const states: Record<string, string> = { lost: 'TASK_STAGING', live: 'TASK_STAGING' };
    const registry = { task: (_f: string, taskId: string) => (taskId in states ? { state: states[taskId] } : undefined) } as unknown as RegistryState;
    let hub: AgentHub | null = null;
    const host: HubHost = {
      term: 3,
      leaderId: 'm1',
      registry,
      clock: new SystemClock(),
      logger: silentLogger(),
      agentHeartbeatMs: 60_000,
      maxMissedHeartbeats: 15,
      propose: async () => {
        // Two launches are applied while the re-registration is in flight…
        hub!.send('a1', { t: 'runTask', task: spec('lost'), resources: [] });
        hub!.send('a1', { t: 'runTask', task: spec('live'), resources: [] });
        // …then the re-registration, whose report lacks `lost`, ends it.
        states['lost'] = 'TASK_LOST';
        return { kind: 'agent', agentId: 'a1' };
      },
      forwardAgentUpdate: () => true,
      canForwardTo: () => true,
      agentsChanged: () => undefined,
      agentLinkClosed: () => undefined,
    };
    hub = new AgentHub(host);
    const connection = new FakeConnection();
    hub.accept(connection as unknown as AgentConnection);
    connection.onMessage({ t: 'hello', version: 1, agentId: 'a1', hostname: 'h', httpAddress: '127.0.0.1:1', resources: [], attributes: {}, tasks: [], highestTerm: 0 });
    const deadline = Date.now() + 5_000;
    while (connection.sent.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(connection.sent.map((m) => (m.t === 'runTask' ? `runTask:${m.task.taskId}` : m.t))).toEqual(['registered', 'runTask:live']);
  });
});
