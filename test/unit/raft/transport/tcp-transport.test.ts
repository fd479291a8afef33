/**
 * Goal: TcpTransport delivers Raft messages between real processes' sockets and copes with the
 * failures a cluster sees: a peer restarting, a peer that is down for long, an impostor, a
 * snapshot far larger than a frame. Method: transports on 127.0.0.1 port 0 in this process;
 * every wait is on a condition with a deadline (no fixed sleeps); a raw socket plays the
 * misbehaving or counting peer where the test needs to see the bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/lib/log.js';
import type { Message, NodeId } from '../../../../src/raft/core/types.js';
import { FrameDecoder } from '../../../../src/raft/transport/framing.js';
import { TcpTransport, type TcpTransportOptions } from '../../../../src/raft/transport/tcp-transport.js';
import { FrameKind, welcomeFrame } from '../../../../src/raft/transport/wire.js';
import { makeTestPki } from '../../lib/tls-fixture.js';
import { simpleMessage } from './arbitraries.js';

const logger = silentLogger();
const started: TcpTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((transport) => transport.close()));
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Node {
  transport: TcpTransport;
  inbox: Message[];
  down: NodeId[];
}

async function startNode(id: NodeId, extra: Partial<TcpTransportOptions> = {}): Promise<Node> {
  const transport = await TcpTransport.start({ id, listen: '127.0.0.1:0', peers: {}, logger, ...extra });
  started.push(transport);
  const node: Node = { transport, inbox: [], down: [] };
  transport.onMessage((message) => node.inbox.push(message));
  transport.onPeerDown((peer) => node.down.push(peer));
  return node;
}

/** Three nodes a, b, c that all know each other. */
async function cluster(): Promise<Record<'a' | 'b' | 'c', Node>> {
  const nodes = { a: await startNode('a'), b: await startNode('b'), c: await startNode('c') };
  for (const [id, node] of Object.entries(nodes)) {
    for (const [otherId, other] of Object.entries(nodes)) if (otherId !== id) node.transport.setPeer(otherId, other.transport.address);
  }
  return nodes;
}

/** A free port, by binding and releasing one. */
async function freeAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

