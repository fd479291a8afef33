/**
 * The agent's dialler speaks just enough HTTP/1.1 to ask a master for the upgrade: these tests
 * play the master on a raw socket, with answers split across writes, frames glued to the 101,
 * redirects, refusals, silence and garbage.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../../src/lib/codec.js';
import { AGENT_CONNECT_PATH, dialMaster, FrameConnection, parseResponseHead } from '../../../src/protocol/connection.js';
import { AGENT_FRAME_KIND, type AgentToMaster, type MasterToAgent } from '../../../src/protocol/messages.js';
import { frameParts } from '../../../src/raft/transport/framing.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A fake master that hands each connection's request text to `answer`. */
function master(answer: (socket: net.Socket, request: string) => void): Promise<string> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      let request = '';
      socket.on('data', (chunk) => {
        request += chunk.toString('latin1');
        if (request.includes('\r\n\r\n')) answer(socket, request);
      });
      socket.on('error', () => undefined);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as net.AddressInfo).port}`));
  });
}

const UPGRADED = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: kairos-agent/1\r\n\r\n';
const frame = (message: MasterToAgent): Buffer => Buffer.concat(frameParts(AGENT_FRAME_KIND, encode(message)));

describe('dialMaster', () => {
  it('sends an upgrade request and hands over the socket with the frames that came with the 101', async () => {
    let seen = '';
    const address = await master((socket, request) => {
      seen = request;
      const pong: MasterToAgent = { t: 'pong', term: 3, seq: 1 };
      // The answer in pieces, the first frame glued to its end, a second frame later.
      const bytes = Buffer.concat([Buffer.from(UPGRADED, 'latin1'), frame(pong)]);
      socket.write(bytes.subarray(0, 20));
      setTimeout(() => {
        socket.write(bytes.subarray(20));
        socket.write(frame({ t: 'pong', term: 3, seq: 2 }));
      }, 20);
    });
    const result = await dialMaster(address, 2_000);
    expect(seen.startsWith(`GET ${AGENT_CONNECT_PATH} HTTP/1.1\r\n`)).toBe(true);
    expect(seen).toMatch(/\r\nUpgrade: kairos-agent\/1\r\n/);
    expect(seen).toMatch(/\r\nConnection: Upgrade\r\n/);
    expect(result.kind).toBe('connected');
    if (result.kind !== 'connected') return;
    const connection = new FrameConnection<MasterToAgent, AgentToMaster>(result.socket, result.head);
    const received: MasterToAgent[] = [];
    connection.onMessage = (message) => void received.push(message);
    const deadline = Date.now() + 5_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received).toEqual([
      { t: 'pong', term: 3, seq: 1 },
      { t: 'pong', term: 3, seq: 2 },
    ]);
    connection.close();
  });

  it('reports a redirect with the leader named by Location', async () => {
    const address = await master((socket) => socket.end('HTTP/1.1 307 Temporary Redirect\r\nLocation: //10.0.0.7:5050/agent/v1/connect\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    expect(await dialMaster(address, 2_000)).toEqual({ kind: 'redirect', leader: '10.0.0.7:5050' });
  });

  it('reports a 307 without a usable Location as a redirect to no one', async () => {
    const address = await master((socket) => socket.end('HTTP/1.1 307 Temporary Redirect\r\nConnection: close\r\n\r\n'));
    expect(await dialMaster(address, 2_000)).toEqual({ kind: 'redirect', leader: null });
  });

  it('reports other answers, garbage, an early close, silence and a refused connect as unavailable', async () => {
    const refusing = await master((socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    expect(await dialMaster(refusing, 2_000)).toEqual({ kind: 'unavailable', reason: 'HTTP 503' });
    const garbage = await master((socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
    expect(await dialMaster(garbage, 2_000)).toMatchObject({ kind: 'unavailable', reason: 'malformed HTTP response' });
    const wrongProtocol = await master((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'));
    expect(await dialMaster(wrongProtocol, 2_000)).toMatchObject({ kind: 'unavailable' });
    const closing = await master((socket) => socket.end());
    expect(await dialMaster(closing, 2_000)).toMatchObject({ kind: 'unavailable' });
    const silent = await master(() => undefined);
    expect(await dialMaster(silent, 100)).toEqual({ kind: 'unavailable', reason: 'no answer within 100 ms' });
    const endless = await master((socket) => socket.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}`));
    expect(await dialMaster(endless, 2_000)).toEqual({ kind: 'unavailable', reason: 'response head too large' });
    const closed = await master(() => undefined);
    servers.pop()!.close();
    expect(await dialMaster(closed, 2_000)).toMatchObject({ kind: 'unavailable' });
  });
});

describe('parseResponseHead', () => {
  it('reads the status and the headers it needs, case-insensitively', () => {
    expect(parseResponseHead('HTTP/1.0 307 Moved\r\nlocation:  //m2:1/x \r\nX-Other: y')).toEqual({ status: 307, location: '//m2:1/x', upgrade: null });
    expect(parseResponseHead('HTTP/1.1 101\r\nUPGRADE: Kairos-Agent/1')).toEqual({ status: 101, location: null, upgrade: 'kairos-agent/1' });
    expect(parseResponseHead('HTTP/2 200 OK')).toBeNull();
    expect(parseResponseHead('HTTP/1.1 20 OK')).toBeNull();
  });
});
