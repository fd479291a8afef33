/**
 * Reservations end to end against 3 real `kairos master` processes and a real `kairos agent`.
 * Goal: a v1 framework of role `ops` RESERVEs part of an offer and LAUNCHes a task on the new
 * reservation in the same ACCEPT; the operator reserves more with `/master/reserve` (400 / 409 for
 * bad or impossible requests); `/master/state` shows the reservations; after the leader is
 * SIGKILLed the framework re-subscribes and is offered the reservation back (role, DYNAMIC
 * reservations[], allocation_info) while a role-`*` framework never sees it; the v1 operator API
 * UNRESERVE_RESOURCES releases what no task uses (409 for more).
 * Method: real processes on loopback, every wait a condition with a deadline.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1Framework, postJson, type OfferJson } from '../../helpers/v1-framework.js';
import { TestCluster, type ReplicaSpec } from '../helpers/cluster.js';
import { freePorts, spawnKairos, waitFor, type KairosProcess } from '../helpers/process.js';

type Summary = Record<string, number | string>;
interface ResourceJson { name: string; role?: string; scalar?: { value: number }; reservations?: Array<{ type: string; role: string; principal?: string }>; allocation_info?: { role: string } }
interface SlaveState { id: string; reserved_resources: Record<string, Summary>; unreserved_resources: Summary; reserved_resources_full: Record<string, ResourceJson[]> }

async function slaveState(http: string): Promise<SlaveState | undefined> {
  try {
    const response = await fetch(`http://${http}/state`, { redirect: 'follow', signal: AbortSignal.timeout(2_000) });
    if (response.status !== 200) return undefined;
    return ((await response.json()) as { slaves: SlaveState[] }).slaves[0];
  } catch {
    return undefined;
  }
}

async function operator(http: string, path: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** SIGKILLs the process group of every task whose wrapper wrote a pid under `runDir`. */
function killTaskGroups(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const taskId of readdirSync(runDir)) {
    const pidFile = join(runDir, taskId, 'pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      if (pid > 0) process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const reserved = (cpus: number, mem: number) => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: 'ops' },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem }, role: 'ops' },
];

const reservedOf = (offer: OfferJson, name: string): number =>
  (offer.resources as ResourceJson[]).filter((r) => r.name === name && r.role === 'ops').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);

