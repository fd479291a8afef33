/**
 * A new leader serves as soon as the entries ending the previous term's agent sessions are
 * proposed, not once they are applied: agent links are announced and hellos read while those
 * entries replicate. Goal: `onServing` runs and the session is ready while the entries are still
 * in flight; `start` resolves only once they are applied; no agent is counted as missing
 * heartbeats before its previous session has ended (it is still `active` here until then).
 * Method: a fake Raft node that holds the leader-change entries until the test releases them,
 * on a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/lib/codec.js';
import { DEFAULT_ENGINE_SETTINGS, LeaderSession } from '../../../src/master/leader/session.js';
import type { RegistryCommand } from '../../../src/master/registry/commands.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { T0 } from './registry-helpers.js';
import { sessionDeps } from './session-helpers.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup() {
  const clock = new ManualClock();
  const registry = new RegistryState();
  for (const agentId of ['a1', 'a2']) {
    registry.apply(
      { t: 'reg.agent.register', agentId, hostname: agentId, httpAddress: 'h:1', resources: [], attributes: {}, nowMs: T0 } as never,
      0,
    );
  }
  const proposed: string[] = [];
  const held: Array<() => void> = [];
  const node = {
    id: 'm1',
    readBarrier: async () => {},
    propose: (data: Uint8Array) => {
      const command = decode<RegistryCommand>(data);
      proposed.push(command.t);
      const result = () => registry.apply(command as never, 0);
      if (command.t !== 'reg.leader.changed') return Promise.resolve(result());
      return new Promise((resolve) => held.push(() => resolve(result())));
    },
  };
  return { clock, registry, proposed, held, session: new LeaderSession(sessionDeps(node, registry, clock)) };
}

describe('LeaderSession start', () => {
  it('serves while the previous sessions are ending, and counts heartbeats only once they have ended', async () => {
    const t = setup();
    expect([...t.registry.agents()].map((a) => a.machine.value)).toEqual(['active', 'active']);
    let serving = false;
    let started = false;
    const start = t.session.start(() => (serving = true)).then(() => (started = true));
    await flush();
    expect(serving).toBe(true);
    expect(t.session.ready).toBe(true);
    expect(started).toBe(false);
    expect(t.held.length).toBeGreaterThan(0);
    // Far beyond the missed-heartbeat limit: the agents are still `active`, yet none is marked.
    for (let i = 0; i <= DEFAULT_ENGINE_SETTINGS.maxMissedHeartbeats + 1; i++) {
      t.clock.advance(DEFAULT_ENGINE_SETTINGS.agentHeartbeatMs);
      await flush();
    }
    expect(t.proposed).not.toContain('reg.agent.unreachable');
    for (const release of t.held) release();
    await start;
    expect(started).toBe(true);
    expect([...t.registry.agents()].map((a) => a.machine.value)).toEqual(['disconnected', 'disconnected']);
    t.session.stop('test');
  });
});