describe('TcpTransport on loopback', () => {
  it('delivers messages between all pairs, in order per sender', async () => {
    const nodes = await cluster();
    const ids = ['a', 'b', 'c'] as const;
    for (let round = 0; round < 50; round++) {
      for (const from of ids) for (const to of ids) if (from !== to) nodes[from].transport.send(simpleMessage(from, to, { index: round }));
    }
    await waitFor('100 messages at every node', () => ids.every((id) => nodes[id].inbox.length === 100));
    for (const id of ids) {
      for (const from of ids.filter((other) => other !== id)) {
        const indexes = nodes[id].inbox.filter((m) => m.from === from).map((m) => m.index);
        expect(indexes).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }
      expect(nodes[id].transport.stats().received).toBe(100);
      expect(nodes[id].transport.stats().sent).toBe(100);
    }
  });

  it('notices a peer going away, and reconnects when it comes back on the same address', async () => {
    const nodes = await cluster();
    nodes.a.transport.send(simpleMessage('a', 'c'));
    nodes.c.transport.send(simpleMessage('c', 'a'));
    await waitFor('first exchange', () => nodes.c.inbox.length === 1 && nodes.a.inbox.length === 1);
    const address = nodes.c.transport.address;
    const stoppedAt = Date.now();
    await nodes.c.transport.close();
    await waitFor('onPeerDown(c) at a and b', () => nodes.a.down.includes('c') && nodes.b.down.includes('c'), 3_000);
    // Well under an election timeout even on a loaded machine (about 40 ms when idle).
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(nodes.a.down.filter((peer) => peer === 'c')).toHaveLength(1);

    const restarted = await startNode('c', { listen: address, peers: { a: nodes.a.transport.address, b: nodes.b.transport.address } });
    nodes.a.transport.send(simpleMessage('a', 'c', { index: 7 }));
    await waitFor('a reconnected to the restarted c', () => nodes.a.transport.stats().peers['c']?.state === 'up');
    nodes.a.transport.send(simpleMessage('a', 'c', { index: 8 }));
    restarted.transport.send(simpleMessage('c', 'b', { index: 9 }));
    await waitFor('traffic after restart', () => restarted.inbox.some((m) => m.index === 8) && nodes.b.inbox.some((m) => m.index === 9));
    expect(nodes.a.transport.stats().reconnects).toBeGreaterThan(0);
  });

  it('dials a peer at once when that peer dials in, instead of waiting out the backoff', async () => {
    // A backoff of a minute: only the inbound connection can bring the link up within the wait.
    const address = await freeAddress();
    const a = await startNode('a', { backoff: { baseMs: 60_000, maxMs: 60_000 } });
    a.transport.setPeer('c', address);
    await waitFor('the first dial to the absent c failed', () => a.transport.stats().peers['c']?.state === 'waiting');
    const c = await startNode('c', { listen: address, peers: { a: a.transport.address } });
    await waitFor('a dialled the returning c', () => a.transport.stats().peers['c']?.state === 'up', 5_000);
    a.transport.send(simpleMessage('a', 'c', { index: 3 }));
    await waitFor('a message from a reached c', () => c.inbox.some((m) => m.index === 3));
  });

  it('bounds the queue of a peer that is down and counts what it drops', async () => {
    const node = await startNode('a', { maxQueueMessages: 100, maxQueueBytes: 50_000 });
    node.transport.setPeer('d', await freeAddress());
    const payload = { entries: [{ term: 1, index: 1, type: 0 as const, data: new Uint8Array(1_000) }] };
    for (let i = 0; i < 1_000; i++) node.transport.send(simpleMessage('a', 'd', { index: i, ...payload }));
    const stats = node.transport.stats();
    const peer = stats.peers['d']!;
    expect(peer.state).not.toBe('up');
    expect(peer.queuedBytes).toBeLessThanOrEqual(50_000);
    expect(peer.queuedMessages).toBeLessThanOrEqual(100);
    expect(peer.queuedMessages + stats.dropped).toBe(1_000);
  });

  it('carries a 20 MB snapshot intact through chunking', async () => {
    const nodes = await cluster();
    const data = randomBytes(20 << 20);
    const digest = createHash('sha256').update(data).digest('hex');
    const snapshot = { meta: { index: 1_000, term: 3, conf: { voters: ['a', 'b', 'c'], learners: [] } }, data };
    nodes.a.transport.send(simpleMessage('a', 'b', { type: 'snap', snapshot }));
    nodes.a.transport.send(simpleMessage('a', 'b', { type: 'heartbeat', index: 5 }));
    await waitFor('snapshot and the heartbeat after it', () => nodes.b.inbox.length === 2, 15_000);
    const [received, next] = nodes.b.inbox;
    expect(received!.type).toBe('snap');
    expect(received!.snapshot!.meta).toEqual(snapshot.meta);
    expect(createHash('sha256').update(received!.snapshot!.data).digest('hex')).toBe(digest);
    expect(next!.index).toBe(5);
  });

  it('runs over mutual TLS, and a node with a certificate from another CA cannot send', async () => {
    const pki = makeTestPki();
    try {
      const a = await startNode('a', { tls: pki.node });
      const b = await startNode('b', { tls: pki.node, peers: { a: a.transport.address } });
      const rogue = await startNode('c', { tls: pki.rogue, peers: { a: a.transport.address } });
      a.transport.setPeer('b', b.transport.address);
      a.transport.setPeer('c', rogue.transport.address);
      b.transport.send(simpleMessage('b', 'a', { index: 1 }));
      a.transport.send(simpleMessage('a', 'b', { index: 2 }));
      rogue.transport.send(simpleMessage('c', 'a', { index: 3 }));
      await waitFor('a and b exchanged over TLS', () => a.inbox.length === 1 && b.inbox.length === 1);
      await waitFor('the rogue node retried', () => rogue.transport.stats().reconnects > 0);
      expect(a.inbox.map((m) => m.from)).toEqual(['b']);
      expect(a.transport.stats().peers['c']!.state).not.toBe('up');
    } finally {
      pki.dispose();
    }
  });

  it('refuses a handshake from an unknown node id and a different cluster', async () => {
    const a = await startNode('a');
    const stranger = await startNode('x', { peers: { a: a.transport.address } });
    const otherCluster = await startNode('b', { peers: { a: a.transport.address }, clusterId: 'other' });
    a.transport.setPeer('b', otherCluster.transport.address);
    stranger.transport.send(simpleMessage('x', 'a'));
    otherCluster.transport.send(simpleMessage('b', 'a'));
    await waitFor('both rejected and retrying', () => stranger.transport.stats().reconnects > 0 && otherCluster.transport.stats().reconnects > 0);
    expect(stranger.transport.stats().peers['a']!.state).not.toBe('up');
    expect(otherCluster.transport.stats().peers['a']!.state).not.toBe('up');
    expect(a.inbox).toEqual([]);
  });

  it('closes a connection that sends an oversized frame or garbage before the handshake', async () => {
    const a = await startNode('a', { maxFrameBytes: 1_024 });
    for (const bytes of [Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from([0, 0, 0, 2, 9, 9])]) {
      const socket = net.connect(Number(a.transport.address.split(':')[1]), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(bytes);
      let closed = false;
      socket.once('close', () => (closed = true));
      await waitFor('the server to close the connection', () => closed);
    }
    expect(a.transport.stats().protocolErrors).toBe(2);
  });

  it('sends the messages of one event-loop turn in one write', async () => {
    let frames = 0;
    const decoder = new FrameDecoder(1 << 20);
    const server = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        for (const payload of decoder.push(chunk)) {
          if (payload[0] === FrameKind.Hello) for (const part of welcomeFrame('p')) socket.write(part);
          else frames++;
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    // Count the stream-level writes (each is one write/writev syscall) on sockets dialling `port`.
    const socketProto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    const original = { write: socketProto._write, writev: socketProto._writev };
    let writes = 0;
    socketProto._write = function (this: net.Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return original.write.apply(this, args);
    };
    socketProto._writev = function (this: net.Socket, ...args: unknown[]) {
      if (this.remotePort === port) writes++;
      return original.writev.apply(this, args);
    };
    try {
      const a = await startNode('a', { peers: { p: `127.0.0.1:${port}` } });
      await waitFor('link up', () => a.transport.stats().peers['p']?.state === 'up');
      writes = 0;
      for (let i = 0; i < 200; i++) a.transport.send(simpleMessage('a', 'p', { index: i }));
      await waitFor('200 frames', () => frames === 200);
      expect(writes).toBe(1);
    } finally {
      socketProto._write = original.write;
      socketProto._writev = original.writev;
      server.close();
    }
  });
});
