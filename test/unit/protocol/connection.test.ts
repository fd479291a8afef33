/**
 * The agent protocol connection notices a peer that went away even on a half-open socket (as
 * node:http hands over upgraded sockets): a SIGKILLed agent's kernel sends FIN, and the leader
 * must drop the link at once rather than after missed heartbeats.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameConnection } from '../../../src/protocol/connection.js';
import type { AgentToMaster, MasterToAgent } from '../../../src/protocol/messages.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function pair(): Promise<{ serverSide: net.Socket; clientSide: net.Socket }> {
  return new Promise((resolve) => {
    const server = net.createServer({ allowHalfOpen: true });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const clientSide = net.connect(port, '127.0.0.1');
      server.once('connection', (serverSide) => resolve({ serverSide, clientSide }));
    });
  });
}

describe('FrameConnection', () => {
  it('carries messages both ways', async () => {
    const { serverSide, clientSide } = await pair();
    const master = new FrameConnection<AgentToMaster, MasterToAgent>(serverSide);
    const agent = new FrameConnection<MasterToAgent, AgentToMaster>(clientSide);
    const got = new Promise<AgentToMaster>((resolve) => (master.onMessage = resolve));
    agent.send({ t: 'heartbeat', agentId: 'a1', seq: 7 });
    expect(await got).toEqual({ t: 'heartbeat', agentId: 'a1', seq: 7 });
    master.close();
    agent.close();
  });

  it('closes when the peer half-closes (FIN), without waiting for a write to fail', async () => {
    const { serverSide, clientSide } = await pair();
    const master = new FrameConnection<AgentToMaster, MasterToAgent>(serverSide);
    const closed = new Promise<void>((resolve) => (master.onClose = () => resolve()));
    clientSide.end();
    await closed;
    expect(master.isOpen).toBe(false);
  });
});
