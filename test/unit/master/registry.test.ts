/**
 * The registry reducer (state part `reg`). Goal: every command does what mesos-api.md §4 says,
 * and the invariants hold — bad commands are rejected whole, terminal task states are final, a
 * repeated status uuid is a no-op, launches never over-commit an agent, effects carry stable
 * keys, and a snapshot restores the same registry. Method: hand-made command sequences through
 * `apply`, checking state, results and the effects handed to the leader.
 */
import { describe, expect, it } from 'vitest';
import { decode, encodeDocument } from '../../../src/lib/codec.js';
import { LEADER_CHANGE_GRACE_MS, RegistryState } from '../../../src/master/registry/state.js';
import { T0, TestRegistry, launchRecord, scalars } from './registry-helpers.js';

describe('registry: agents', () => {
  it('registers an agent as active and refuses a second registration of the id', () => {
    const r = new TestRegistry();
    expect(r.registerAgent('a1').ok).toBe(true);
    expect(r.registry.agent('a1')).toMatchObject({ hostname: 'a1.host', registeredAtMs: T0, machine: { value: 'active' } });
    const before = r.snapshotBytes();
    expect(r.registerAgent('a1')).toEqual({ ok: false, error: 'agent a1 is already registered' });
    expect(r.snapshotBytes()).toBe(before);
  });

  it('rejects an invalid command whole, naming the field', () => {
    const r = new TestRegistry();
    const result = r.apply({ t: 'reg.agent.register', agentId: 'a1', hostname: 'h', httpAddress: 'x:1', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: -1 } }], attributes: {}, nowMs: T0 });
    expect(result).toEqual({ ok: false, error: 'resources[0].scalar.value: must be a non-negative number' });
    expect([...r.registry.agents()]).toEqual([]);
    expect(r.apply({ t: 'reg.nope', nowMs: T0 })).toMatchObject({ ok: false });
    expect(r.apply({ t: 'reg.agent.unreachable', agentId: 'a1' })).toEqual({ ok: false, error: 'nowMs: must be epoch milliseconds' });
    // A re-registration by digest: the digest comes alone, a description `asHeld` only with one.
    const reregister = { t: 'reg.agent.reregister', agentId: 'a1', tasks: [], nowMs: T0 };
    const described = { hostname: 'h', httpAddress: 'x:1', resources: [], attributes: {} };
    expect(r.apply({ ...reregister, ...described, digest: '' })).toMatchObject({ ok: false, error: expect.stringMatching(/^digest: /) });
    expect(r.apply({ ...reregister, ...described, digest: '1:00', known: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/^digest: stands for every task/) });
    expect(r.apply({ ...reregister, asHeld: true })).toEqual({ ok: false, error: 'asHeld: needs a digest' });
    expect(r.apply({ ...reregister, asHeld: true, digest: '0:00', resources: [] })).toEqual({ ok: false, error: 'resources: must be absent when the description is asHeld' });
    expect(r.apply({ ...reregister, asHeld: false, digest: '0:00' })).toEqual({ ok: false, error: 'asHeld: must be true when present' });
    expect([...r.registry.agents()]).toEqual([]);
  });

  it('marks a silent agent unreachable: offers rescinded, tasks LOST or UNREACHABLE by capability', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const plain = r.subscribe();
    const aware = r.subscribe({ partitionAware: true });
    r.launch(plain, 't1');
    r.launch(aware, 't2');
    expect(r.apply({ t: 'reg.agent.unreachable', agentId: 'a1', nowMs: T0 + 5_000 }).ok).toBe(true);
    expect(r.registry.agent('a1')!.machine.value).toBe('unreachable');
    expect(r.registry.task(plain, 't1')!.state).toBe('TASK_LOST');
    expect(r.registry.task(aware, 't2')!.state).toBe('TASK_UNREACHABLE');
    expect(r.effectsOf('rescindOffers')).toEqual([expect.objectContaining({ scope: { kind: 'agent', id: 'a1' } })]);
    const updates = r.effectsOf('sendStatusUpdate');
    expect(updates.map((e) => (e as { state: string }).state).sort()).toEqual(['TASK_LOST', 'TASK_UNREACHABLE']);
    expect(updates.every((e) => (e as { uuid: unknown }).uuid === null)).toBe(true);
    // Only an active agent can become unreachable.
    expect(r.apply({ t: 'reg.agent.unreachable', agentId: 'a1', nowMs: T0 + 6_000 }).ok).toBe(false);
  });

  it('re-registration reconciles tasks: unreported → LOST, unknown → adopted, unreachable → back, ended → killed', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const plain = r.subscribe();
    const aware = r.subscribe({ partitionAware: true });
    r.launch(plain, 'gone-missing');
    r.launch(plain, 'lost-but-running');
    r.launch(aware, 'partitioned');
    r.status(aware, 'partitioned', 'TASK_RUNNING');
    r.apply({ t: 'reg.agent.unreachable', agentId: 'a1', nowMs: T0 + 5_000 });
    const spec = (id: string, fw: string) => ({ taskId: id, frameworkId: fw, command: { shell: true, value: 'x' } });
    const result = r.apply({
      t: 'reg.agent.reregister',
      agentId: 'a1',
      hostname: 'a1.host',
      httpAddress: '127.0.0.1:5051',
      resources: scalars(4, 4096),
      attributes: {},
      tasks: [
        { spec: spec('lost-but-running', plain), state: 'TASK_RUNNING' },
        { spec: spec('partitioned', aware), state: 'TASK_RUNNING' },
        { spec: spec('adopted', plain), state: 'TASK_RUNNING', resources: scalars(1, 64) },
      ],
      nowMs: T0 + 10_000,
    });
    expect(result.ok).toBe(true);
    expect(r.registry.agent('a1')).toMatchObject({ reregisteredAtMs: T0 + 10_000, machine: { value: 'active' } });
    expect(r.registry.task(plain, 'gone-missing')!.state).toBe('TASK_LOST');
    expect(r.registry.task(aware, 'partitioned')!.state).toBe('TASK_RUNNING');
    expect(r.registry.task(plain, 'adopted')).toMatchObject({ state: 'TASK_RUNNING', agentId: 'a1' });
    expect(r.effectsOf('launchTask')).toEqual([]);
    expect(r.effectsOf('killTask')).toEqual([expect.objectContaining({ taskId: 'lost-but-running', frameworkId: plain, agentId: 'a1' })]);
  });

  it('reconciles reports sent by id and state only (`known`) as it does full ones', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    r.registerAgent('a2');
    const plain = r.subscribe();
    r.launch(plain, 'running');
    r.launch(plain, 'ended');
    r.launch(plain, 'unreported');
    r.launch(plain, 'elsewhere', { agentId: 'a2' });
    r.status(plain, 'running', 'TASK_RUNNING');
    r.status(plain, 'ended', 'TASK_FAILED');
    const result = r.apply({
      t: 'reg.agent.reregister', agentId: 'a1', hostname: 'a1', httpAddress: 'x:1', resources: scalars(4, 4096), attributes: {}, tasks: [],
      known: [
        { frameworkId: plain, taskId: 'running', state: 'TASK_RUNNING' },
        { frameworkId: plain, taskId: 'ended', state: 'TASK_RUNNING' },
        { frameworkId: plain, taskId: 'elsewhere', state: 'TASK_RUNNING' },
        { frameworkId: plain, taskId: 'forgotten', state: 'TASK_RUNNING' },
      ],
      nowMs: T0 + 10_000,
    });
    expect(result.ok).toBe(true);
    expect(r.registry.task(plain, 'running')!.state).toBe('TASK_RUNNING');
    expect(r.registry.task(plain, 'unreported')!.state).toBe('TASK_LOST');
    // Another agent's task is not touched; an unknown one is not adopted (there is no spec) but killed.
    expect(r.registry.task(plain, 'elsewhere')).toMatchObject({ agentId: 'a2', state: 'TASK_STAGING' });
    expect(r.registry.task(plain, 'forgotten')).toBeUndefined();
    expect(r.effectsOf('killTask').map((e) => (e as { taskId: string }).taskId).sort()).toEqual(['ended', 'forgotten']);
  });

  it('a terminal task pushed out of the history by the same re-registration is killed, not adopted', () => {
    // History of one completed task per framework: losing `unreported` forgets `ended`; the
    // report of `ended` must still find it (found with seed -1256598980 of the properties).
    const r = new TestRegistry({ maxCompletedTasksPerFramework: 1 });
    r.registerAgent('a1');
    const plain = r.subscribe();
    r.launch(plain, 'ended');
    r.launch(plain, 'unreported');
    r.status(plain, 'ended', 'TASK_FAILED');
    const spec = { taskId: 'ended', frameworkId: plain, command: { shell: true, value: 'x' } };
    expect(r.apply({
      t: 'reg.agent.reregister', agentId: 'a1', hostname: 'a1', httpAddress: 'x:1', resources: scalars(4, 4096), attributes: {},
      tasks: [{ spec, state: 'TASK_RUNNING' }], nowMs: T0 + 10_000,
    }).ok).toBe(true);
    expect(r.registry.task(plain, 'ended')).toBeUndefined();
    expect(r.registry.task(plain, 'unreported')!.state).toBe('TASK_LOST');
    expect(r.effectsOf('killTask')).toEqual([expect.objectContaining({ taskId: 'ended', agentId: 'a1' })]);
  });

  it('a new leader moves active agents to disconnected with a re-register deadline', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    r.subscribe();
    expect(r.apply({ t: 'reg.leader.changed', nowMs: T0 + 1 }).ok).toBe(true);
    expect(r.registry.agent('a1')!.machine).toMatchObject({ value: 'disconnected', context: { deadline: { event: 'agent.reregisterTimeout', atMs: T0 + 1 + 600_000 } } });
    expect(r.effectsOf('scheduleDeadline').length).toBe(2);
    // Too early: the guard refuses and nothing changes; on time it becomes unreachable.
    expect(r.apply({ t: 'reg.deadline', kind: 'agent', id: 'a1', event: 'agent.reregisterTimeout', nowMs: T0 + 2 }).ok).toBe(false);
    expect(r.apply({ t: 'reg.deadline', kind: 'agent', id: 'a1', event: 'agent.reregisterTimeout', nowMs: T0 + 1 + 600_000 }).ok).toBe(true);
    expect(r.registry.agent('a1')!.machine.value).toBe('unreachable');
  });

  it('a leader change in slices ends only the named agents, and the frameworks only when asked', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    r.registerAgent('a2');
    const fw = r.subscribe();
    expect(r.apply({ t: 'reg.leader.changed', nowMs: T0 + 1, agentIds: ['a2', 'unknown'], frameworks: false }).ok).toBe(true);
    expect(r.registry.agent('a1')!.machine.value).toBe('active');
    expect(r.registry.agent('a2')!.machine.value).toBe('disconnected');
    expect(r.registry.framework(fw)!.machine.value).toBe('subscribed');
    expect(r.apply({ t: 'reg.leader.changed', nowMs: T0 + 1, agentIds: ['a1'], frameworks: true }).ok).toBe(true);
    expect(r.registry.agent('a1')!.machine.value).toBe('disconnected');
    expect(r.registry.framework(fw)!.machine.value).toBe('disconnected');
    expect(r.apply({ t: 'reg.leader.changed', nowMs: T0 + 1, agentIds: [''] }).ok).toBe(false);
  });

  it('refuses a removed agent coming back', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    r.apply({ t: 'reg.agent.unreachable', agentId: 'a1', nowMs: T0 });
    const deadline = r.registry.agent('a1')!.machine.context.deadline!;
    expect(r.apply({ t: 'reg.deadline', kind: 'agent', id: 'a1', event: 'agent.registryExpired', nowMs: deadline.atMs }).ok).toBe(true);
    const again = r.apply({ t: 'reg.agent.reregister', agentId: 'a1', hostname: 'h', httpAddress: 'x:1', resources: [], attributes: {}, tasks: [], nowMs: deadline.atMs + 1 });
    expect(again).toEqual({ ok: false, error: 'agent a1 was removed and cannot come back' });
  });
});

