/**
 * The hub links an agent before its (re-)registration is applied: commands produced while the
 * command is applied (a kill re-sent to a returning agent) are held and follow `registered`, in
 * order — before the fix they found no link and were lost. A failed registration leaves no link.
 * Re-registrations by id (`known`) and by digest are taken when the registry agrees, and the agent
 * is asked for more (`reportInFull`, `reportKnown`) when it does not.
 */
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../../src/lib/clock.js';
import { ConflictError, NotLeaderError } from '../../../../src/lib/errors.js';
import { silentLogger } from '../../../../src/lib/log.js';
import { AgentHub, type AgentConnection, type HubHost } from '../../../../src/master/agents/hub.js';
import type { RegistryCommand } from '../../../../src/master/registry/commands.js';
import { RegistryState, type RegistryResult } from '../../../../src/master/registry/state.js';
import type { AgentToMaster } from '../../../../src/protocol/messages.js';
import { taskDigestOf } from '../../../../src/protocol/task-digest.js';
import { FakeConnection } from './fake-connection.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { T0, TestRegistry } from '../registry-helpers.js';

function host(onPropose: (command: RegistryCommand, hub: AgentHub) => Promise<RegistryResult>, registry = new RegistryState(), forwarded: unknown[] = [], clock: HubHost['clock'] = new SystemClock()): { host: HubHost; hub: () => AgentHub } {
  let hub: AgentHub | null = null;
  const h: HubHost = {
    term: 7,
    leaderId: 'm1',
    registry,
    clock,
    logger: silentLogger(),
    agentHeartbeatMs: 60_000,
    maxMissedHeartbeats: 15,
    propose: (command) => onPropose(command, hub!),
    forwardAgentUpdate: (agentId, update) => forwarded.push({ agentId, update }) > 0,
    canForwardTo: () => true,
    agentsChanged: () => undefined,
    agentLinkClosed: () => undefined,
  };
  hub = new AgentHub(h);
  return { host: h, hub: () => hub! };
}

const hello = (agentId?: string): AgentToMaster => ({
  t: 'hello', version: 1, ...(agentId ? { agentId } : {}), hostname: 'h', httpAddress: '127.0.0.1:1', resources: [], attributes: {}, tasks: [], highestTerm: 0,
});

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Agents a1 and a2 with one task each ('held' on a1, 'on-a2'); a hub recording its proposals. */
function twoAgentsWithTasks() {
  const r = new TestRegistry();
  r.registerAgent('a1');
  r.registerAgent('a2');
  const fw = r.subscribe();
  r.launch(fw, 'held');
  r.launch(fw, 'on-a2', { agentId: 'a2' });
  const proposed: RegistryCommand[] = [];
  const { hub } = host(async (command) => {
    proposed.push(command);
    return { kind: 'agent', agentId: 'a1' };
  }, r.registry);
  return { fw, proposed, hub, registry: r.registry };
}

