/**
 * The engine at fleet scale on 3 real masters: simulated agents (src/agent/sim, the real master
 * link) and a v1 HTTP framework that acknowledges every update. Goal: every agent registers and is
 * offered; two tasks per agent launch and run; after a leader SIGKILL every agent re-registers
 * with the new leader (a higher term), the framework re-subscribes with its id, and implicit
 * reconciliation answers every task as TASK_RUNNING — nothing committed is forgotten, nothing
 * is offered twice. Half the agents keep standby links (messages.ts): they are called back by the
 * new leader on one of them rather than dialling (a slow election may leave a few dialling after
 * their wait, so at least half must be called back); the other half dial as before. A called-back
 * agent says hello by digest, which matches (nothing changed while leaderless), so it is not asked
 * again; dialling agents report by id.
 * Method: conditions with deadlines; no timing assertions.
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
  let plain: SimFleet;
  let standby: SimFleet;
  const agents = (): SimFleet['agents'] => [...plain.agents, ...standby.agents];
  const framework = new V1Framework({ user: 'it', name: 'fleet', failover_timeout: 600 });

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--agent-heartbeat-ms', '500', '--log-level', 'warn']);
    cluster.startAll();
    await cluster.waitForAllUp();
    const options = { masters: cluster.replicas.map((r) => r.http), count: AGENTS / 2, taskDurationMs: null, resources: 'cpus:2;mem:2048' };
    plain = new SimFleet({ ...options, prefix: 'plain-' });
    standby = new SimFleet({ ...options, prefix: 'standby-', standby: true });
    plain.start();
    standby.start();
  });

  afterAll(async () => {
    framework.close();
    await plain?.stop();
    await standby?.stop();
    await cluster?.destroy();
  });

  it('launches on every agent and keeps every task across a leader SIGKILL', async () => {
    const masters = cluster.replicas.map((r) => r.http);
    await waitFor('every agent registered', () => (plain.registered() + standby.registered() === AGENTS ? true : undefined), 60_000, 100);
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
    await waitFor('every update acknowledged', () => (agents().every((a) => a.pendingUpdates() === 0) ? true : undefined), 60_000, 100);
    await waitFor('every standby link open', () => (standby.agents.every((a) => a.link.standbyLinks === 2) ? true : undefined), 30_000, 100);
    const dialsBefore = standby.agents.map((a) => a.link.stats.dials);
    const askedBefore = agents().map((a) => a.link.stats.reportedAgain);

    const leader = await cluster.waitForLeader();
    const oldTerm = (await cluster.status(leader))!.term;
    await cluster.kill(leader);
    framework.close();
    await waitFor('every agent re-registered with the new leader', () => (
      agents().every((a) => a.link.state === 'registered' && a.link.highestTerm > oldTerm) ? true : undefined
    ), 60_000, 100);
    expect(new Set(agents().map((a) => a.agentId)).size).toBe(AGENTS);
    expect(plain.agents.every((a) => a.link.stats.adoptions === 0)).toBe(true);
    const calledBack = standby.agents.filter((a, i) => a.link.stats.adoptions === 1 && a.link.stats.dials === dialsBefore[i]);
    expect(calledBack.length).toBeGreaterThanOrEqual(AGENTS / 4);
    // Every update was acknowledged before the kill, so each called-back agent's digest matched
    // the new leader's registry: one hello by digest, never asked to report its tasks again.
    expect(calledBack.every((a) => a.link.stats.digestHellos === 1)).toBe(true);
    expect(plain.agents.every((a) => a.link.stats.digestHellos === 0)).toBe(true);
    expect(agents().map((a) => a.link.stats.reportedAgain)).toEqual(askedBefore);

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
