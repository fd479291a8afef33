/**
 * Standby links of the master link (standby-links.ts, master-link.ts), over a fake dialer and
 * fake connections on a manual clock. Goal: once registered, the agent holds a standby link to
 * every other master (never to its own); after losing its leader it waits for the next leader's
 * `leading` instead of dialling, says hello on that link and registers there; a `leading` of a
 * newer term moves a registered agent at once; a stale or current one is not taken; the wait
 * ends in ordinary dialling when no leader calls, or at once when a master is missing a link; the
 * hello on an adopted link reports the tasks as a digest only when the leader said it takes one.
 * Method: scripted dial results; the clock only moves when the test says so.
 */
import { describe, expect, it } from 'vitest';
import { RECONNECT_SPREAD_MS, STANDBY_BACKOFF, STANDBY_DOWN_BACKOFF, STANDBY_SPREAD_MS, STANDBY_WAIT_MS, adoptsLeading, backoffDelayMs } from '../../../src/agent/daemon/link-policy.js';
import { MasterLink, type LinkDialResult, type LinkHost } from '../../../src/agent/daemon/master-link.js';
import type { MasterToAgent, ReportedTask } from '../../../src/protocol/messages.js';
import { taskDigestOf } from '../../../src/protocol/task-digest.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { FakeLinkConnection } from './fake-link-connection.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const registered = (term: number): MasterToAgent => ({ t: 'registered', agentId: 'A1', term, heartbeatIntervalMs: 10_000, leaderId: `leader-${term}` });

/** m1 leads at first; `down` masters refuse connections; `hang` leader dials wait for the test. */
function setup(down = new Set<string>(), hang = false, tasks: ReportedTask[] = [], told: Array<{ recorded: ReadonlySet<string>; unrelayed: ReadonlySet<string> }> = []) {
  const clock = new ManualClock();
  const connections: FakeLinkConnection[] = [];
  const hanging: Array<(result: LinkDialResult) => void> = [];
  const attempts = new Map<string, number>();
  const host: LinkHost = {
    describe: () => ({ agentId: 'A1', hostname: 'h', httpAddress: 'h:1', resources: [], attributes: {}, tasks }),
    registered: (_agentId, info) => void told.push({ recorded: info.recorded, unrelayed: info.unrelayed }),
    command: () => undefined,
    saveHighestTerm: () => undefined,
  };
  const link = new MasterLink({
    masters: ['m1:1', 'm2:1', 'm3:1'],
    host,
    clock,
    random: () => 0.5,
    standby: true,
    dial: async (address, purpose = 'leader'): Promise<LinkDialResult> => {
      attempts.set(address, (attempts.get(address) ?? 0) + 1);
      if (down.has(address)) return { kind: 'unavailable', reason: 'ECONNREFUSED' };
      if (hang && purpose === 'leader' && connections.length > 0) return new Promise((resolve) => hanging.push(resolve));
      const connection = new FakeLinkConnection(address, purpose);
      connections.push(connection);
      return { kind: 'connected', connection };
    },
  });
  const leaderDials = (): string[] => connections.filter((c) => c.purpose === 'leader').map((c) => c.address);
  const standbys = (): FakeLinkConnection[] => connections.filter((c) => c.purpose === 'standby' && c.open);
  const standbyAt = (address: string): FakeLinkConnection => standbys().find((c) => c.address === address)!;
  /** Starts, registers with m1 at term 1, and lets the standby links open. */
  const register = async (): Promise<FakeLinkConnection> => {
    link.start();
    await flush();
    const primary = connections[0]!;
    primary.deliver(registered(1));
    await flush();
    clock.advance(STANDBY_SPREAD_MS);
    await flush();
    return primary;
  };
  return { clock, link, connections, hanging, attempts, leaderDials, standbys, standbyAt, register };
}

describe('adoptsLeading', () => {
  it('takes a newer leader, refuses a deposed one, and ignores the one it is registered with', () => {
    expect(adoptsLeading(3, 2, null)).toBe('adopt');
    expect(adoptsLeading(2, 2, null)).toBe('adopt'); // not registered: the term's own leader
    expect(adoptsLeading(3, 2, 2)).toBe('adopt');
    expect(adoptsLeading(1, 2, null)).toBe('stale');
    expect(adoptsLeading(2, 2, 2)).toBe('current');
  });
});

