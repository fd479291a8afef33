/**
 * One framed msgpackr connection of the master ↔ agent protocol (messages.ts), on a socket that
 * has already been upgraded from HTTP. Both sides use it: the agent after `dialMaster`, the
 * leader after `acceptAgentUpgrade`.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { decode, encode } from '../lib/codec.js';
import { ProtocolError } from '../lib/errors.js';
import { tryConnectTcp } from '../lib/net.js';
import { TurnCork } from '../lib/turn-cork.js';
import { FrameDecoder, frameParts } from '../raft/transport/framing.js';
import { AGENT_FRAME_KIND, AGENT_MAX_FRAME_BYTES, type AgentMessage } from './messages.js';

export const AGENT_CONNECT_PATH = '/agent/v1/connect';
export const AGENT_UPGRADE_PROTOCOL = 'kairos-agent/1';
/** Header (and its value) that asks a master to hold the upgraded link as a standby (messages.ts). */
export const AGENT_LINK_HEADER = 'kairos-link';
export const AGENT_STANDBY_LINK = 'standby';

/** True when an agent upgrade asks for a standby link rather than the leader. */
export function isStandbyUpgrade(request: IncomingMessage): boolean {
  return String(request.headers[AGENT_LINK_HEADER] ?? '').toLowerCase() === AGENT_STANDBY_LINK;
}

export class FrameConnection<In extends AgentMessage, Out extends AgentMessage> {
  private readonly decoder = new FrameDecoder(AGENT_MAX_FRAME_BYTES);
  private closed = false;
  /** Null for a duplex that cannot cork (test pipes): each message is then its own write. */
  private readonly cork: TurnCork | null;
  onMessage: (message: In) => void = () => {};
  onClose: (error: Error | null) => void = () => {};

