/**
 * The leader waits for an agent's status update (and re-registration) to be applied far longer
 * than for an API call: behind a burst of launches the log takes more than the 5 s request
 * timeout, and a wait that gave up left the update recorded but never relayed to its framework.
 * Proposals coalesce into batches sized by how much each command's apply costs.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/lib/codec.js';
import { SystemClock } from '../../../src/lib/clock.js';
import { BATCH_LIMIT, REREGISTER_BATCH_LIMIT } from '../../../src/master/leader/proposal-batcher.js';
import { AGENT_PROPOSAL_TIMEOUT_MS, LeaderSession } from '../../../src/master/leader/session.js';
import type { RegistryCommand } from '../../../src/master/registry/commands.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import { T0 } from './registry-helpers.js';
import { sessionDeps } from './session-helpers.js';

function session(): { session: LeaderSession; proposed: Array<{ t: string; timeoutMs: number | undefined; size?: number }> } {
  const proposed: Array<{ t: string; timeoutMs: number | undefined; size?: number }> = [];
  const node = {
    id: 'm1',
    propose: async (data: Uint8Array, timeoutMs?: number) => {
      const command = decode<RegistryCommand>(data);
      proposed.push({ t: command.t, timeoutMs, ...(command.t === 'reg.batch' ? { size: command.commands.length } : {}) });
      const accepted = { kind: 'status', outcome: 'accepted' };
      if (command.t === 'reg.batch') return { ok: true, value: { kind: 'batch', results: command.commands.map(() => ({ ok: true, value: accepted })) } };
      return { ok: true, value: accepted };
    },
  };
  return { session: new LeaderSession(sessionDeps(node, new RegistryState(), new SystemClock())), proposed };
}

const status = (taskId: string): RegistryCommand => ({
  t: 'reg.task.status',
  agentId: 'a1',
  source: 'agent',
  update: { taskId, frameworkId: 'f1', state: 'TASK_RUNNING', uuid: `${taskId}-u`, timestampMs: T0 },
  nowMs: T0,
});

describe('LeaderSession agent proposals', () => {
  it('wait for apply up to AGENT_PROPOSAL_TIMEOUT_MS, alone or batched; other commands keep the request timeout', async () => {
    const { session: s, proposed } = session();
    await s.propose(status('t1'));
    await Promise.all([s.propose(status('t2')), s.propose(status('t3'))]);
    await s.propose({ t: 'reg.agent.register', agentId: 'a9', hostname: 'h', httpAddress: '127.0.0.1:2', resources: [], attributes: {}, nowMs: T0 } as RegistryCommand);
    expect(proposed).toEqual([
      { t: 'reg.task.status', timeoutMs: AGENT_PROPOSAL_TIMEOUT_MS },
      { t: 'reg.batch', timeoutMs: AGENT_PROPOSAL_TIMEOUT_MS, size: 2 },
      { t: 'reg.agent.register', timeoutMs: undefined },
    ]);
    expect(AGENT_PROPOSAL_TIMEOUT_MS).toBeGreaterThanOrEqual(30_000);
    s.stop('test');
  });

  it('re-registrations by list share an entry 32 at a time; by digest (no tasks to reconcile) as many as status updates', async () => {
    const { session: s, proposed } = session();
    const reregister = (i: number, digest: boolean): RegistryCommand => ({
      t: 'reg.agent.reregister', agentId: `a${i}`, hostname: 'h', httpAddress: '127.0.0.1:2', resources: [], attributes: {}, tasks: [],
      ...(digest ? { digest: '1:0123456789abcdef' } : { known: [{ frameworkId: 'f1', taskId: `t${i}`, state: 'TASK_RUNNING' }] }), nowMs: T0,
    }) as RegistryCommand;
    await Promise.all(Array.from({ length: 64 }, (_, i) => s.propose(reregister(i, false))));
    expect(proposed.map((p) => p.size)).toEqual([REREGISTER_BATCH_LIMIT, REREGISTER_BATCH_LIMIT]);
    proposed.length = 0;
    await Promise.all(Array.from({ length: BATCH_LIMIT }, (_, i) => s.propose(reregister(i, true))));
    expect(proposed.map((p) => p.size)).toEqual([BATCH_LIMIT]);
    s.stop('test');
  });

  it('a task that ended frees its resources: the allocation loop is triggered, not left to its interval', () => {
    const { session: s } = session();
    let triggers = 0;
    s.allocation.trigger = () => void (triggers += 1);
    const update = (state: 'TASK_RUNNING' | 'TASK_FINISHED' | 'TASK_KILLED', uuid: string | null) =>
      ({ type: 'sendStatusUpdate', key: `k-${state}`, taskId: 't1', frameworkId: 'f1', agentId: 'a1', state, reason: null, source: uuid ? 'agent' : 'master', uuid, timestampMs: T0 }) as const;
    s.handleEffects([update('TASK_RUNNING', 'u1')]);
    expect(triggers).toBe(0);
    s.handleEffects([update('TASK_FINISHED', 'u2')]);
    expect(triggers).toBe(1);
    s.handleEffects([update('TASK_KILLED', null)]);
    expect(triggers).toBe(2);
    s.stop('test');
  });
});