describe('AgentHub registration', () => {
  it('a kill produced while the re-registration is applied reaches the agent right after `registered`', async () => {
    const { hub } = host(async (command, h) => {
      // What the leader session does with the registry's killTask effect during apply.
      if (command.t === 'reg.agent.reregister') {
        expect(h.isConnected('a1')).toBe(false);
        expect(h.send('a1', { t: 'killTask', frameworkId: 'f1', taskId: 't1' })).toBe(true);
      }
      return { kind: 'agent', agentId: 'a1' };
    });
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    connection.onMessage(hello('a1'));
    await until(() => connection.sent.length >= 2);
    expect(connection.sent.map((m) => m.t)).toEqual(['registered', 'killTask']);
    expect(connection.sent[1]).toMatchObject({ t: 'killTask', term: 7, taskId: 't1', frameworkId: 'f1' });
    expect(hub().isConnected('a1')).toBe(true);
    // Once registered, commands go straight out.
    hub().send('a1', { t: 'ack', taskId: 't1', uuid: 'u' });
    expect(connection.sent.at(-1)).toMatchObject({ t: 'ack', term: 7 });
  });

  it('answers a heartbeat with a pong unless the agent marks it quiet', async () => {
    const { hub } = host(async () => ({ kind: 'agent', agentId: 'a1' }));
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    connection.onMessage(hello('a1'));
    await until(() => connection.sent.length >= 1);
    connection.onMessage({ t: 'heartbeat', agentId: 'a1', seq: 1 });
    connection.onMessage({ t: 'heartbeat', agentId: 'a1', seq: 2, quiet: true });
    connection.onMessage({ t: 'heartbeat', agentId: 'a1', seq: 3 });
    expect(connection.sent.filter((m) => m.t === 'pong')).toEqual([
      { t: 'pong', term: 7, seq: 1 },
      { t: 'pong', term: 7, seq: 3 },
    ]);
  });

  it('re-registration sends the tasks the registry holds on that agent by id and state only', async () => {
    const { fw, proposed, hub } = twoAgentsWithTasks();
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    const spec = (taskId: string) => ({ taskId, frameworkId: fw, command: { shell: true, value: 'x' } });
    connection.onMessage({ ...hello('a1'), tasks: ['held', 'on-a2', 'unknown'].map((id) => ({ spec: spec(id), state: 'TASK_RUNNING' as const })) } as AgentToMaster);
    await until(() => connection.sent.length >= 1);
    expect(proposed).toHaveLength(1);
    expect(proposed[0]).toMatchObject({
      t: 'reg.agent.reregister',
      known: [{ frameworkId: fw, taskId: 'held', state: 'TASK_RUNNING' }],
      tasks: [{ spec: spec('on-a2') }, { spec: spec('unknown') }],
    });
  });

  it('takes tasks reported by id alone when the registry holds them all here, and asks for them in full otherwise', async () => {
    const { fw, proposed, hub } = twoAgentsWithTasks();
    const byId = (...ids: string[]) => ids.map((taskId) => ({ frameworkId: fw, taskId, state: 'TASK_RUNNING' as const }));

    const held = new FakeConnection();
    hub().accept(held as unknown as AgentConnection);
    held.onMessage({ ...hello('a1'), known: byId('held') } as AgentToMaster);
    await until(() => held.sent.length >= 1);
    expect(held.sent.map((m) => m.t)).toEqual(['registered']);
    expect(proposed.at(-1)).toMatchObject({ t: 'reg.agent.reregister', tasks: [], known: byId('held') });

    // A task held on another agent (or not at all) cannot be judged without its spec.
    const other = new FakeConnection();
    hub().accept(other as unknown as AgentConnection);
    other.onMessage({ ...hello('a1'), known: byId('held', 'on-a2') } as AgentToMaster);
    await until(() => other.sent.length >= 1);
    expect(other.sent).toEqual([{ t: 'reportInFull' }]);
    expect(proposed).toHaveLength(1);
    // The same link then says hello with every spec, and that one is taken.
    const spec = (taskId: string) => ({ taskId, frameworkId: fw, command: { shell: true, value: 'x' } });
    other.onMessage({ ...hello('a1'), tasks: ['held', 'on-a2'].map((id) => ({ spec: spec(id), state: 'TASK_RUNNING' as const })) } as AgentToMaster);
    await until(() => other.sent.length >= 2);
    expect(other.sent.at(-1)).toMatchObject({ t: 'registered' });
    expect(proposed.at(-1)).toMatchObject({ known: byId('held'), tasks: [{ spec: spec('on-a2') }] });
  });

  it('relays an update already recorded (a re-send) without proposing it again', async () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    r.launch(fw, 't1');
    r.status(fw, 't1', 'TASK_RUNNING', 'u-running');
    const proposed: RegistryCommand[] = [];
    const forwarded: Array<{ agentId: string; update: { uuid: string } }> = [];
    const { hub } = host(async (command) => {
      proposed.push(command);
      return command.t === 'reg.task.status' ? { kind: 'status', outcome: 'accepted' } : { kind: 'agent', agentId: 'a1' };
    }, r.registry, forwarded);
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    connection.onMessage(hello('a1'));
    await until(() => connection.sent.length >= 1);
    const update = (uuid: string, state: 'TASK_RUNNING' | 'TASK_FINISHED') => ({ t: 'status', agentId: 'a1', update: { uuid, taskId: 't1', frameworkId: fw, state, timestampMs: T0 } }) as AgentToMaster;
    connection.onMessage(update('u-running', 'TASK_RUNNING'));
    connection.onMessage(update('u-finished', 'TASK_FINISHED'));
    await until(() => forwarded.length === 2);
    expect(forwarded.map((f) => f.update.uuid)).toEqual(['u-running', 'u-finished']);
    // Only the new update went through Raft.
    expect(proposed.filter((c) => c.t === 'reg.task.status').map((c) => (c as { update: { uuid: string } }).update.uuid)).toEqual(['u-finished']);
  });

  it('answers `registered` with the pending updates it has recorded and no framework to relay to, so the agent need not re-send them', async () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    for (const task of ['t1', 't2', 't3']) r.launch(fw, task);
    r.status(fw, 't1', 'TASK_RUNNING', 'u1-running');
    r.status(fw, 't3', 'TASK_RUNNING', 'u3-running');
    const { host: h, hub } = host(async () => ({ kind: 'agent', agentId: 'a1' }), r.registry);
    const spec = (taskId: string) => ({ taskId, frameworkId: fw, command: { shell: true, value: 'x' } });
    const reregister = async (): Promise<Record<string, unknown>> => {
      const connection = new FakeConnection();
      hub().accept(connection as unknown as AgentConnection);
      connection.onMessage({
        ...hello('a1'),
        // t2's pending update is not recorded (the old leader lost it): that one must be re-sent.
        known: [{ frameworkId: fw, taskId: 't1', state: 'TASK_RUNNING', pending: 'u1-running' }, { frameworkId: fw, taskId: 't2', state: 'TASK_RUNNING', pending: 'u2-running' }],
        tasks: [{ spec: spec('t3'), state: 'TASK_RUNNING', pending: 'u3-running' }],
      } as AgentToMaster);
      await until(() => connection.sent.length >= 1);
      return connection.sent[0] as Record<string, unknown>;
    };
    (h as { canForwardTo: HubHost['canForwardTo'] }).canForwardTo = () => false;
    expect(await reregister()).toMatchObject({ t: 'registered', recorded: ['u1-running', 'u3-running'] });
    // A subscribed framework gets re-sent updates relayed: the agent re-sends them all.
    (h as { canForwardTo: HubHost['canForwardTo'] }).canForwardTo = () => true;
    expect(await reregister()).not.toHaveProperty('recorded');
  });

  it('takes a digest that matches the registry, proposes it instead of a list, and names the frameworks it cannot relay to', async () => {
    const { fw, proposed, hub, registry } = twoAgentsWithTasks();
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    connection.onMessage({ ...hello('a1'), digest: taskDigestOf([{ frameworkId: fw, taskId: 'held', state: 'TASK_STAGING' }]) } as AgentToMaster);
    await until(() => connection.sent.length >= 1);
    expect(proposed).toEqual([expect.objectContaining({ t: 'reg.agent.reregister', tasks: [], digest: taskDigestOf([{ frameworkId: fw, taskId: 'held', state: 'TASK_STAGING' }]) })]);
    expect(proposed[0]).not.toHaveProperty('known');
    // Described otherwise than the registry holds it (hello's address differs): in full.
    expect(proposed[0]).toMatchObject({ hostname: 'h', httpAddress: '127.0.0.1:1' });
    expect(proposed[0]).not.toHaveProperty('asHeld');
    // Described as held: the description is left out.
    const held = registry.agent('a1')!;
    const same = new FakeConnection();
    hub().accept(same as unknown as AgentConnection);
    same.onMessage({ ...hello('a1'), hostname: held.hostname, httpAddress: held.httpAddress, resources: held.resources, attributes: held.attributes, digest: taskDigestOf([{ frameworkId: fw, taskId: 'held', state: 'TASK_STAGING' }]) } as AgentToMaster);
    await until(() => same.sent.length >= 1);
    expect(proposed[1]).toEqual({ t: 'reg.agent.reregister', agentId: 'a1', asHeld: true, tasks: [], digest: expect.any(String), nowMs: expect.any(Number) });
    // twoAgentsWithTasks' host relays to every framework: nothing is unrelayed.
    expect(connection.sent).toEqual([expect.objectContaining({ t: 'registered', agentId: 'a1' })]);
    expect(connection.sent[0]).not.toHaveProperty('unrelayed');

    const r = new TestRegistry();
    r.registerAgent('a1');
    const quiet = r.subscribe();
    r.launch(quiet, 't1');
    const { host: h, hub: quietHub } = host(async () => ({ kind: 'agent', agentId: 'a1' }), r.registry);
    (h as { canForwardTo: HubHost['canForwardTo'] }).canForwardTo = () => false;
    const unsubscribed = new FakeConnection();
    quietHub().accept(unsubscribed as unknown as AgentConnection);
    unsubscribed.onMessage({ ...hello('a1'), digest: r.registry.taskDigest('a1').digest } as AgentToMaster);
    await until(() => unsubscribed.sent.length >= 1);
    expect(unsubscribed.sent).toEqual([expect.objectContaining({ t: 'registered', unrelayed: [quiet] })]);
  });

  it('asks for the tasks by id when the digest differs, at hello or by the time it applies, and takes the hello that follows', async () => {
    const { fw, proposed, hub } = twoAgentsWithTasks();
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    // The agent's task is running; the registry still has it staging.
    connection.onMessage({ ...hello('a1'), digest: taskDigestOf([{ frameworkId: fw, taskId: 'held', state: 'TASK_RUNNING' }]) } as AgentToMaster);
    await until(() => connection.sent.length >= 1);
    expect(connection.sent).toEqual([{ t: 'reportKnown' }]);
    expect(proposed).toEqual([]);
    connection.onMessage({ ...hello('a1'), known: [{ frameworkId: fw, taskId: 'held', state: 'TASK_RUNNING' }] } as AgentToMaster);
    await until(() => connection.sent.length >= 2);
    expect(connection.sent.at(-1)).toMatchObject({ t: 'registered' });
    expect(proposed).toEqual([expect.objectContaining({ known: [{ frameworkId: fw, taskId: 'held', state: 'TASK_RUNNING' }] })]);

    // Matching when proposed, changed by the time it applied: nothing was applied, so no link.
    const r = new TestRegistry();
    r.registerAgent('a1');
    r.launch(r.subscribe(), 't1');
    const { hub: laterHub } = host(async (command) => (command.t === 'reg.agent.reregister' && command.digest !== undefined ? { kind: 'tasksChanged', agentId: 'a1' } : { kind: 'agent', agentId: 'a1' }), r.registry);
    const later = new FakeConnection();
    laterHub().accept(later as unknown as AgentConnection);
    later.onMessage({ ...hello('a1'), digest: r.registry.taskDigest('a1').digest } as AgentToMaster);
    await until(() => later.sent.length >= 1);
    expect(later.sent).toEqual([{ t: 'reportKnown' }]);
    expect(laterHub().isConnected('a1')).toBe(false);
    later.onMessage(hello('a1'));
    await until(() => later.sent.length >= 2);
    expect(later.sent.at(-1)).toMatchObject({ t: 'registered' });
    expect(laterHub().isConnected('a1')).toBe(true);
  });

  it('a refused re-registration leaves no link and tells the agent to shut down', async () => {
    const { hub } = host(async () => {
      throw new ConflictError('agent a1 was removed and cannot come back');
    });
    const connection = new FakeConnection();
    hub().accept(connection as unknown as AgentConnection);
    connection.onMessage(hello('a1'));
    await until(() => !connection.isOpen);
    expect(connection.sent.map((m) => m.t)).toEqual(['shutdown']);
    expect(hub().connectedIds()).toEqual([]);
    expect(hub().send('a1', { t: 'ack', taskId: 't', uuid: 'u' })).toBe(false);
  });

  it('a connection closed while registering leaves no link; stop hints the new leader', async () => {
    let release: () => void = () => undefined;
    const { hub } = host(() => new Promise((resolve) => {
      release = () => resolve({ kind: 'agent', agentId: 'a1' });
    }));
    const closing = new FakeConnection();
    hub().accept(closing as unknown as AgentConnection);
    closing.onMessage(hello('a1'));
    await until(() => hub().connectedIds().length === 1);
    closing.close();
    release();
    await until(() => hub().connectedIds().length === 0);
    expect(closing.sent).toEqual([]);

    const { hub: hub2 } = host(async () => ({ kind: 'agent', agentId: 'a2' }));
    const live = new FakeConnection();
    hub2().accept(live as unknown as AgentConnection);
    live.onMessage(hello('a2'));
    await until(() => live.sent.length === 1);
    hub2().stop('127.0.0.1:5060');
    expect(live.sent.at(-1)).toEqual({ t: 'notLeader', leaderHint: '127.0.0.1:5060' });
  });

  it('an agent whose re-registration is still being applied is not counted silent; a silent registered one is', async () => {
    const r = new TestRegistry();
    r.registerAgent('slow');
    r.registerAgent('quiet');
    const clock = new ManualClock();
    const unreachable: string[] = [];
    const { host: h, hub } = host((command) => {
      if (command.t === 'reg.agent.unreachable') unreachable.push(command.agentId);
      // The slow agent's re-registration is never applied within the test: a saturated leader.
      if (command.t === 'reg.agent.reregister' && command.agentId === 'slow') return new Promise(() => undefined);
      return Promise.resolve({ kind: 'agent', agentId: 'quiet' });
    }, r.registry, [], clock);
    hub().start();
    const slow = new FakeConnection();
    hub().accept(slow as unknown as AgentConnection);
    slow.onMessage(hello('slow'));
    const quiet = new FakeConnection();
    hub().accept(quiet as unknown as AgentConnection);
    quiet.onMessage(hello('quiet'));
    await until(() => quiet.sent.length >= 1);
    clock.advance(h.agentHeartbeatMs * (h.maxMissedHeartbeats + 2));
    expect(unreachable).toEqual(['quiet']);
    expect(slow.isOpen).toBe(true);
    expect(hub().isConnected('slow')).toBe(false);
    hub().stop();
  });

  it('an agent that says hello again while its re-registration is in flight waits for that one instead of proposing another', async () => {
    const proposed: RegistryCommand[] = [];
    let release: () => void = () => undefined;
    const { hub } = host((command) => {
      proposed.push(command);
      return new Promise((resolve) => {
        release = () => resolve({ kind: 'agent', agentId: 'a1' });
      });
    });
    const first = new FakeConnection();
    hub().accept(first as unknown as AgentConnection);
    first.onMessage(hello('a1'));
    await until(() => proposed.length === 1);
    // The agent gave up waiting, closed and dialled again.
    first.close();
    const second = new FakeConnection();
    hub().accept(second as unknown as AgentConnection);
    second.onMessage(hello('a1'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(proposed).toHaveLength(1);
    release();
    await until(() => second.sent.length === 1);
    expect(second.sent[0]).toMatchObject({ t: 'registered', agentId: 'a1', term: 7 });
    expect(first.sent).toEqual([]);
    expect(hub().isConnected('a1')).toBe(true);
    // Once it is applied, a later hello proposes afresh.
    const third = new FakeConnection();
    hub().accept(third as unknown as AgentConnection);
    third.onMessage(hello('a1'));
    await until(() => proposed.length === 2);
    release();
    await until(() => third.sent.length === 1);
  });

  it('on a step-down, links of registrations still in flight close a slice per turn, told the new leader', async () => {
    const pending: Array<(error: Error) => void> = [];
    const { hub } = host(() => new Promise((_resolve, reject) => pending.push(reject)));
    const connections = Array.from({ length: 250 }, (_, i) => {
      const connection = new FakeConnection();
      hub().accept(connection as unknown as AgentConnection);
      connection.onMessage(hello(`a${i}`));
      return connection;
    });
    await until(() => pending.length === 250);
    hub().stop('127.0.0.1:5060');
    // The leadership loss also fails every proposal in flight.
    for (const reject of pending) reject(new NotLeaderError(null));
    await Promise.resolve();
    await new Promise((resolve) => process.nextTick(resolve));
    // Only the first slice has closed within this turn…
    expect(connections.filter((c) => !c.isOpen)).toHaveLength(100);
    await until(() => connections.every((c) => !c.isOpen));
    // …and every agent heard where the leader went.
    expect(connections.every((c) => c.sent.at(-1)?.t === 'notLeader')).toBe(true);
    expect(connections[249]!.sent.at(-1)).toEqual({ t: 'notLeader', leaderHint: '127.0.0.1:5060' });
  });
});