  constructor(readonly socket: Socket | Duplex, head?: Buffer) {
    (socket as Socket).setNoDelay?.(true);
    this.cork = typeof socket.cork === 'function' ? new TurnCork(socket) : null;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: Error) => this.close(error));
    socket.on('close', () => this.close(null));
    // Sockets upgraded from node:http allow half-open connections: a peer that died (its kernel
    // sent FIN) would otherwise look connected until we next wrote to it.
    socket.on('end', () => this.close(null));
    // Once the caller has set its handlers: first the bytes that came with the upgrade answer,
    // then the rest (a dialled socket is handed over paused, so none can overtake them).
    queueMicrotask(() => {
      if (head && head.length > 0) this.receive(head);
      socket.resume();
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Queues one message; false once the connection is closed (the message is dropped). */
  send(message: Out): boolean {
    if (this.closed) return false;
    // Everything sent in one turn of the event loop leaves in one write: a leader launching 40
    // tasks on an agent, or acking a batch of its updates, makes one syscall.
    this.cork?.hold();
    for (const part of frameParts(AGENT_FRAME_KIND, encode(message))) this.socket.write(part);
    return true;
  }

  close(error: Error | null = null): void {
    if (this.closed) return;
    this.closed = true;
    // A message sent just before closing (refused, notLeader, shutdown) is still corked: hand it
    // to the socket before destroying it.
    this.cork?.flush();
    this.socket.destroy();
    this.onClose(error);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let payloads: Buffer[];
    try {
      payloads = this.decoder.push(chunk);
    } catch (error) {
      this.close(error as Error);
      return;
    }
    for (const payload of payloads) {
      if (this.closed) return;
      if (payload[0] !== AGENT_FRAME_KIND) {
        this.close(new ProtocolError(`unexpected frame kind ${payload[0]}`));
        return;
      }
      let message: In;
      try {
        message = decode<In>(payload.subarray(1));
      } catch (error) {
        this.close(new ProtocolError(`undecodable frame: ${(error as Error).message}`));
        return;
      }
      this.onMessage(message);
    }
  }
}

/** Outcome of dialling one master: a live connection, a redirect to the leader, or none. */
export type DialResult =
  | { kind: 'connected'; socket: Socket; head: Buffer }
  | { kind: 'redirect'; leader: string | null }
  | { kind: 'unavailable'; reason: string };

/** The host:port of a redirect's Location (`//host:port/path` or `http(s)://host:port/path`), or null. */
export function hostOfLocation(location: string): string | null {
  return /^(?:https?:)?\/\/([^/]+)/.exec(location)?.[1] ?? null;
}

/** Longest response head a master may send to an upgrade request (ours are under 200 bytes). */
const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/**
 * Agent side: asks the master at `address` (host:port of its HTTP server) to upgrade.
 *
 * The socket comes from lib/net.ts's `tryConnectTcp`; the request is written and the response head
 * read here rather than through node:http's client: a takeover has thousands of agents dialling
 * at once, and the client's per-request parser and connection pool (whose per-host bookkeeping is
 * linear in the sockets open to that host) cost the fleet more than the connects themselves. The
 * masters' answers are ours and simple: 101, or 307/503 with `Connection: close` and no body.
 */
export async function dialMaster(address: string, timeoutMs = 3_000, standby = false): Promise<DialResult> {
  const deadline = Date.now() + timeoutMs;
  const connected = await tryConnectTcp(address, { timeoutMs });
  if ('failure' in connected) return { kind: 'unavailable', reason: `cannot connect to ${address}: ${connected.failure}` };
  const { socket } = connected;
  return new Promise((resolve) => {
    let settled = false;
    let received: Buffer = Buffer.alloc(0);
    const finish = (result: DialResult): void => {
      if (settled) return;
      settled = true;
      socket.setTimeout(0);
      socket.removeListener('data', onData);
      if (result.kind !== 'connected') socket.destroy();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_RESPONSE_HEAD_BYTES) finish({ kind: 'unavailable', reason: 'response head too large' });
        return;
      }
      const head = parseResponseHead(received.subarray(0, end).toString('latin1'));
      if (head === null) return finish({ kind: 'unavailable', reason: 'malformed HTTP response' });
      if (head.status === 101) {
        if (head.upgrade !== AGENT_UPGRADE_PROTOCOL) return finish({ kind: 'unavailable', reason: `upgraded to ${head.upgrade ?? 'nothing'}` });
        // Frames the master sent right behind the 101 are the connection's first bytes.
        socket.pause();
        return finish({ kind: 'connected', socket, head: received.subarray(end + 4) });
      }
      if (head.status === 307) return finish({ kind: 'redirect', leader: hostOfLocation(head.location ?? '') });
      finish({ kind: 'unavailable', reason: `HTTP ${head.status}` });
    };
    // The connect and the answer share the one time limit.
    socket.setTimeout(Math.max(1, deadline - Date.now()), () => finish({ kind: 'unavailable', reason: `no answer within ${timeoutMs} ms` }));
    socket.on('data', onData);
    socket.on('error', (error) => finish({ kind: 'unavailable', reason: error.message }));
    socket.on('close', () => finish({ kind: 'unavailable', reason: 'connection closed before an answer' }));
    const link = standby ? `Kairos-Link: ${AGENT_STANDBY_LINK}\r\n` : '';
    socket.write(`GET ${AGENT_CONNECT_PATH} HTTP/1.1\r\nHost: ${address}\r\nConnection: Upgrade\r\nUpgrade: ${AGENT_UPGRADE_PROTOCOL}\r\n${link}\r\n`);
  });
}

/** Status code and the headers the dialler needs from an HTTP/1.x response head; null if malformed. */
export function parseResponseHead(head: string): { status: number; location: string | null; upgrade: string | null } | null {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!status) return null;
  let location: string | null = null;
  let upgrade: string | null = null;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'location') location = line.slice(colon + 1).trim();
    else if (name === 'upgrade') upgrade = line.slice(colon + 1).trim().toLowerCase();
  }
  return { status: Number(status[1]), location, upgrade };
}

/** Master side: completes the upgrade handshake on a raw socket from `server.on('upgrade')`.
 * Returns false (and answers 400) when the request is not an agent protocol upgrade. */
export function acceptAgentUpgrade(request: IncomingMessage, socket: Duplex): boolean {
  const url = request.url ?? '';
  const upgrade = String(request.headers.upgrade ?? '').toLowerCase();
  if (!url.startsWith(AGENT_CONNECT_PATH) || upgrade !== AGENT_UPGRADE_PROTOCOL) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return false;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${AGENT_UPGRADE_PROTOCOL}\r\n\r\n`);
  return true;
}

/** Master side: answers an upgrade with a redirect to the leader (or 503 while none). */
export function redirectAgentUpgrade(socket: Duplex, leaderHttpAddress: string | null): void {
  if (leaderHttpAddress) {
    socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: //${leaderHttpAddress}${AGENT_CONNECT_PATH}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  } else {
    socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
}
