/**
 * Standby links on the master side (standby-pool.ts, gateway.ts). Goal: every master answers a
 * standby upgrade 101 and holds the link silently, leader or not; once its leader services are
 * ready each held link is told `leading` with the term and handed to the session (a slice per
 * event-loop turn), and a link arriving while a session is ready is handed over at once; a
 * retired session takes no more; closing the gateway closes held links; a link that speaks
 * before `leading` is closed. Method: fake connections and sockets; no network.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AgentGateway } from '../../../../src/master/agents/gateway.js';
import type { AgentConnection } from '../../../../src/master/agents/hub.js';
import { StandbyPool, type StandbyAdopter } from '../../../../src/master/agents/standby-pool.js';
import type { MasterContext } from '../../../../src/master/api/context.js';
import { MasterStateMachine } from '../../../../src/master/state/machine.js';
import { AGENT_CONNECT_PATH, AGENT_UPGRADE_PROTOCOL } from '../../../../src/protocol/connection.js';
import { FakeConnection, FakeSocket } from './fake-connection.js';

function adopter(term: number): StandbyAdopter & { accepted: AgentConnection[]; ready: boolean } {
  const accepted: AgentConnection[] = [];
  return { term, leaderId: `m-${term}`, ready: true, accepted, acceptAgent: (c) => void accepted.push(c) };
}

const link = (): FakeConnection & AgentConnection => new FakeConnection() as FakeConnection & AgentConnection;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StandbyPool', () => {
  it('holds links silently until announced, then hands each over with leading, a slice per turn', async () => {
    const pool = new StandbyPool();
    const links = Array.from({ length: 2_500 }, link);
    for (const l of links) pool.add(l);
    expect(pool.size).toBe(2_500);
    expect(links.every((l) => l.sent.length === 0)).toBe(true);
    const session = adopter(7);
    pool.announce(session);
    expect(session.accepted).toHaveLength(1_000);
    expect(links[0]!.sent).toEqual([{ t: 'leading', term: 7, leaderId: 'm-7', digests: true }]);
    expect(links[2_499]!.sent).toEqual([]);
    await turn();
    await turn();
    expect(session.accepted).toHaveLength(2_500);
    expect(pool.size).toBe(0);
    // A link that arrives while the session is ready goes straight to it.
    const late = link();
    pool.add(late);
    expect(session.accepted).toContain(late);
    expect(late.sent).toEqual([{ t: 'leading', term: 7, leaderId: 'm-7', digests: true }]);
  });

  it('stops announcing for a session that is no longer ready, and holds links again once it is retired', async () => {
    const pool = new StandbyPool();
    const links = Array.from({ length: 1_300 }, link);
    for (const l of links) pool.add(l);
    const session = adopter(3);
    pool.announce(session);
    session.ready = false;
    await turn();
    expect(session.accepted).toHaveLength(1_000);
    pool.retire(session);
    const later = link();
    pool.add(later);
    expect(later.sent).toEqual([]);
    expect(pool.size).toBe(301);
  });

  it('forgets closed links, closes one that speaks first, and closes all on close', () => {
    const pool = new StandbyPool();
    const [a, b, c] = [link(), link(), link()];
    pool.add(a);
    pool.add(b);
    pool.add(c);
    a.close();
    expect(pool.size).toBe(2);
    b.onMessage({ t: 'heartbeat', agentId: 'x', seq: 1 });
    expect(b.isOpen).toBe(false);
    expect(pool.size).toBe(1);
    pool.close();
    expect(c.isOpen).toBe(false);
    const after = link();
    pool.add(after);
    expect(after.isOpen).toBe(false);
  });
});

describe('AgentGateway standby upgrades', () => {
  it('a follower that knows no leader answers a standby upgrade 101 at once and holds it', () => {
    const node = { isLeader: false, leaderId: null as string | null, id: 'm2' };
    const context = { node, state: new MasterStateMachine(), httpAddress: '127.0.0.1:5060' } as unknown as MasterContext;
    const gateway = new AgentGateway(context, () => null, 60_000);
    const socket = new FakeSocket();
    const request = { url: AGENT_CONNECT_PATH, headers: { upgrade: AGENT_UPGRADE_PROTOCOL, 'kairos-link': 'standby' } } as unknown as IncomingMessage;
    gateway.onUpgrade(request, socket as unknown as Duplex, Buffer.alloc(0));
    expect(socket.written).toMatch(/^HTTP\/1\.1 101 /);
    expect(gateway.standbyLinks).toBe(1);
    // An ordinary upgrade to the same follower is still held for a leader (not answered).
    const plain = new FakeSocket();
    gateway.onUpgrade({ url: AGENT_CONNECT_PATH, headers: { upgrade: AGENT_UPGRADE_PROTOCOL } } as unknown as IncomingMessage, plain as unknown as Duplex, Buffer.alloc(0));
    expect(plain.written).toBe('');
    gateway.close();
    expect(socket.destroyed).toBe(true);
    expect(gateway.standbyLinks).toBe(0);
  });
});
