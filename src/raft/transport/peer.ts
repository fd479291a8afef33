/**
 * The outbound side of one peer: a single persistent connection used only for sending, a
 * bounded send queue, and reconnection with jittered exponential backoff. Messages sent in one
 * event-loop turn leave in one corked write (one writev). When the socket pushes back (needs
 * drain) messages wait in the bounded queue, where old appends/heartbeats can be dropped, rather
 * than piling up unbounded inside the socket.
 */
import type net from 'node:net';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { connectTcp, type TlsConfig } from '../../lib/net.js';
import type { Rng } from '../../lib/rng.js';
import type { Message, NodeId } from '../core/types.js';
import { reconnectDelayMs, type BackoffPolicy } from './backoff.js';
import { FrameDecoder } from './framing.js';
import { SendQueue } from './send-queue.js';
import { decodeReason, FrameKind, helloFrame, messageFrameParts, PROTOCOL_VERSION } from './wire.js';

export interface PeerLinkOptions {
  self: NodeId;
  peer: NodeId;
  address: string;
  clusterId: string;
  tls: TlsConfig | undefined;
  maxFrameBytes: number;
  maxQueueBytes: number;
  maxQueueMessages: number;
  connectTimeoutMs: number;
  backoff: BackoffPolicy;
  rng: Rng;
  clock: Clock;
  logger: Logger;
  /** The handshake completed: the connection is established. */
  onUp(): void;
  /** An established connection closed. */
  onDown(): void;
}

export type PeerLinkState = 'connecting' | 'handshaking' | 'up' | 'waiting' | 'closed';

export class PeerLink {
  state: PeerLinkState = 'waiting';
  sent = 0;
  dropped = 0;
  reconnects = 0;
  bytesSent = 0;
  private readonly queue: SendQueue;
  private socket: net.Socket | null = null;
  private attempt = 0;
  private timer: TimerHandle | null = null;
  private flushScheduled = false;
  private nextMessageId = 1;

  constructor(private readonly options: PeerLinkOptions) {
    this.queue = new SendQueue(options.maxQueueBytes, options.maxQueueMessages);
  }

  get address(): string {
    return this.options.address;
  }
  get queuedMessages(): number {
    return this.queue.length;
  }
  get queuedBytes(): number {
    return this.queue.bytes;
  }

  start(): void {
    this.connect();
  }

  /** Queues a message; never blocks or throws. */
  send(message: Message): void {
    if (this.state === 'closed') return;
    let parts: Buffer[];
    try {
      parts = messageFrameParts(message, this.nextMessageId++, this.options.maxFrameBytes);
    } catch (error) {
      // Only a message the codec cannot represent gets here: a bug upstream, but send never throws.
      this.dropped++;
      this.options.logger.error({ peer: this.options.peer, type: message.type, err: error }, 'cannot encode message; dropped');
      return;
    }
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    this.dropped += this.queue.push({ type: message.type, parts, bytes });
    if (this.state === 'up') this.scheduleFlush();
  }

  /**
   * The peer has just dialled us, so it is listening again: a link waiting out its backoff
   * dials now instead (after a restart the wait could be up to the backoff ceiling, 1 s, during
   * which a leader could not reach the restarted replica).
   */
  dialNow(): void {
    if (this.state !== 'waiting') return;
    this.timer?.cancel();
    this.attempt = 0;
    this.reconnect();
  }

  close(): void {
    this.state = 'closed';
    this.timer?.cancel();
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue.clear();
  }

  private connect(): void {
    this.state = 'connecting';
    connectTcp(this.options.address, { tls: this.options.tls, timeoutMs: this.options.connectTimeoutMs }).then(
      (socket) => {
        if (this.state === 'closed') socket.destroy();
        else this.handshake(socket);
      },
      (error: Error) => {
        if (this.state === 'closed') return;
        this.options.logger.debug({ peer: this.options.peer, err: error.message }, 'peer connect failed');
        this.retryLater();
      },
    );
  }

  private handshake(socket: net.Socket): void {
    this.state = 'handshaking';
    this.socket = socket;
    socket.setKeepAlive(true, 5_000);
    const decoder = new FrameDecoder(64 * 1024);
    const deadline = this.options.clock.setTimer(this.options.connectTimeoutMs, () => {
      this.options.logger.warn({ peer: this.options.peer }, 'peer did not answer the handshake in time');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of decoder.push(chunk)) this.handleReply(socket, payload, deadline);
      } catch (error) {
        this.options.logger.warn({ peer: this.options.peer, err: (error as Error).message }, 'protocol error from peer');
        socket.destroy();
      }
    });
    socket.on('error', (error) => this.options.logger.debug({ peer: this.options.peer, err: error.message }, 'peer socket error'));
    socket.on('drain', () => this.flush());
    socket.once('close', () => {
      deadline.cancel();
      this.handleClose(socket);
    });
    socket.cork();
    for (const part of helloFrame({ version: PROTOCOL_VERSION, clusterId: this.options.clusterId, from: this.options.self, to: this.options.peer })) {
      socket.write(part);
    }
    socket.uncork();
  }

  private handleReply(socket: net.Socket, payload: Buffer, deadline: TimerHandle): void {
    const kind = payload[0];
    if (kind === FrameKind.Welcome && this.state === 'handshaking') {
      deadline.cancel();
      this.state = 'up';
      this.attempt = 0;
      this.options.logger.info({ peer: this.options.peer, address: this.options.address }, 'connected to peer');
      this.options.onUp();
      this.flush();
      return;
    }
    if (kind === FrameKind.Reject) {
      this.options.logger.warn({ peer: this.options.peer, reason: decodeReason(payload.subarray(1)) }, 'peer rejected our handshake');
      this.attempt = Math.max(this.attempt, 4);
    } else {
      this.options.logger.warn({ peer: this.options.peer, kind }, 'unexpected frame on an outbound connection');
    }
    socket.destroy();
  }

  private handleClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    const wasUp = this.state === 'up';
    if (this.state === 'closed') return;
    if (wasUp) {
      this.options.logger.info({ peer: this.options.peer }, 'connection to peer lost');
      this.attempt = 0;
      this.options.onDown();
    }
    this.retryLater();
  }

  private retryLater(): void {
    this.state = 'waiting';
    const delayMs = reconnectDelayMs(this.attempt++, this.options.backoff, this.options.rng);
    this.timer = this.options.clock.setTimer(delayMs, () => {
      if (this.state === 'waiting') this.reconnect();
      else this.timer = null;
    });
  }

  /** Ends the wait: the next connection attempt starts now. */
  private reconnect(): void {
    this.timer = null;
    this.reconnects++;
    this.connect();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes everything queued as one corked batch, unless the socket is still draining. */
  private flush(): void {
    const socket = this.socket;
    if (this.state !== 'up' || !socket || socket.writableNeedDrain || this.queue.length === 0) return;
    const items = this.queue.takeAll();
    socket.cork();
    for (const item of items) {
      for (const part of item.parts) socket.write(part);
      this.bytesSent += item.bytes;
    }
    socket.uncork();
    this.sent += items.length;
  }
}