describe('MasterLink standby links', () => {
  it('once registered, holds a standby link to every other master and none to its own', async () => {
    const t = setup();
    await t.register();
    expect(t.standbys().map((c) => c.address).sort()).toEqual(['m2:1', 'm3:1']);
    expect(t.link.standbyLinks).toBe(2);
    // Nothing is said on a standby link.
    for (const c of t.standbys()) expect(c.sent).toEqual([]);
    await t.link.stop();
    expect(t.standbys()).toEqual([]);
  });

  it('after losing its leader, waits for the next one to call and registers on that link without dialling', async () => {
    const t = setup();
    const primary = await t.register();
    primary.close();
    await flush();
    t.clock.advance(STANDBY_WAIT_MS - 1);
    await flush();
    expect(t.leaderDials()).toEqual(['m1:1']);
    const m3 = t.standbyAt('m3:1');
    m3.deliver({ t: 'leading', term: 2, leaderId: 'm3' });
    await flush();
    expect(m3.sent[0]).toMatchObject({ t: 'hello', agentId: 'A1', highestTerm: 1 });
    expect(t.link.state).toBe('registering');
    m3.deliver(registered(2));
    await flush();
    expect(t.link.state).toBe('registered');
    expect(t.link.master).toBe('m3:1');
    expect(t.link.stats.adoptions).toBe(1);
    expect(t.leaderDials()).toEqual(['m1:1']);
    // Standby links now go to m1 and m2; the adopted one is the leader link. m1, just lost, is
    // dialled as a master that is down: not within the spread, after the down backoff.
    t.clock.advance(STANDBY_SPREAD_MS);
    await flush();
    expect(t.standbys().filter((c) => c !== m3).map((c) => c.address)).toEqual(['m2:1']);
    expect(t.attempts.get('m1:1')).toBe(1);
    t.clock.advance(backoffDelayMs(0, 0.5, STANDBY_DOWN_BACKOFF) - STANDBY_SPREAD_MS);
    await flush();
    expect(t.standbys().filter((c) => c !== m3).map((c) => c.address).sort()).toEqual(['m1:1', 'm2:1']);
    await t.link.stop();
  });

  it('says hello by digest only to a leader that takes digests; by id when asked; hands the host the unrelayed frameworks', async () => {
    const task = (taskId: string, frameworkId: string, pending?: string): ReportedTask => ({ spec: { taskId, frameworkId, command: { shell: true, value: 'x' } }, state: 'TASK_RUNNING', ...(pending ? { pending } : {}) });
    const tasks = [task('t1', 'quiet', 'u1'), task('t2', 'quiet'), task('t3', 'busy', 'u3')];
    const told: Array<{ recorded: ReadonlySet<string>; unrelayed: ReadonlySet<string> }> = [];
    const t = setup(new Set(), false, tasks, told);
    const primary = await t.register();
    primary.close();
    await flush();
    const m3 = t.standbyAt('m3:1');
    m3.deliver({ t: 'leading', term: 2, leaderId: 'm3', digests: true });
    await flush();
    const digest = taskDigestOf(tasks.map((r) => ({ frameworkId: r.spec.frameworkId, taskId: r.spec.taskId, state: r.state })));
    expect(m3.sent).toEqual([expect.objectContaining({ t: 'hello', tasks: [], digest })]);
    expect(m3.sent[0]).not.toHaveProperty('known');
    m3.deliver({ t: 'reportKnown' });
    await flush();
    expect(m3.sent[1]).toMatchObject({ t: 'hello', tasks: [], known: [{ taskId: 't1', pending: 'u1' }, { taskId: 't2' }, { taskId: 't3', pending: 'u3' }] });
    expect(m3.sent[1]).not.toHaveProperty('digest');
    m3.deliver({ ...registered(2), unrelayed: ['quiet'] } as MasterToAgent);
    await flush();
    expect(told).toEqual([{ recorded: new Set(), unrelayed: new Set() }, { recorded: new Set(), unrelayed: new Set(['quiet']) }]);

    // A leader that does not say it takes digests gets the tasks by id.
    const m2 = t.standbyAt('m2:1');
    m2.deliver({ t: 'leading', term: 3, leaderId: 'm2' });
    await flush();
    expect(m2.sent[0]).toMatchObject({ t: 'hello', tasks: [], known: [{ taskId: 't1' }, { taskId: 't2' }, { taskId: 't3' }] });
    expect(m2.sent[0]).not.toHaveProperty('digest');
    await t.link.stop();
  });

  it('moves at once to a leader of a newer term that calls while it is registered', async () => {
    const t = setup();
    const primary = await t.register();
    const m2 = t.standbyAt('m2:1');
    m2.deliver({ t: 'leading', term: 5, leaderId: 'm2' });
    await flush();
    expect(primary.open).toBe(false);
    expect(m2.sent[0]).toMatchObject({ t: 'hello' });
    await t.link.stop();
  });

  it('does not take a deposed leader nor its own leader under another address, and redials only the first', async () => {
    const t = setup();
    const primary = await t.register();
    const m2 = t.standbyAt('m2:1');
    const m3 = t.standbyAt('m3:1');
    m3.deliver({ t: 'leading', term: 1, leaderId: 'leader-1' }); // the leader we have (an alias)
    m2.deliver({ t: 'leading', term: 0, leaderId: 'old' }); // a deposed one
    await flush();
    expect(primary.open).toBe(true);
    expect([m2.open, m3.open]).toEqual([false, false]);
    expect(m2.sent).toEqual([]);
    t.clock.advance(10_000);
    await flush();
    expect(t.standbys().map((c) => c.address)).toEqual(['m2:1']);
    expect(t.link.stats.adoptions).toBe(0);
    await t.link.stop();
  });

  it('a leader that calls while a dial hangs (in a busy listen queue) is taken at once; the dial is closed when it lands', async () => {
    const t = setup(new Set(), true);
    const primary = await t.register();
    primary.close();
    await flush();
    t.clock.advance(STANDBY_WAIT_MS + RECONNECT_SPREAD_MS);
    await flush();
    expect(t.hanging).toHaveLength(1);
    expect(t.link.state).toBe('dialing');
    const m2 = t.standbyAt('m2:1');
    m2.deliver({ t: 'leading', term: 2, leaderId: 'm2' });
    await flush();
    expect(t.link.state).toBe('registering');
    expect(m2.sent[0]).toMatchObject({ t: 'hello' });
    const late = new FakeLinkConnection('m3:1');
    t.hanging[0]!({ kind: 'connected', connection: late });
    await flush();
    expect(late.open).toBe(false);
    expect(t.link.state).toBe('registering');
    await t.link.stop();
  });

  it('dials as before when no leader calls within the wait', async () => {
    const t = setup();
    const primary = await t.register();
    primary.close();
    await flush();
    t.clock.advance(STANDBY_WAIT_MS + RECONNECT_SPREAD_MS / 2);
    await flush();
    expect(t.leaderDials().length).toBe(2);
    await t.link.stop();
  });

  it('does not wait when a live master holds no standby link of ours, but counts a dead one out', async () => {
    const down = new Set(['m3:1']);
    const t = setup(down);
    const primary = await t.register();
    expect(t.standbys().map((c) => c.address)).toEqual(['m2:1']);
    // m3 refused the dial: it is down and cannot lead next, so the wait still applies.
    primary.close();
    await flush();
    t.clock.advance(STANDBY_WAIT_MS - 1);
    await flush();
    expect(t.leaderDials()).toEqual(['m1:1']);
    t.standbyAt('m2:1').deliver({ t: 'leading', term: 2, leaderId: 'm2' });
    await flush();
    expect(t.link.state).toBe('registering');
    await t.link.stop();

    // A standby link that just closed (its master may be restarting) leaves that master uncovered.
    const u = setup();
    const p2 = await u.register();
    u.standbyAt('m2:1').close();
    p2.close();
    await flush();
    u.clock.advance(RECONNECT_SPREAD_MS / 2);
    await flush();
    expect(u.leaderDials().length).toBe(2);
    await u.link.stop();
  });

  it('redials a standby link that closes, after a backoff', async () => {
    const t = setup();
    await t.register();
    t.standbyAt('m2:1').close();
    await flush();
    expect(t.standbys().map((c) => c.address)).toEqual(['m3:1']);
    t.clock.advance(1_000);
    await flush();
    expect(t.standbys().map((c) => c.address).sort()).toEqual(['m2:1', 'm3:1']);
    await t.link.stop();
  });

  it('redials a master that refuses its standby link on the slower down backoff', async () => {
    const t = setup(new Set(['m3:1']));
    await t.register();
    expect(t.attempts.get('m3:1')).toBe(1);
    // The first redial of a live master's link would come after this; a refused one waits longer.
    t.clock.advance(backoffDelayMs(0, 0.5, STANDBY_BACKOFF));
    await flush();
    expect(t.attempts.get('m3:1')).toBe(1);
    t.clock.advance(backoffDelayMs(0, 0.5, STANDBY_DOWN_BACKOFF) - backoffDelayMs(0, 0.5, STANDBY_BACKOFF));
    await flush();
    expect(t.attempts.get('m3:1')).toBe(2);
    // A minute holds 7 dials (12 at the live masters' backoff).
    for (let s = 0; s < 60; s++) {
      t.clock.advance(1_000);
      await flush();
    }
    expect(t.attempts.get('m3:1')).toBeLessThanOrEqual(7);
    expect(t.standbys().map((c) => c.address)).toEqual(['m2:1']);
    await t.link.stop();
  });
});