describe('registry: frameworks', () => {
  it('numbers new frameworks from a replicated counter and keeps user/checkpoint on re-subscribe', () => {
    const r = new TestRegistry();
    expect(r.subscribe()).toBe('m-0001');
    expect(r.subscribe()).toBe('m-0002');
    const result = r.apply({ t: 'reg.framework.subscribe', frameworkId: 'm-0001', idPrefix: 'z', info: { user: 'other', name: 'renamed', checkpoint: true }, internal: false, nowMs: T0 + 5 });
    expect(result).toEqual({ ok: true, value: { kind: 'framework', frameworkId: 'm-0001' } });
    expect(r.registry.framework('m-0001')!.info).toMatchObject({ user: 'u', name: 'renamed', checkpoint: false, id: { value: 'm-0001' } });
    expect(r.registry.framework('m-0001')!.reregisteredAtMs).toBe(T0 + 5);
    // An unknown id is a failover re-registration with that id (§4.2).
    expect(r.subscribe({ frameworkId: 'elsewhere-0042' })).toBe('elsewhere-0042');
  });

  it('disconnect starts the failover timer; when it passes the framework is removed and its tasks killed', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe({ failoverSeconds: 10 });
    r.launch(fw, 't1');
    expect(r.apply({ t: 'reg.framework.disconnect', frameworkId: fw, nowMs: T0 + 1_000 }).ok).toBe(true);
    expect(r.effectsOf('scheduleDeadline')).toEqual([expect.objectContaining({ deadline: { event: 'framework.failoverTimeout', atMs: T0 + 11_000 } })]);
    expect(r.registry.framework(fw)!.unregisteredAtMs).toBe(T0 + 1_000);
    expect(r.apply({ t: 'reg.deadline', kind: 'framework', id: fw, event: 'framework.failoverTimeout', nowMs: T0 + 10_999 }).ok).toBe(false);
    expect(r.apply({ t: 'reg.deadline', kind: 'framework', id: fw, event: 'framework.failoverTimeout', nowMs: T0 + 11_000 }).ok).toBe(true);
    expect(r.registry.framework(fw)!.machine.value).toBe('tornDown');
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_KILLED');
    expect(r.effectsOf('killTask')).toEqual([expect.objectContaining({ taskId: 't1', frameworkId: fw, agentId: 'a1' })]);
    expect(r.registry.tasksOnAgent('a1')).toEqual([]);
  });

  it('a re-subscription within the failover timeout keeps the tasks; a torn-down id is refused', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe({ failoverSeconds: 10 });
    r.launch(fw, 't1');
    r.apply({ t: 'reg.framework.disconnect', frameworkId: fw, nowMs: T0 + 1_000 });
    r.subscribe({ frameworkId: fw, nowMs: T0 + 5_000 });
    expect(r.registry.framework(fw)!.machine.value).toBe('subscribed');
    expect(r.apply({ t: 'reg.deadline', kind: 'framework', id: fw, event: 'framework.failoverTimeout', nowMs: T0 + 11_000 }).ok).toBe(false);
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_STAGING');
    expect(r.apply({ t: 'reg.framework.teardown', frameworkId: fw, reason: 'teardown', nowMs: T0 + 12_000 }).ok).toBe(true);
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_KILLED');
    expect(() => r.subscribe({ frameworkId: fw })).toThrow('Framework has been removed');
  });

  it('a leader change gives frameworks a grace period even with failover_timeout 0', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe({ failoverSeconds: 0 });
    const patient = r.subscribe({ failoverSeconds: 3600 });
    r.launch(fw, 't1');
    r.apply({ t: 'reg.leader.changed', nowMs: T0 + 10 });
    expect(r.registry.framework(fw)!.machine).toMatchObject({ value: 'disconnected', context: { deadline: { atMs: T0 + 10 + LEADER_CHANGE_GRACE_MS } } });
    expect(r.registry.framework(patient)!.machine.context.deadline!.atMs).toBe(T0 + 10 + 3_600_000);
    expect(r.apply({ t: 'reg.deadline', kind: 'framework', id: fw, event: 'framework.failoverTimeout', nowMs: T0 + 20 }).ok).toBe(false);
    r.subscribe({ frameworkId: fw, nowMs: T0 + 5_000 });
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_STAGING');
  });

  it('built-in frameworks never reach their failover deadline in practice', () => {
    const r = new TestRegistry();
    const fw = r.subscribe({ internal: true, failoverSeconds: 1 });
    r.apply({ t: 'reg.leader.changed', nowMs: T0 });
    expect(r.registry.framework(fw)!.internal).toBe(true);
    expect(r.registry.framework(fw)!.machine.context.deadline!.atMs).toBeGreaterThan(T0 + 300 * 24 * 3_600_000);
  });
});

