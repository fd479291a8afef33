/**
 * The engine at fleet scale on 3 real masters: simulated agents (src/agent/sim, the real master
 * link) and a v1 HTTP framework that acknowledges every update. Goal: every agent registers and is
 * offered; two tasks per agent launch and run; after a leader SIGKILL every agent re-registers
 * with the new leader (a higher term), the framework re-subscribes with its id, and implicit
 * reconciliation answers every task as TASK_RUNNING — nothing committed is forgotten, nothing
 * is offered twice. Method: conditions with deadlines; no timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFleet } from '../../../src/agent/sim/sim-agent.js';
import { V1Framework, updateStatus, type OfferJson } from '../../helpers/v1-framework.js';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';

const AGENTS = 120;
const TASKS_PER_AGENT = 2;

describe('master engine with a fleet of simulated agents', () => {
  let cluster: TestCluster;
  let fleet: SimFleet;
  const framework = new V1Framework({ user: 'it', name: 'fleet', failover_timeout: 600 });

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--agent-heartbeat-ms', '500', '--log-level', 'warn']);
    cluster.startAll();
    await cluster.waitForAllUp();
    fleet = new SimFleet({ masters: cluster.replicas.map((r) => r.http), count: AGENTS, taskDurationMs: null, resources: 'cpus:2;mem:2048' });
    fleet.start();
  });

  afterAll(async () => {
    framework.close();
    await fleet?.stop();
    await cluster?.destroy();
  });

  it('launches on every agent and keeps every task across a leader SIGKILL', async () => {
    const masters = cluster.replicas.map((r) => r.http);
    await waitFor('every agent registered', () => (fleet.registered() === AGENTS ? true : undefined), 60_000, 100);
    framework.autoAcknowledge = true;
    await framework.subscribe(masters);

    // One LAUNCH of two tasks per agent, from whatever offers come; no offer is used twice.
    const served = new Set<string>();
    const seenOffers = new Set<string>();
    let cursor = 0;
    while (served.size < AGENTS) {
      const event = await framework.waitFor('OFFERS', (e) => e.type === 'OFFERS', { from: cursor, timeoutMs: 30_000 });
      cursor = framework.events.indexOf(event) + 1;
      const offers = (event['offers'] as { offers: OfferJson[] }).offers;
      for (const offer of offers) {
        expect(seenOffers.has(offer.id.value)).toBe(false);
        seenOffers.add(offer.id.value);
        const agentId = offer.agent_id.value;
        if (served.has(agentId)) continue;
        served.add(agentId);
        const tasks = Array.from({ length: TASKS_PER_AGENT }, (_, i) => ({ id: `${agentId}-t${i}`, command: 'sleep 1000', cpus: 0.5, mem: 128 }));
        expect((await framework.launch(offer, tasks)).status).toBe(202);
      }
    }
    const running = (): Set<string> => new Set(framework.events.map(updateStatus).filter((s) => s?.state === 'TASK_RUNNING').map((s) => s!.task_id.value));
    await waitFor('every task running', () => (running().size === AGENTS * TASKS_PER_AGENT ? true : undefined), 60_000, 100);
    await waitFor('every update acknowledged', () => (fleet.agents.every((a) => a.pendingUpdates() === 0) ? true : undefined), 60_000, 100);

    const leader = await cluster.waitForLeader();
    const oldTerm = (await cluster.status(leader))!.term;
    await cluster.kill(leader);
    framework.close();
    await waitFor('every agent re-registered with the new leader', () => (
      fleet.agents.every((a) => a.link.state === 'registered' && a.link.highestTerm > oldTerm) ? true : undefined
    ), 60_000, 100);
    expect(new Set(fleet.agents.map((a) => a.agentId)).size).toBe(AGENTS);

    const survivors = cluster.replicas.filter((r) => r.process).map((r) => r.http);
    const from = framework.events.length;
    await framework.subscribe(survivors, { frameworkId: framework.frameworkId });
    expect((await framework.reconcile()).status).toBe(202);
    const reconciled = (): Set<string> => new Set(
      framework.events.slice(from).map(updateStatus).filter((s) => s?.reason === 'REASON_RECONCILIATION' && s.state === 'TASK_RUNNING').map((s) => s!.task_id.value),
    );
    await waitFor('every task reconciled as running', () => (reconciled().size === AGENTS * TASKS_PER_AGENT ? true : undefined), 30_000, 100);
  });
});
