/**
 * Transport over TCP (optionally mutual TLS through lib/net): one outbound PeerLink per peer for
 * sending, and a listening server whose accepted connections are only read. Each pair of
 * replicas therefore has two connections, one per direction. A peer counts as down when its
 * last established connection (either direction) closes; that fires `onPeerDown` once, which
 * lets the driver notice a killed leader in milliseconds instead of an election timeout.
 */
import type net from 'node:net';
import { SystemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { addressOf, createTcpServer, parseAddress, type TlsConfig } from '../../lib/net.js';
import { SeededRng, seedFromCrypto, type Rng } from '../../lib/rng.js';
import type { Message, NodeId } from '../core/types.js';
import type { Transport } from './transport.js';
import { defaultBackoff, type BackoffPolicy } from './backoff.js';
import { InboundConnection } from './inbound.js';
import { PeerLink, type PeerLinkState } from './peer.js';

export interface TcpTransportOptions {
  id: NodeId;
  /** 'host:port' to listen on; port 0 picks a free port (see `address`). */
  listen: string;
  /** Every other replica's Raft address. */
  peers: Record<NodeId, string>;
  tls?: TlsConfig;
  logger: Logger;
  /** Connections between different clusters are refused at the handshake. Default 'kairos'. */
  clusterId?: string;
  /** Per-peer send queue bounds. Defaults: 64 MiB, 10 000 messages. */
  maxQueueBytes?: number;
  maxQueueMessages?: number;
  /** Largest frame accepted on read; bigger messages are chunked on send. Default 4 MiB. */
  maxFrameBytes?: number;
  /** Largest chunked message reassembled. Default 512 MiB. */
  maxMessageBytes?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffPolicy;
  rng?: Rng;
  clock?: Clock;
}

export interface PeerStats {
  address: string;
  state: PeerLinkState;
  inboundConnected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  sent: number;
  dropped: number;
  reconnects: number;
}

export interface TransportStats {
  sent: number;
  received: number;
  /** Messages dropped: queue overflow, unknown destination, or no handler yet. */
  dropped: number;
  reconnects: number;
  bytesSent: number;
  bytesReceived: number;
  protocolErrors: number;
  peers: Record<NodeId, PeerStats>;
}

export class TcpTransport implements Transport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<InboundConnection>();
  /** Every accepted TCP socket, including TLS ones still in their handshake, so close() ends them all. */
  private readonly acceptedSockets = new Set<net.Socket>();
  /** Established connections per peer, both directions. */
  private readonly established = new Map<NodeId, number>();
  private readonly messageHandlers: Array<(message: Message) => void> = [];
  private readonly peerDownHandlers: Array<(peer: NodeId) => void> = [];
  private readonly counters = { received: 0, dropped: 0, bytesReceived: 0, protocolErrors: 0 };
  private server: net.Server | null = null;
  private closing = false;
  private readonly clock: Clock;
  private readonly rng: Rng;

  private constructor(private readonly options: TcpTransportOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.rng = options.rng ?? new SeededRng(seedFromCrypto());
  }

  /** Listens, then starts connecting to every peer. Rejects if the address cannot be bound. */
  static async start(options: TcpTransportOptions): Promise<TcpTransport> {
    const transport = new TcpTransport(options);
    transport.server = await createTcpServer({ listen: options.listen, tls: options.tls }, (socket) => transport.accept(socket));
    transport.server.on('connection', (socket: net.Socket) => {
      transport.acceptedSockets.add(socket);
      socket.once('close', () => transport.acceptedSockets.delete(socket));
    });
    for (const [id, address] of Object.entries(options.peers)) transport.setPeer(id, address);
    return transport;
  }

  /** The bound listen address (the real port when started on port 0). */
  get address(): string {
    return this.server ? addressOf(this.server) : this.options.listen;
  }

  send(message: Message): void {
    const link = this.links.get(message.to);
    if (!link) {
      this.counters.dropped++;
      return;
    }
    link.send(message);
  }

  onMessage(handler: (message: Message) => void): void {
    this.messageHandlers.push(handler);
  }

  onPeerDown(handler: (peer: NodeId) => void): void {
    this.peerDownHandlers.push(handler);
  }

  setPeer(id: NodeId, address: string): void {
    if (id === this.options.id || this.closing) return;
    parseAddress(address);
    const existing = this.links.get(id);
    if (existing?.address === address) return;
    existing?.close();
    const link = new PeerLink({
      self: this.options.id,
      peer: id,
      address,
      clusterId: this.clusterId,
      tls: this.options.tls,
      maxFrameBytes: this.maxFrameBytes,
      maxQueueBytes: this.options.maxQueueBytes ?? 64 << 20,
      maxQueueMessages: this.options.maxQueueMessages ?? 10_000,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 2_000,
      backoff: this.options.backoff ?? defaultBackoff,
      rng: this.rng,
      clock: this.clock,
      logger: this.options.logger,
      onUp: () => this.connectionUp(id),
      onDown: () => this.connectionDown(id),
    });
    this.links.set(id, link);
    link.start();
  }

  removePeer(id: NodeId): void {
    const link = this.links.get(id);
    if (!link) return;
    this.links.delete(id);
    link.close();
    for (const connection of this.inbound) if (connection.peer === id) connection.destroy();
    this.established.delete(id);
  }

  stats(): TransportStats {
    const peers: Record<NodeId, PeerStats> = {};
    let sent = 0;
    let dropped = this.counters.dropped;
    let reconnects = 0;
    let bytesSent = 0;
    for (const [id, link] of this.links) {
      sent += link.sent;
      dropped += link.dropped;
      reconnects += link.reconnects;
      bytesSent += link.bytesSent;
      peers[id] = {
        address: link.address,
        state: link.state,
        inboundConnected: [...this.inbound].some((connection) => connection.peer === id),
        queuedMessages: link.queuedMessages,
        queuedBytes: link.queuedBytes,
        sent: link.sent,
        dropped: link.dropped,
        reconnects: link.reconnects,
      };
    }
    const { received, protocolErrors } = this.counters;
    let bytesReceived = this.counters.bytesReceived;
    for (const connection of this.inbound) bytesReceived += connection.bytesReceived;
    return { sent, received, dropped, reconnects, bytesSent, bytesReceived, protocolErrors, peers };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const link of this.links.values()) link.close();
    for (const connection of this.inbound) connection.destroy();
    for (const socket of this.acceptedSockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private get clusterId(): string {
    return this.options.clusterId ?? 'kairos';
  }

  private get maxFrameBytes(): number {
    return this.options.maxFrameBytes ?? 4 << 20;
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const connection = new InboundConnection(socket, {
      self: this.options.id,
      clusterId: this.clusterId,
      maxFrameBytes: this.maxFrameBytes,
      maxMessageBytes: this.options.maxMessageBytes ?? 512 << 20,
      handshakeTimeoutMs: this.options.connectTimeoutMs ?? 2_000,
      clock: this.clock,
      logger: this.options.logger,
      isKnownPeer: (id) => this.links.has(id),
      onEstablished: (established) => this.inboundEstablished(established),
      onMessage: (message) => this.deliver(message),
      onClosed: (closed) => this.inboundClosed(closed),
      onProtocolError: () => this.counters.protocolErrors++,
    });
    this.inbound.add(connection);
  }

  private inboundEstablished(connection: InboundConnection): void {
    const peer = connection.peer!;
    this.connectionUp(peer);
    this.links.get(peer)?.dialNow();
    // A restarted peer dials again while its old socket may linger half-open: keep the newest.
    for (const other of this.inbound) {
      if (other !== connection && other.peer === peer) other.destroy();
    }
  }

  private inboundClosed(connection: InboundConnection): void {
    this.inbound.delete(connection);
    this.counters.bytesReceived += connection.bytesReceived;
    if (connection.peer !== null) this.connectionDown(connection.peer);
  }

  private deliver(message: Message): void {
    this.counters.received++;
    if (this.messageHandlers.length === 0) {
      this.counters.dropped++;
      return;
    }
    for (const handler of this.messageHandlers) {
      try {
        handler(message);
      } catch (error) {
        this.options.logger.error({ err: error, from: message.from, type: message.type }, 'message handler threw');
      }
    }
  }

  private connectionUp(peer: NodeId): void {
    this.established.set(peer, (this.established.get(peer) ?? 0) + 1);
  }

  private connectionDown(peer: NodeId): void {
    const remaining = (this.established.get(peer) ?? 1) - 1;
    if (remaining > 0) {
      this.established.set(peer, remaining);
      return;
    }
    this.established.delete(peer);
    if (this.closing || !this.links.has(peer)) return;
    for (const handler of this.peerDownHandlers) handler(peer);
  }
}
