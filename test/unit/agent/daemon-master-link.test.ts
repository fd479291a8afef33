/**
 * The master link's state machine over a fake dialer and fake connections, on a manual clock.
 * Goal: it walks the masters round robin, follows a 307 hint, backs off after a round of
 * failures, sends hello with the highest term, becomes registered, heartbeats, leaves a silent
 * master and a `notLeader` one (following its hint), spreads its reconnects after losing a
 * master and does not dial the lost one first, refuses stale-term commands without
 * effect, raises and persists the term, and sends statuses only while registered.
 * Method: scripted dial results; the clock only moves when the test says so.
 */
import { describe, expect, it } from 'vitest';
import { RECONNECT_SPREAD_MS } from '../../../src/agent/daemon/link-policy.js';
import { MasterLink, type LinkDialResult, type LinkHost, type MasterCommand } from '../../../src/agent/daemon/master-link.js';
import type { MasterToAgent } from '../../../src/protocol/messages.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { FakeLinkConnection } from './fake-link-connection.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup(script: (address: string, attempt: number) => LinkDialResult | 'connect', highestTerm = 0) {
  const clock = new ManualClock();
  const dials: string[] = [];
  const connections: FakeLinkConnection[] = [];
  const commands: MasterCommand[] = [];
  const saved: number[] = [];
  const registrations: string[] = [];
  const host: LinkHost = {
    describe: () => ({ hostname: 'h', httpAddress: 'h:1', resources: [], attributes: {}, tasks: [] }),
    registered: (agentId) => void registrations.push(agentId),
    command: (c) => void commands.push(c),
    saveHighestTerm: (t) => void saved.push(t),
  };
  const link = new MasterLink({
    masters: ['m1:1', 'm2:1', 'm3:1'],
    host,
    clock,
    highestTerm,
    random: () => 0.5,
    dial: async (address) => {
      dials.push(address);
      const result = script(address, dials.length);
      if (result !== 'connect') return result;
      const connection = new FakeLinkConnection();
      connections.push(connection);
      return { kind: 'connected', connection };
    },
  });
  return { clock, link, dials, connections, commands, saved, registrations };
}

const registered = (term: number, agentId = 'A1'): MasterToAgent => ({ t: 'registered', agentId, term, heartbeatIntervalMs: 100, leaderId: 'm' });