describe('reservations on a 3-master cluster with a real agent', () => {
  let cluster: TestCluster;
  let agent: KairosProcess | null = null;
  let workRoot = '';
  let leader: ReplicaSpec;

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--agent-heartbeat-ms', '300', '--scheduler-heartbeat-ms', '1000', '--allocation-interval-ms', '200', '--log-level', 'warn']);
    cluster.startAll();
    leader = await cluster.waitForLeader(30_000);
    await cluster.waitForAllUp(30_000);
    workRoot = mkdtempSync(join(tmpdir(), 'kairos-reserve-agent-'));
    const [agentPort] = await freePorts(1);
    agent = spawnKairos([
      'agent', '--masters', cluster.replicas.map((r) => r.http).join(','), '--work-dir', join(workRoot, 'agent'),
      '--resources', 'cpus:4;mem:2048;disk:1000;ports:[31000-32000];cpus(web):1', '--http', `127.0.0.1:${agentPort}`, '--hostname', 'localhost',
      '--log-level', 'warn',
    ]);
    await waitFor('the agent registered', async () => ((await slaveState(leader.http)) ? true : undefined), 30_000);
  });

  afterAll(async () => {
    if (agent) {
      agent.child.kill('SIGTERM');
      await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    }
    // An agent stopped by SIGTERM leaves its tasks running (they are reattached on restart):
    // end them, or `sleep 300` outlives the test run.
    if (workRoot) killTaskGroups(join(workRoot, 'agent', 'run'));
    await cluster?.destroy();
    if (workRoot) rmSync(workRoot, { recursive: true, force: true });
  });

  it('RESERVE + LAUNCH in one ACCEPT, operator reserve, and the reservation offered back to its role after a leader SIGKILL', async () => {
    const ops = new V1Framework({ user: userInfo().username, name: 'ops-fw', role: 'ops', principal: 'ops-principal', failover_timeout: 600 });
    ops.autoAcknowledge = true;
    await ops.subscribe(cluster.replicas.map((r) => r.http));
    // Static `cpus(web):1` is shown but never offered to `ops`.
    const [offer] = await ops.nextOffers({ timeoutMs: 30_000 });
    expect(offer).toBeDefined();
    expect((offer!.resources as ResourceJson[]).some((r) => r.role === 'web')).toBe(false);
    const agentId = offer!.agent_id.value;

    const accepted = await ops.call('ACCEPT', {
      accept: {
        offer_ids: [offer!.id],
        operations: [
          { type: 'RESERVE', reserve: { resources: reserved(1, 256) } },
          { type: 'LAUNCH', launch: { task_infos: [{ name: 'r1', task_id: { value: 'r1' }, agent_id: offer!.agent_id, resources: reserved(0.5, 128), command: { value: 'sleep 300', shell: true } }] } },
        ],
        filters: { refuse_seconds: 0.1 },
      },
    });
    expect(accepted.status).toBe(202);
    await ops.waitForUpdate('r1', 'TASK_RUNNING', { timeoutMs: 60_000 });

    // The operator adds 0.5 cpus; bad and impossible requests change nothing.
    expect((await operator(leader.http, '/master/reserve', { resources: JSON.stringify(reserved(0.5, 0)) })).status).toBe(400);
    expect((await operator(leader.http, '/master/reserve', { slaveId: agentId, resources: JSON.stringify(reserved(100, 0)) })).status).toBe(409);
    const added = await operator(leader.http, '/master/reserve', { slaveId: agentId, resources: JSON.stringify([{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: 'ops' }]) });
    expect(added.status).toBe(202);
    expect((await operator(leader.http, '/master/unreserve', { slaveId: agentId, resources: JSON.stringify(reserved(5, 0)) })).status).toBe(409);

    const state = await slaveState(leader.http);
    expect(state!.reserved_resources['ops']).toMatchObject({ cpus: 1.5, mem: 256 });
    expect(state!.reserved_resources['web']).toMatchObject({ cpus: 1 });
    expect(state!.unreserved_resources).toMatchObject({ cpus: 2.5, mem: 1792 });
    expect(state!.reserved_resources_full['ops']!.some((r) => r.reservations?.[0]?.type === 'DYNAMIC' && r.reservations[0].principal === 'ops-principal')).toBe(true);

    // SIGKILL the leader; the reservation is in the registry, so the new leader offers it back.
    const oldLeader = leader;
    await cluster.kill(oldLeader);
    leader = await cluster.waitForLeader(30_000);
    const mark = ops.events.length;
    await ops.subscribe(cluster.replicas.filter((r) => r.process).map((r) => r.http), { timeoutMs: 60_000 });
    const backAgain = await waitFor('an offer with the ops reservation', async () => {
      await ops.nextOffers({ from: mark, timeoutMs: 2_000 }).catch(() => undefined);
      return ops.events
        .slice(mark)
        .filter((e) => e.type === 'OFFERS')
        .flatMap((e) => (e['offers'] as { offers: OfferJson[] }).offers)
        .find((o) => reservedOf(o, 'cpus') > 0);
    }, 60_000);
    // 1.5 reserved, 0.5 used by r1: 1 cpu and 128 mem offered as reserved.
    expect(reservedOf(backAgain, 'cpus')).toBeCloseTo(1, 6);
    expect(reservedOf(backAgain, 'mem')).toBeCloseTo(128, 6);
    const reservedResource = (backAgain.resources as ResourceJson[]).find((r) => r.role === 'ops')!;
    expect(reservedResource.reservations?.[0]).toMatchObject({ type: 'DYNAMIC', role: 'ops' });
    expect(reservedResource.allocation_info).toEqual({ role: 'ops' });
    const after = await slaveState(leader.http);
    expect(after!.reserved_resources['ops']).toMatchObject({ cpus: 1.5, mem: 256 });

    // A role-* framework is offered only unreserved resources (once ops gives its offers back).
    const plain = new V1Framework({ user: userInfo().username, name: 'plain-fw' });
    expect((await ops.call('SUPPRESS', {})).status).toBe(202);
    const held = ops.events.slice(mark).filter((e) => e.type === 'OFFERS').flatMap((e) => (e['offers'] as { offers: OfferJson[] }).offers);
    expect((await ops.decline(held, 3600)).status).toBe(202);
    await plain.subscribe([leader.http]);
    const [plainOffer] = await plain.nextOffers({ timeoutMs: 30_000 });
    expect((plainOffer!.resources as ResourceJson[]).every((r) => r.role === '*' || r.role === undefined)).toBe(true);
    plain.close();

    // The v1 operator API releases part of it (the rest still holds r1); an unknown agent is a 400.
    const v1 = (type: string, agentId: string, resources: unknown) => postJson(leader.http, '/api/v1', { type, [type.toLowerCase()]: { agent_id: { value: agentId }, resources } });
    expect((await v1('UNRESERVE_RESOURCES', 'no-such-agent', [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: 'ops' }])).status).toBe(400);
    expect((await v1('UNRESERVE_RESOURCES', agentId, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 }, role: 'ops' }])).status).toBe(409);
    expect((await v1('UNRESERVE_RESOURCES', agentId, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: 'ops' }])).status).toBe(202);
    expect((await slaveState(leader.http))!.reserved_resources['ops']).toMatchObject({ cpus: 1, mem: 256 });
    ops.close();
  });
});
