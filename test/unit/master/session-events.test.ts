/**
 * Scheduler events and calls the leader answers without an agent round trip.
 * Goal: an agent's link closing rescinds its outstanding offers (RESCIND); an agent marked
 * unreachable sends every framework FAILURE and rescinds its offers; REVIVE clears the
 * framework's decline filters; KILL of an unknown task answers TASK_LOST, of an ended one its
 * latest state; SHUTDOWN of an executor kills the task it runs (command-executor convention:
 * executor id = task id), and SHUTDOWN without its ids is refused naming the field; an operator's
 * MARK_AGENT_GONE ends the agent's tasks and its id for good; a re-SUBSCRIBE fails the older
 * stream over; MESSAGE is relayed to the agent; explicit RECONCILE of an unknown task answers by
 * its agent's state; HEARTBEATs go out every interval.
 * Method: a real LeaderSession, RegistryState and OfferBook; a fake Raft node that applies each
 * proposal to the registry at once and hands its effects to the session; a recording sink.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/lib/codec.js';
import { NotFoundError, ValidationError } from '../../../src/lib/errors.js';
import { LeaderAgentOperations } from '../../../src/master/leader/operator-agents.js';
import { DEFAULT_ENGINE_SETTINGS, LeaderSession } from '../../../src/master/leader/session.js';
import type { V1Event } from '../../../src/master/leader/scheduler-port.js';
import type { RegistryCommand } from '../../../src/master/registry/commands.js';
import { amountsOf } from '../../../src/master/registry/resources.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { T0 } from './registry-helpers.js';
import { sessionDeps } from './session-helpers.js';

const resources = (cpus: number, mem: number) => [
  { name: 'cpus', type: 'SCALAR' as const, scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR' as const, scalar: { value: mem } },
];

function setUp(frameworkInfo: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const registry = new RegistryState();
  const proposed: RegistryCommand[] = [];
  const node = {
    id: 'm1',
    readBarrier: async () => {},
    propose: async (data: Uint8Array) => {
      const command = decode<RegistryCommand>(data);
      proposed.push(command);
      return registry.apply(command as never, 0);
    },
  };
  const session = new LeaderSession(sessionDeps(node, registry, clock));
  registry.effectsListener = (effects) => session.handleEffects(effects);
  const apply = (command: unknown): unknown => {
    const result = registry.apply(command as never, 0);
    if (!result.ok) throw new Error(result.error);
    return result.value;
  };
  apply({ t: 'reg.agent.register', agentId: 'a1', hostname: 'h1', httpAddress: 'h1:5051', resources: resources(2, 1024), attributes: {}, nowMs: T0 });
  const { frameworkId } = apply({ t: 'reg.framework.subscribe', frameworkId: null, idPrefix: 'm', info: { user: 'u', name: 'f', ...frameworkInfo }, internal: false, nowMs: T0 }) as { frameworkId: string };
  const events: V1Event[] = [];
  session.subscriptions.set({ frameworkId, streamId: 's1', internal: false, sink: { send: (event) => void events.push(event), close: () => {} } });
  const call = (type: string, payload: Record<string, unknown> = {}) => session.scheduler.call({ type, framework_id: { value: frameworkId }, ...payload }, 's1');
  const launch = (taskId: string) =>
    apply({
      t: 'reg.task.launch',
      tasks: [{ taskId, frameworkId, agentId: 'a1', name: taskId, resources: resources(0.5, 64), spec: { taskId, frameworkId, command: { shell: true, value: 'true' } } }],
      nowMs: T0,
    });
  const updates = () => events.filter((e) => e.type === 'UPDATE').map((e) => (e['update'] as { status: { task_id: { value: string }; state: string; message?: string } }).status);
  return { clock, registry, session, frameworkId, events, proposed, call, launch, apply, updates };
}

describe('leader events and calls', () => {
  it('an agent link closing rescinds that agent\'s outstanding offers', () => {
    const t = setUp();
    const offer = t.session.offers.add(t.frameworkId, 'a1', amountsOf(resources(1, 64)), T0);
    t.session.agentLinkClosed('a1');
    expect(t.events).toContainEqual({ type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    expect(t.session.offers.size).toBe(0);
    t.session.stop('test');
  });

  it('an agent marked unreachable: FAILURE to every framework, its offers rescinded', async () => {
    const t = setUp();
    const offer = t.session.offers.add(t.frameworkId, 'a1', amountsOf(resources(1, 64)), T0);
    await t.session.propose({ t: 'reg.agent.unreachable', agentId: 'a1', nowMs: T0 + 1 } as RegistryCommand);
    expect(t.events).toContainEqual({ type: 'FAILURE', failure: { agent_id: { value: 'a1' } } });
    expect(t.events).toContainEqual({ type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    t.session.stop('test');
  });

  it('REVIVE clears the framework\'s decline filters and unsuppresses it', async () => {
    const t = setUp();
    t.session.offers.refuse(t.frameworkId, { agentId: 'a1', expiresAtMs: T0 + 3_600_000, amounts: null });
    t.session.offers.setSuppressed(t.frameworkId, true);
    expect(t.session.offers.filtersOf(t.frameworkId, T0)).toHaveLength(1);
    await t.call('REVIVE');
    expect(t.session.offers.filtersOf(t.frameworkId, T0)).toEqual([]);
    expect(t.session.offers.isSuppressed(t.frameworkId)).toBe(false);
    t.session.stop('test');
  });

  it('KILL of an unknown task answers TASK_LOST; of an ended task, its latest state', async () => {
    const t = setUp();
    await t.call('KILL', { kill: { task_id: { value: 'ghost' }, agent_id: { value: 'a1' } } });
    expect(t.updates()).toContainEqual(expect.objectContaining({ task_id: { value: 'ghost' }, state: 'TASK_LOST', message: 'Attempted to kill an unknown task' }));
    t.launch('done');
    t.apply({ t: 'reg.task.status', agentId: 'a1', source: 'agent', update: { taskId: 'done', frameworkId: t.frameworkId, state: 'TASK_FINISHED', uuid: 'u1', timestampMs: T0 }, nowMs: T0 });
    t.events.length = 0;
    await t.call('KILL', { kill: { task_id: { value: 'done' } } });
    expect(t.updates()).toEqual([expect.objectContaining({ task_id: { value: 'done' }, state: 'TASK_FINISHED' })]);
    expect(t.proposed.map((c) => c.t)).not.toContain('reg.task.kill');
    t.session.stop('test');
  });

  it('SHUTDOWN kills the task its executor runs; needs executor_id and agent_id', async () => {
    const t = setUp();
    t.launch('web');
    await t.call('SHUTDOWN', { shutdown: { executor_id: { value: 'web' }, agent_id: { value: 'a1' } } });
    expect(t.proposed.filter((c) => c.t === 'reg.task.kill')).toEqual([expect.objectContaining({ frameworkId: t.frameworkId, taskId: 'web' })]);
    // Another agent's executor of that name, or one running nothing: nothing to do.
    await t.call('SHUTDOWN', { shutdown: { executor_id: { value: 'web' }, agent_id: { value: 'a2' } } });
    await t.call('SHUTDOWN', { shutdown: { executor_id: { value: 'idle' }, agent_id: { value: 'a1' } } });
    expect(t.proposed.filter((c) => c.t === 'reg.task.kill')).toHaveLength(1);
    await expect(t.call('SHUTDOWN', { shutdown: { agent_id: { value: 'a1' } } })).rejects.toThrow(ValidationError);
    await expect(t.call('SHUTDOWN', { shutdown: { executor_id: { value: 'web' } } })).rejects.toThrow("Expecting 'shutdown.agent_id' to be present");
    t.session.stop('test');
  });

  it('MARK_AGENT_GONE: the agent is gone for good, its tasks end, its offers are rescinded; again is a no-op', async () => {
    const t = setUp();
    t.launch('web');
    const offer = t.session.offers.add(t.frameworkId, 'a1', amountsOf(resources(1, 64)), T0);
    const operations = new LeaderAgentOperations(t.session);
    await operations.markGone('a1');
    expect(t.registry.agent('a1')!.machine.value).toBe('gone');
    // Not partition-aware: TASK_LOST (TASK_GONE_BY_OPERATOR is for frameworks that are).
    expect(t.registry.task(t.frameworkId, 'web')!.state).toBe('TASK_LOST');
    expect(t.updates()).toContainEqual(expect.objectContaining({ task_id: { value: 'web' }, state: 'TASK_LOST' }));
    expect(t.events).toContainEqual({ type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
    await operations.markGone('a1');
    expect(t.proposed.filter((c) => c.t === 'reg.agent.markGone')).toHaveLength(2);
    await expect(operations.markGone('a9')).rejects.toThrow(NotFoundError);
    // Its id never comes back.
    const back = t.registry.apply({ t: 'reg.agent.reregister', agentId: 'a1', hostname: 'h1', httpAddress: 'h1:5051', resources: resources(2, 1024), attributes: {}, tasks: [], nowMs: T0 + 5 } as never, 0);
    expect(back).toMatchObject({ ok: false, error: expect.stringContaining('cannot come back') });
    t.session.stop('test');
  });

  it('MARK_AGENT_GONE for a partition-aware framework: TASK_GONE_BY_OPERATOR', async () => {
    const t = setUp({ capabilities: [{ type: 'PARTITION_AWARE' }] });
    t.launch('db');
    await new LeaderAgentOperations(t.session).markGone('a1');
    expect(t.registry.task(t.frameworkId, 'db')!.state).toBe('TASK_GONE_BY_OPERATOR');
    expect(t.registry.task(t.frameworkId, 'db')!.statuses.at(-1)).toMatchObject({ reason: 'REASON_AGENT_REMOVED_BY_OPERATOR' });
    t.session.stop('test');
  });

  it('a second SUBSCRIBE with the id fails the first stream over: ERROR, closed, its stream id refused', async () => {
    const t = setUp();
    const sink = () => {
      const sink = { events: [] as V1Event[], closed: null as string | null, send: (event: V1Event) => void sink.events.push(event), close: (reason: string) => void (sink.closed = reason) };
      return sink;
    };
    const first = sink();
    const subscribe = (id?: string) => ({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'g', failover_timeout: 60, ...(id ? { id: { value: id } } : {}) }, suppressed_roles: ['*'] } });
    const one = await t.session.scheduler.subscribe(subscribe(), first);
    expect(first.events.map((e) => e.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT']);
    expect(t.session.offers.isSuppressed(one.frameworkId)).toBe(true);
    const second = sink();
    const two = await t.session.scheduler.subscribe(subscribe(one.frameworkId), second);
    expect(two.frameworkId).toBe(one.frameworkId);
    expect(two.streamId).not.toBe(one.streamId);
    expect(first.events.at(-1)).toMatchObject({ type: 'ERROR', error: { message: 'Framework failed over' } });
    expect(first.closed).toBe('Framework failed over');
    expect(second.events[0]).toMatchObject({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: one.frameworkId } } });
    await expect(t.session.scheduler.call({ type: 'REVIVE', framework_id: { value: one.frameworkId } }, one.streamId)).rejects.toThrow(/didn't match the stream ID/);
    await t.session.scheduler.call({ type: 'REVIVE', framework_id: { value: one.frameworkId } }, two.streamId);
    t.session.stop('test');
  });

  it('MESSAGE goes to the agent as frameworkMessage; each missing field is named', async () => {
    const t = setUp();
    const sent: unknown[] = [];
    t.session.hub.send = (agentId: string, message: unknown) => (sent.push({ agentId, message }), true);
    await t.call('MESSAGE', { message: { agent_id: { value: 'a1' }, executor_id: { value: 'web' }, data: 'aGk=' } });
    expect(sent).toEqual([{ agentId: 'a1', message: { t: 'frameworkMessage', frameworkId: t.frameworkId, executorId: 'web', data: 'aGk=' } }]);
    await expect(t.call('MESSAGE', { message: { executor_id: { value: 'web' }, data: 'aGk=' } })).rejects.toThrow("Expecting 'message.agent_id' to be present");
    await expect(t.call('MESSAGE', { message: { agent_id: { value: 'a1' }, data: 'aGk=' } })).rejects.toThrow("Expecting 'message.executor_id' to be present");
    await expect(t.call('MESSAGE', { message: { agent_id: { value: 'a1' }, executor_id: { value: 'web' } } })).rejects.toThrow("Expecting 'message.data' to be present");
    expect(sent).toHaveLength(1);
    t.session.stop('test');
  });

  it('explicit RECONCILE of an unknown task answers by its agent\'s state, partition-aware or TASK_LOST', async () => {
    for (const aware of [true, false]) {
      const t = setUp(aware ? { capabilities: [{ type: 'PARTITION_AWARE' }] } : {});
      for (const agentId of ['a2', 'a3']) t.apply({ t: 'reg.agent.register', agentId, hostname: agentId, httpAddress: `${agentId}:5051`, resources: resources(1, 64), attributes: {}, nowMs: T0 });
      t.apply({ t: 'reg.agent.unreachable', agentId: 'a2', nowMs: T0 + 1 });
      t.apply({ t: 'reg.agent.markGone', agentId: 'a3', nowMs: T0 + 1 });
      t.events.length = 0;
      await t.call('RECONCILE', { reconcile: { tasks: [['x1', 'a1'], ['x2', 'a2'], ['x3', 'a3'], ['x4', 'nowhere']].map(([task, agent]) => ({ task_id: { value: task }, agent_id: { value: agent } })) } });
      await new Promise((resolve) => setImmediate(resolve));
      const states = Object.fromEntries(t.updates().map((u) => [u.task_id.value, u.state]));
      expect(states).toEqual(aware
        ? { x1: 'TASK_GONE', x2: 'TASK_UNREACHABLE', x3: 'TASK_GONE_BY_OPERATOR', x4: 'TASK_UNKNOWN' }
        : { x1: 'TASK_LOST', x2: 'TASK_LOST', x3: 'TASK_LOST', x4: 'TASK_LOST' });
      t.session.stop('test');
    }
  });

  it('HEARTBEAT goes to every subscriber each scheduler heartbeat interval once the session runs', async () => {
    const t = setUp();
    await t.session.start();
    const heartbeats = () => t.events.filter((e) => e.type === 'HEARTBEAT').length;
    expect(heartbeats()).toBe(0);
    t.clock.advance(DEFAULT_ENGINE_SETTINGS.schedulerHeartbeatMs);
    expect(heartbeats()).toBe(1);
    t.clock.advance(DEFAULT_ENGINE_SETTINGS.schedulerHeartbeatMs * 3);
    expect(heartbeats()).toBe(4);
    t.session.stop('test');
    t.clock.advance(DEFAULT_ENGINE_SETTINGS.schedulerHeartbeatMs);
    expect(heartbeats()).toBe(4);
  });
});