describe('MasterLink', () => {
  it('tries masters round robin, follows a 307, and registers', async () => {
    const t = setup((address) => (address === 'm1:1' ? { kind: 'unavailable', reason: 'refused' } : address === 'm2:1' ? { kind: 'redirect', leader: 'm3:1' } : 'connect'), 2);
    t.link.start();
    await flush();
    expect(t.dials).toEqual(['m1:1', 'm2:1', 'm3:1']);
    const c = t.connections[0]!;
    expect(c.sent[0]).toMatchObject({ t: 'hello', version: 1, highestTerm: 2, hostname: 'h' });
    expect(t.link.sendStatus({ uuid: 'u', taskId: 't', frameworkId: 'f', state: 'TASK_RUNNING', timestampMs: 0 })).toBe(false);
    c.deliver(registered(3));
    await flush();
    expect(t.link.state).toBe('registered');
    expect(t.link.master).toBe('m3:1');
    expect(t.registrations).toEqual(['A1']);
    expect(t.saved).toEqual([3]);
    expect(t.link.sendStatus({ uuid: 'u', taskId: 't', frameworkId: 'f', state: 'TASK_RUNNING', timestampMs: 0 })).toBe(true);
    expect(c.sent.at(-1)).toMatchObject({ t: 'status', agentId: 'A1' });
    await t.link.stop();
  });

  it('re-registers with its tasks by id and state, and in full when the master asks', async () => {
    const t = setup(() => 'connect');
    const spec = { taskId: 't1', frameworkId: 'f1', command: { shell: true, value: 'x' } };
    const tasks = [{ spec, state: 'TASK_RUNNING' as const, pending: 'u1' }, { spec: { ...spec, taskId: 't2' }, state: 'TASK_RUNNING' as const }];
    (t.link as unknown as { options: { host: LinkHost } }).options.host.describe = () => ({ agentId: 'A1', hostname: 'h', httpAddress: 'h:1', resources: [], attributes: {}, tasks });
    t.link.start();
    await flush();
    const c = t.connections[0]!;
    expect(c.sent[0]).toMatchObject({ t: 'hello', agentId: 'A1', tasks: [], known: [{ frameworkId: 'f1', taskId: 't1', state: 'TASK_RUNNING', pending: 'u1' }, { frameworkId: 'f1', taskId: 't2', state: 'TASK_RUNNING' }] });
    expect((c.sent[0] as { known: object[] }).known[1]).not.toHaveProperty('pending');
    c.deliver({ t: 'reportInFull' });
    await flush();
    expect(c.sent[1]).toMatchObject({ t: 'hello', agentId: 'A1', tasks });
    expect(c.sent[1]).not.toHaveProperty('known');
    // The leader's `recorded` list reaches the host as a set (anything but strings dropped).
    const told: Array<ReadonlySet<string>> = [];
    (t.link as unknown as { options: { host: LinkHost } }).options.host.registered = (_id, info) => void told.push(info.recorded);
    c.deliver({ ...registered(1), recorded: ['u1', 7 as unknown as string] } as MasterToAgent);
    await flush();
    expect(told.map((set) => [...set])).toEqual([['u1']]);
    await t.link.stop();
  });

  it('backs off after a round where no master answers, then tries again', async () => {
    let up = false;
    const t = setup(() => (up ? 'connect' : { kind: 'unavailable', reason: 'down' }));
    t.link.start();
    await flush();
    expect(t.dials).toHaveLength(3);
    expect(t.link.state).toBe('backoff');
    up = true;
    t.clock.advance(49); // first backoff is in [50, 100] ms
    await flush();
    expect(t.dials).toHaveLength(3);
    t.clock.advance(51);
    await flush();
    expect(t.dials).toHaveLength(4);
    expect(t.link.state).toBe('registering');
    await t.link.stop();
  });

  it('heartbeats, and leaves a master that stops answering', async () => {
    const t = setup(() => 'connect');
    t.link.start();
    await flush();
    const c = t.connections[0]!;
    c.deliver(registered(1));
    await flush();
    const beats = () => c.sent.filter((m) => m.t === 'heartbeat');
    const asking = () => beats().map((m) => (m as { quiet?: true }).quiet !== true);
    // The first beat comes an interval after `registered` (the master just heard the hello); after
    // a silent interval it wants a pong, one right after a pong does not.
    expect(asking()).toEqual([]);
    t.clock.advance(99);
    expect(asking()).toEqual([]);
    t.clock.advance(1);
    expect(asking()).toEqual([true]);
    t.clock.advance(10);
    c.deliver({ t: 'pong', term: 1, seq: 1 });
    t.clock.advance(90);
    expect(asking()).toEqual([true, false]);
    t.clock.advance(100);
    expect(asking()).toEqual([true, false, true]);
    t.clock.advance(290); // 480 ms since the pong: not yet 4 intervals
    expect(c.open).toBe(true);
    t.clock.advance(100); // no word for > 4 intervals
    expect(c.open).toBe(false);
    await flush();
    // The fleet spreads its reconnects: this agent draws 0.5 of RECONNECT_SPREAD_MS.
    expect(t.connections).toHaveLength(1);
    expect(t.link.state).toBe('backoff');
    t.clock.advance(RECONNECT_SPREAD_MS / 2);
    await flush();
    expect(t.connections).toHaveLength(2);
    // After the loss the agent starts at a master drawn from the others (0.5: the second, m3).
    expect(t.dials.slice(-1)).toEqual(['m3:1']);
    expect(t.link.stats.disconnects).toBe(1);
    await t.link.stop();
  });

  it('after losing its master, does not dial it (nor follow hints to it) until a round without it failed', async () => {
    // m3 leads until it dies; then m1 leads, while m2 has not noticed and still names m3.
    let m3Alive = true;
    const t = setup((address) => {
      if (address === 'm3:1') return m3Alive ? 'connect' : { kind: 'unavailable', reason: 'ECONNREFUSED' };
      if (address === 'm1:1' && !m3Alive) return 'connect';
      return { kind: 'redirect', leader: 'm3:1' };
    });
    t.link.start();
    await flush();
    expect(t.dials).toEqual(['m1:1', 'm3:1']);
    t.connections[0]!.deliver(registered(1));
    await flush();
    m3Alive = false;
    t.connections[0]!.close();
    await flush();
    t.clock.advance(RECONNECT_SPREAD_MS / 2);
    await flush();
    // m2's hint to m3 is not followed; round robin passes m3 by and reaches m1 at once.
    expect(t.dials).toEqual(['m1:1', 'm3:1', 'm2:1', 'm1:1']);
    expect(t.link.state).toBe('registering');
    await t.link.stop();
  });

  it('dials the lost master again once a round without it has failed (it may still lead)', async () => {
    let lost = false;
    const t = setup((address) => {
      if (address === 'm1:1') return 'connect';
      return lost ? { kind: 'redirect', leader: 'm1:1' } : { kind: 'unavailable', reason: 'down' };
    });
    t.link.start();
    await flush();
    t.connections[0]!.deliver(registered(1));
    await flush();
    lost = true;
    t.connections[0]!.close(); // a blip: m1 still leads and the others say so
    await flush();
    t.clock.advance(RECONNECT_SPREAD_MS / 2);
    await flush();
    expect(t.dials).toEqual(['m1:1', 'm3:1', 'm2:1']);
    expect(t.link.state).toBe('backoff');
    t.clock.advance(100);
    await flush();
    // m3 names m1 again, and this time the hint is followed.
    expect(t.dials.slice(3)).toEqual(['m3:1', 'm1:1']);
    expect(t.connections).toHaveLength(2);
    await t.link.stop();
  });

  it('follows a notLeader hint', async () => {
    const t = setup(() => 'connect');
    t.link.start();
    await flush();
    t.connections[0]!.deliver({ t: 'notLeader', leaderHint: 'm3:1' });
    await flush();
    expect(t.dials).toEqual(['m1:1', 'm3:1']);
    await t.link.stop();
  });

  it('refuses stale-term commands without effect, and raises the term on newer ones', async () => {
    const t = setup(() => 'connect', 4);
    t.link.start();
    await flush();
    const c = t.connections[0]!;
    c.deliver(registered(4));
    await flush();
    expect(t.saved).toEqual([]);
    c.deliver({ t: 'killTask', term: 3, frameworkId: 'f', taskId: 't' });
    c.deliver({ t: 'ack', term: 4, taskId: 't', uuid: 'u' });
    c.deliver({ t: 'runTask', term: 6, task: { taskId: 'x', frameworkId: 'f', command: { shell: true, value: 'true' } }, resources: [] });
    c.deliver({ t: 'ack', term: 5, taskId: 'x', uuid: 'v' });
    await flush();
    expect(t.commands.map((m) => m.t)).toEqual(['ack', 'runTask']);
    expect(c.sent.filter((m) => m.t === 'refused')).toEqual([
      { t: 'refused', agentId: 'A1', term: 3, highestTerm: 4, what: 'killTask' },
      { t: 'refused', agentId: 'A1', term: 5, highestTerm: 6, what: 'ack' },
    ]);
    expect(t.saved).toEqual([6]);
    expect(t.link.highestTerm).toBe(6);
    await t.link.stop();
  });

  it('refuses to register with a lower-term master and moves on', async () => {
    const t = setup(() => 'connect', 7);
    t.link.start();
    await flush();
    t.connections[0]!.deliver(registered(5));
    await flush();
    expect(t.connections[0]!.sent.at(-1)).toMatchObject({ t: 'refused', term: 5, highestTerm: 7, what: 'registered' });
    expect(t.connections[0]!.open).toBe(false);
    expect(t.registrations).toEqual([]);
    expect(t.dials).toEqual(['m1:1', 'm2:1']);
    await t.link.stop();
  });

  it('drops a master that upgrades but never registers it', async () => {
    const t = setup(() => 'connect');
    t.link.start();
    await flush();
    t.clock.advance(10_000);
    await flush();
    expect(t.connections[0]!.open).toBe(false);
    expect(t.dials).toEqual(['m1:1', 'm2:1']);
    await t.link.stop();
  });
});
