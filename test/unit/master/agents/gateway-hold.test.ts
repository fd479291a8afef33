/**
 * Agent upgrades during a takeover: a follower that knows no leader holds the upgrade and answers
 * 307 as soon as one is known, instead of 503 at once (which pushed agents into back-off); after
 * the hold it answers 503; a closed gateway answers at once.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AgentGateway } from '../../../../src/master/agents/gateway.js';
import type { MasterContext } from '../../../../src/master/api/context.js';
import { MasterStateMachine } from '../../../../src/master/state/machine.js';
import { AGENT_CONNECT_PATH } from '../../../../src/protocol/connection.js';
import { FakeSocket } from './fake-connection.js';

function setup(holdMs: number) {
  const node = { isLeader: false, leaderId: null as string | null, id: 'm2' };
  const state = new MasterStateMachine();
  const context = { node, state, httpAddress: '127.0.0.1:5060' } as unknown as MasterContext;
  const gateway = new AgentGateway(context, () => null, holdMs);
  const upgrade = (): FakeSocket => {
    const socket = new FakeSocket();
    gateway.onUpgrade({ url: AGENT_CONNECT_PATH, headers: {} } as IncomingMessage, socket as unknown as Duplex, Buffer.alloc(0));
    return socket;
  };
  return { node, state, gateway, upgrade };
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('AgentGateway hold', () => {
  it('holds while no leader is known, then redirects to the leader once it is', async () => {
    const { node, state, upgrade, gateway } = setup(60_000);
    const socket = upgrade();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.written).toBe('');
    state.members.advertise({ id: 'm3', httpAddress: '127.0.0.1:5070', raftAddress: '127.0.0.1:5170', term: 2 });
    node.leaderId = 'm3';
    await until(() => socket.written !== '');
    expect(socket.written).toMatch(/^HTTP\/1\.1 307[^]*Location: \/\/127\.0\.0\.1:5070\/agent\/v1\/connect/);
    gateway.close();
  });

  it('answers 503 after the hold, and at once when closed', async () => {
    const { upgrade, gateway } = setup(100);
    const socket = upgrade();
    await until(() => socket.written !== '');
    expect(socket.written).toMatch(/^HTTP\/1\.1 503/);
    const held = setup(60_000);
    const waiting = held.upgrade();
    held.gateway.close();
    expect(waiting.written).toMatch(/^HTTP\/1\.1 503/);
    gateway.close();
  });
});