describe('registry: tasks', () => {
  it('launch records TASK_STAGING, charges resources and asks the leader to launch', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    expect(r.launch(fw, 't1', { resources: scalars(1.5, 256, [31000, 31001]) }).ok).toBe(true);
    expect(r.registry.task(fw, 't1')).toMatchObject({ state: 'TASK_STAGING', agentId: 'a1', statuses: [] });
    expect(r.effectsOf('launchTask')).toEqual([{ type: 'launchTask', key: 'task:t1:launch', taskId: 't1', frameworkId: fw, agentId: 'a1' }]);
    expect(r.registry.usedOnAgent('a1')).toEqual({ cpus: 1.5, mem: 256, disk: 0, gpus: 0, ports: [[31000, 31001]] });
  });

  it('never over-commits an agent and rejects a batch whole', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', scalars(2, 1024, [31000, 31000]));
    const fw = r.subscribe();
    const before = r.snapshotBytes();
    const batch = { t: 'reg.task.launch', tasks: [launchRecord(fw, 'ok'), launchRecord(fw, 'too-big', { resources: scalars(1.5, 128) })], nowMs: T0 } as const;
    expect(r.apply(batch)).toEqual({ ok: false, error: 'tasks do not fit on agent a1' });
    expect(r.snapshotBytes()).toBe(before);
    expect(r.effects).toEqual([]);
    // Ports are a set: a port outside the agent's range does not fit either.
    expect(r.launch(fw, 'port', { resources: scalars(0.1, 1, [31001, 31001]) }).ok).toBe(false);
    expect(r.launch(fw, 'two', { resources: scalars(2, 1024, [31000, 31000]) }).ok).toBe(true);
    expect(r.launch(fw, 'three', { resources: scalars(0.1, 1) }).ok).toBe(false);
  });

  it('refuses duplicate live task ids, unknown frameworks and inactive agents', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    r.launch(fw, 't1');
    expect(r.launch(fw, 't1')).toEqual({ ok: false, error: 'task t1 already exists' });
    expect(r.launch('nobody', 't2')).toEqual({ ok: false, error: 'framework nobody is not registered' });
    expect(r.launch(fw, 't3', { agentId: 'a9' })).toEqual({ ok: false, error: 'agent a9 is not active' });
    expect(r.apply({ t: 'reg.task.launch', tasks: [launchRecord(fw, 'x'), launchRecord(fw, 'x')], nowMs: T0 })).toEqual({ ok: false, error: 'task x appears twice' });
  });

  it('status updates: monotone, terminal is final, a repeated uuid is a no-op', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    r.launch(fw, 't1');
    expect(r.status(fw, 't1', 'TASK_RUNNING', 'u1')).toEqual({ ok: true, value: { kind: 'status', outcome: 'accepted' } });
    expect(r.effectsOf('sendStatusUpdate')).toEqual([expect.objectContaining({ state: 'TASK_RUNNING', uuid: 'u1', source: 'agent' })]);
    const afterRunning = r.snapshotBytes();
    expect(r.status(fw, 't1', 'TASK_RUNNING', 'u1')).toEqual({ ok: true, value: { kind: 'status', outcome: 'duplicate' } });
    expect(r.snapshotBytes()).toBe(afterRunning);
    expect(r.effects).toEqual([]);
    expect(r.status(fw, 't1', 'TASK_STAGING', 'u0').value).toEqual({ kind: 'status', outcome: 'ignored' });
    expect(r.status(fw, 't1', 'TASK_FINISHED', 'u2').value).toEqual({ kind: 'status', outcome: 'accepted' });
    expect(r.status(fw, 't1', 'TASK_RUNNING', 'u3').value).toEqual({ kind: 'status', outcome: 'ignored' });
    // Re-sent, an ignored update stays ignored (never a forwarded "duplicate").
    expect(r.status(fw, 't1', 'TASK_RUNNING', 'u3').value).toEqual({ kind: 'status', outcome: 'ignored' });
    const task = r.registry.task(fw, 't1')!;
    expect(task.state).toBe('TASK_FINISHED');
    expect(task.statuses.map((s) => s.state)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(r.registry.tasksOf(fw)).toMatchObject({ live: [], completed: [{ taskId: 't1' }] });
    expect(r.registry.usedOnAgent('a1').cpus).toBe(0);
    // A finished task's id may be launched again.
    expect(r.launch(fw, 't1').ok).toBe(true);
  });

  it('refuses updates for unknown tasks or from the wrong agent', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    r.registerAgent('a2');
    const fw = r.subscribe();
    r.launch(fw, 't1');
    expect(r.status(fw, 'nope', 'TASK_RUNNING').ok).toBe(false);
    expect(r.status(fw, 't1', 'TASK_RUNNING', 'u', 'a2')).toEqual({ ok: false, error: 'task t1 is not on agent a2' });
  });

  it('kill asks the agent (with the framework named) and keeps the task until the agent reports', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    r.launch(fw, 't1');
    expect(r.apply({ t: 'reg.task.kill', frameworkId: fw, taskId: 't1', nowMs: T0 }).ok).toBe(true);
    expect(r.effectsOf('killTask')).toEqual([expect.objectContaining({ key: 'task:t1:kill:1', taskId: 't1', frameworkId: fw })]);
    r.apply({ t: 'reg.task.kill', frameworkId: fw, taskId: 't1', nowMs: T0 });
    expect(r.effectsOf('killTask')).toEqual([expect.objectContaining({ key: 'task:t1:kill:2' })]);
    expect(r.registry.task(fw, 't1')!.state).toBe('TASK_STAGING');
    expect(r.apply({ t: 'reg.task.kill', frameworkId: fw, taskId: 'zz', nowMs: T0 }).ok).toBe(false);
  });

  it('keeps a bounded completed cache per framework', () => {
    const r = new TestRegistry({ maxCompletedTasksPerFramework: 3 });
    r.registerAgent('a1');
    const fw = r.subscribe();
    for (let i = 0; i < 5; i++) {
      r.launch(fw, `t${i}`);
      r.status(fw, `t${i}`, 'TASK_FINISHED');
    }
    expect(r.registry.tasksOf(fw).completed.map((t) => t.taskId)).toEqual(['t2', 't3', 't4']);
    expect(r.registry.task(fw, 't0')).toBeUndefined();
  });
});

describe('registry: snapshots', () => {
  it('restores the same registry from a msgpackr document, counters included', () => {
    const r = new TestRegistry();
    r.registerAgent('a1');
    const fw = r.subscribe();
    r.launch(fw, 'live');
    r.launch(fw, 'done');
    r.status(fw, 'live', 'TASK_RUNNING', 'u-live');
    r.status(fw, 'done', 'TASK_FINISHED', 'u-done');
    const restored = new TestRegistry();
    restored.registry.restore(decode(encodeDocument(r.registry.toSnapshot())));
    expect(restored.snapshotBytes()).toBe(r.snapshotBytes());
    expect(restored.registry.tasksOf(fw)).toEqual(r.registry.tasksOf(fw));
    expect(restored.registry.tasksOnAgent('a1').map((t) => t.taskId)).toEqual(['live']);
    expect(restored.status(fw, 'live', 'TASK_RUNNING', 'u-live').value).toEqual({ kind: 'status', outcome: 'duplicate' });
    expect(restored.subscribe()).toBe('m-0002');
    const empty = new RegistryState();
    empty.restore(undefined);
    expect([...empty.agents()]).toEqual([]);
  });
});
