/**
 * The agent daemon (Agent + master link + HTTP) against fake masters on loopback.
 * Goal: it registers with its resources and attributes, runs a task and reports its statuses;
 * an ack stops re-sending; after the master connection drops it re-registers with the same id,
 * reports its live task (by id and state, then in full when asked) and re-sends unacknowledged
 * updates; a command from a lower term is
 * refused and has no effect; it follows a follower's 307 to the leader; a silent master is
 * left; /state and /metrics describe it.
 * Method: real processes for tasks, real LevelDB, a fake master recording frames; every wait
 * is a condition with a deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../../src/agent/daemon/config.js';
import { runAgentDaemon, type AgentDaemon } from '../../../src/agent/daemon/main.js';
import { parseResources } from '../../../src/agent/daemon/resources.js';
import { silentLogger } from '../../../src/lib/log.js';
import type { TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';
import { FakeMaster, type FakeMasterOptions } from './daemon-fake-master.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-daemon-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

let dirs = 0;
function config(masters: string[], workDir = join(root, `agent${++dirs}`)): AgentConfig {
  return {
    masters,
    workDir,
    resources: parseResources('cpus:2;mem:1024;disk:1000;ports:[31000-31010]'),
    attributes: { rack: 'r1' },
    http: '127.0.0.1:0',
    advertisedHttp: '127.0.0.1:0',
    hostname: 'localhost',
    // The fake masters know nothing of standby links (engine-fleet.test.ts covers them).
    standbyLinks: false,
    allowPrivileged: false,
    dockerSocket: '/nonexistent.sock',
    missedPongs: 3,
    logLevel: 'silent',
    logPretty: false,
  };
}

async function daemon(c: AgentConfig): Promise<AgentDaemon> {
  const d = await runAgentDaemon(c, silentLogger(), { docker: false, cgroups: null, retry: { minMs: 100, maxMs: 400 } });
  cleanups.push(() => d.stop());
  return d;
}

async function master(options: FakeMasterOptions = {}): Promise<FakeMaster> {
  const m = await FakeMaster.start(options);
  cleanups.push(() => m.close());
  return m;
}

const task = (taskId: string, value: string): TaskSpec => ({ taskId, frameworkId: 'fw1', command: { shell: true, value } });
const statuses = (m: FakeMaster, taskId: string) => m.of('status').filter((s) => s.update.taskId === taskId).map((s) => s.update);

describe('agent daemon ↔ master', () => {
  it('registers, runs a task, and stops re-sending once acknowledged', async () => {
    const m = await master();
    const d = await daemon(config([m.address]));
    await waitFor('registration', () => (d.link.state === 'registered' ? true : undefined));
    const hello = m.of('hello')[0]!;
    expect(hello.agentId).toBeUndefined();
    expect(hello.attributes).toEqual({ rack: 'r1' });
    expect(hello.resources.map((r) => r.name).sort()).toEqual(['cpus', 'disk', 'mem', 'ports']);
    // The link reports `registered` before the agent has checkpointed its new id.
    expect(await waitFor('agent id checkpointed', async () => (await d.agent.agentId()) ?? undefined)).toBe('fake-S1');

    m.send({ t: 'runTask', term: 1, task: task('t1', 'echo hi'), resources: parseResources('cpus:0.5;mem:64') });
    const running = await waitFor('TASK_RUNNING', () => statuses(m, 't1').find((u) => u.state === 'TASK_RUNNING'));
    m.send({ t: 'ack', term: 1, taskId: 't1', uuid: running.uuid });
    const finished = await waitFor('TASK_FINISHED', () => statuses(m, 't1').find((u) => u.state === 'TASK_FINISHED'));
    expect(d.agent.task('t1')?.spec.limits).toEqual({ cpus: 0.5, memMb: 64 });
    m.send({ t: 'ack', term: 1, taskId: 't1', uuid: finished.uuid });
    await waitFor('no pending updates', () => (d.agent.updates.pending().length === 0 ? true : undefined));
    // A retry the agent sent just before the ack reached it may still be on the wire: frames
    // keep their order, so once two more heartbeats are in, anything sent before is in too.
    const synced = m.of('heartbeat').length;
    await waitFor('frames in flight delivered', () => (m.of('heartbeat').length >= synced + 2 ? true : undefined));
    const sentBefore = statuses(m, 't1').length;
    // Retries run every 100–400 ms here: wait for five heartbeats' worth of frames and look again.
    const beats = m.of('heartbeat').length;
    await waitFor('more heartbeats', () => (m.of('heartbeat').length >= beats + 5 ? true : undefined));
    expect(statuses(m, 't1').length).toBe(sentBefore);
  });

  it('re-registers with its id and live task after the connection drops, and re-sends unacknowledged updates', async () => {
    const m = await master();
    const d = await daemon(config([m.address]));
    await waitFor('registration', () => (d.link.state === 'registered' ? true : undefined));
    m.send({ t: 'runTask', term: 1, task: task('long', 'sleep 30'), resources: parseResources('cpus:0.1') });
    const running = await waitFor('TASK_RUNNING', () => statuses(m, 'long').find((u) => u.state === 'TASK_RUNNING'));
    m.dropAll();
    // First by id and state; this master holds no tasks and asks for them in full.
    await waitFor('third hello', () => m.of('hello')[2]);
    const compact = m.of('hello')[1]!;
    expect(compact.tasks).toEqual([]);
    // With the uuid of its unacknowledged update (a master that has it recorded can spare the re-send).
    expect(compact.known).toEqual([{ frameworkId: 'fw1', taskId: 'long', state: 'TASK_RUNNING', pending: running.uuid }]);
    const hello = m.of('hello')[2]!;
    expect(hello.agentId).toBe('fake-S1');
    expect(hello.known).toBeUndefined();
    expect(hello.tasks.map((t) => [t.spec.taskId, t.state])).toEqual([['long', 'TASK_RUNNING']]);
    expect(hello.tasks[0]!.resources).toEqual(parseResources('cpus:0.1'));
    expect(hello.tasks[0]!.pending).toBe(running.uuid);
    // The unacknowledged TASK_RUNNING is sent again on the new connection.
    await waitFor('re-sent TASK_RUNNING', () => (statuses(m, 'long').filter((u) => u.uuid === running.uuid).length >= 2 ? true : undefined));
    m.send({ t: 'ack', term: 1, taskId: 'long', uuid: running.uuid });
    m.send({ t: 'killTask', term: 1, frameworkId: 'fw1', taskId: 'long' });
    await waitFor('TASK_KILLED', () => statuses(m, 'long').find((u) => u.state === 'TASK_KILLED'));
  });

  it('after re-registering does not re-send the updates the master lists as recorded, and re-sends the rest', async () => {
    // This master has recorded task a's update (and has nobody to relay it to), not b's.
    let recordedA: string | null = null;
    const m = await master({ recorded: (hello) => (hello.agentId !== undefined && recordedA !== null ? [recordedA] : []) });
    const d = await daemon(config([m.address]));
    await waitFor('registration', () => (d.link.state === 'registered' ? true : undefined));
    m.send({ t: 'runTask', term: 1, task: task('a', 'sleep 30'), resources: [] });
    const runningA = await waitFor('a TASK_RUNNING', () => statuses(m, 'a').find((u) => u.state === 'TASK_RUNNING'));
    m.send({ t: 'runTask', term: 1, task: task('b', 'sleep 30'), resources: [] });
    const runningB = await waitFor('b TASK_RUNNING', () => statuses(m, 'b').find((u) => u.state === 'TASK_RUNNING'));
    recordedA = runningA.uuid;
    m.dropAll();
    const full = await waitFor('hello in full', () => m.of('hello').find((h) => h.tasks.length === 2));
    expect(full.tasks.map((t) => [t.spec.taskId, t.pending])).toEqual([['a', runningA.uuid], ['b', runningB.uuid]]);
    // Re-sent in stream order (a before b) in one turn: b's re-send arriving alone shows a's was skipped.
    await waitFor('b re-sent', () => (statuses(m, 'b').filter((u) => u.uuid === runningB.uuid).length >= 2 ? true : undefined));
    expect(statuses(m, 'a').filter((u) => u.uuid === runningA.uuid)).toHaveLength(1);
    for (const taskId of ['a', 'b']) m.send({ t: 'killTask', term: 1, frameworkId: 'fw1', taskId });
    await waitFor('both killed', () => (['a', 'b'].every((id) => statuses(m, id).some((u) => u.state === 'TASK_KILLED')) ? true : undefined));
  });

  it('after re-registering does not re-send the pending updates of frameworks the master lists as unrelayed', async () => {
    let quiet: string | null = null;
    const m = await master({ unrelayed: (hello) => (hello.agentId !== undefined && quiet !== null ? [quiet] : []) });
    const d = await daemon(config([m.address]));
    await waitFor('registration', () => (d.link.state === 'registered' ? true : undefined));
    m.send({ t: 'runTask', term: 1, task: task('a', 'sleep 30'), resources: [] });
    const runningA = await waitFor('a TASK_RUNNING', () => statuses(m, 'a').find((u) => u.state === 'TASK_RUNNING'));
    m.send({ t: 'runTask', term: 1, task: { ...task('b', 'sleep 30'), frameworkId: 'fw2' }, resources: [] });
    const runningB = await waitFor('b TASK_RUNNING', () => statuses(m, 'b').find((u) => u.state === 'TASK_RUNNING'));
    quiet = 'fw1';
    m.dropAll();
    // Re-sent in stream order (a before b) in one turn: b's re-send arriving alone shows a's was skipped.
    await waitFor('b re-sent', () => (statuses(m, 'b').filter((u) => u.uuid === runningB.uuid).length >= 2 ? true : undefined));
    expect(statuses(m, 'a').filter((u) => u.uuid === runningA.uuid)).toHaveLength(1);
    for (const [taskId, frameworkId] of [['a', 'fw1'], ['b', 'fw2']] as const) m.send({ t: 'killTask', term: 1, frameworkId, taskId });
    await waitFor('both killed', () => (['a', 'b'].every((id) => statuses(m, id).some((u) => u.state === 'TASK_KILLED')) ? true : undefined));
  });

  it('refuses commands from a lower term and does nothing', async () => {
    const m = await master({ term: 5, autoAck: true });
    const d = await daemon(config([m.address]));
    await waitFor('registration', () => (d.link.state === 'registered' ? true : undefined));
    await waitFor('term checkpointed', async () => ((await d.agent.highestTerm()) === 5 ? true : undefined));
    m.send({ t: 'runTask', term: 4, task: task('stale', 'echo no'), resources: [] });
    const refused = await waitFor('refused', () => m.of('refused')[0]);
    expect(refused).toMatchObject({ term: 4, highestTerm: 5, what: 'runTask' });
    m.term = 6; // a newer leader (its acks carry term 6 too)
    m.send({ t: 'runTask', term: 6, task: task('fresh', 'echo yes'), resources: [] });
    await waitFor('fresh task finished', () => statuses(m, 'fresh').find((u) => u.state === 'TASK_FINISHED'));
    expect(d.agent.task('stale')).toBeUndefined();
    expect(d.link.highestTerm).toBe(6);
    expect(await d.agent.highestTerm()).toBe(6);
  });

  it('refuses to register with a master whose term is below the highest seen (after a restart)', async () => {
    const workDir = join(root, 'fenced');
    const high = await master({ term: 9 });
    const first = await daemon(config([high.address], workDir));
    await waitFor('registration', () => (first.link.state === 'registered' ? true : undefined));
    await waitFor('term checkpointed', async () => ((await first.agent.highestTerm()) === 9 ? true : undefined));
    await first.stop();
    const stale = await master({ term: 3 });
    const second = await daemon(config([stale.address], workDir));
    const refused = await waitFor('refused registration', () => stale.of('refused')[0]);
    expect(refused).toMatchObject({ term: 3, highestTerm: 9, what: 'registered' });
    expect(stale.of('hello')[0]!.highestTerm).toBe(9);
    expect(second.link.state).not.toBe('registered');
  });

  it('follows a follower\'s 307 to the leader', async () => {
    const leader = await master();
    const follower = await master({ redirectTo: () => leader.address });
    const d = await daemon(config([follower.address]));
    await waitFor('registration via redirect', () => (d.link.state === 'registered' ? true : undefined));
    expect(d.link.master).toBe(leader.address);
    expect(leader.of('hello')).toHaveLength(1);
  });

  it('leaves a silent master and registers with another', async () => {
    const silent = await master({ pong: false, heartbeatIntervalMs: 50 });
    const other = await master();
    const d = await daemon(config([silent.address, other.address]));
    await waitFor('registered with the silent one first', () => (silent.of('hello').length > 0 ? true : undefined));
    await waitFor('moved to the other master', () => (d.link.master === other.address ? true : undefined), 20_000);
    expect(d.link.stats.disconnects).toBeGreaterThanOrEqual(1);
  });

  it('serves /state and /metrics', async () => {
    const m = await master({ autoAck: true });
    const d = await daemon(config([m.address]));
    await waitFor('registration', () => (d.link.state === 'registered' ? true : undefined));
    m.send({ t: 'runTask', term: 1, task: task('s1', 'sleep 30'), resources: parseResources('cpus:0.2;mem:32') });
    await waitFor('TASK_RUNNING', () => statuses(m, 's1').find((u) => u.state === 'TASK_RUNNING'));
    const state = (await (await fetch(`http://${d.httpAddress}/state`)).json()) as Record<string, any>;
    expect(state['id']).toBe('fake-S1');
    expect(state['resources']).toEqual({ cpus: 2, mem: 1024, disk: 1000, ports: '[31000-31010]' });
    expect(state['attributes']).toEqual({ rack: 'r1' });
    expect(state['master_hostname']).toBe('127.0.0.1');
    expect(state['frameworks'][0].id).toBe('fw1');
    expect(state['frameworks'][0].executors[0].tasks[0]).toMatchObject({ id: 's1', state: 'TASK_RUNNING', resources: { cpus: 0.2, mem: 32 } });
    const metrics = await (await fetch(`http://${d.httpAddress}/metrics`)).text();
    expect(metrics).toMatch(/kairos_agent_tasks\{state="TASK_RUNNING"\} 1/);
    expect(metrics).toMatch(/kairos_agent_master_connected 1/);
    expect(metrics).toMatch(/kairos_agent_task_launches_total 1/);
    m.send({ t: 'shutdownFramework', term: 1, frameworkId: 'fw1' });
    await waitFor('TASK_KILLED', () => statuses(m, 's1').find((u) => u.state === 'TASK_KILLED'));
  });
});
