/**
 * The receiving side of one accepted connection: waits for HELLO (bounded by a deadline), checks
 * the cluster id and that the sender is a known peer, answers WELCOME or REJECT, then decodes
 * MESSAGE and CHUNK frames into Raft messages. Any protocol violation closes the connection; a
 * partial chunked message dies with it.
 */
import type net from 'node:net';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { ProtocolError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Message, NodeId } from '../core/types.js';
import { parseChunk, Reassembler } from './chunking.js';
import { FrameDecoder } from './framing.js';
import { decodeHello, decodeMessage, FrameKind, PROTOCOL_VERSION, rejectFrame, welcomeFrame, type Hello } from './wire.js';

export interface InboundOptions {
  self: NodeId;
  clusterId: string;
  maxFrameBytes: number;
  maxMessageBytes: number;
  handshakeTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  isKnownPeer(id: NodeId): boolean;
  /** The handshake succeeded: `connection.peer` is set. */
  onEstablished(connection: InboundConnection): void;
  onMessage(message: Message): void;
  /** The socket closed (established or not). */
  onClosed(connection: InboundConnection): void;
  onProtocolError(): void;
}

export class InboundConnection {
  peer: NodeId | null = null;
  received = 0;
  bytesReceived = 0;
  private readonly decoder: FrameDecoder;
  private readonly reassembler: Reassembler;
  private deadline: TimerHandle | null;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: InboundOptions,
  ) {
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    this.reassembler = new Reassembler(options.maxMessageBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    this.deadline = options.clock.setTimer(options.handshakeTimeoutMs, () => {
      options.logger.warn({ remote: socket.remoteAddress }, 'inbound connection sent no handshake in time');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.handleData(chunk));
    socket.on('error', (error) => options.logger.debug({ peer: this.peer, err: error.message }, 'inbound socket error'));
    socket.once('close', () => {
      this.deadline?.cancel();
      this.reassembler.discard();
      options.onClosed(this);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private handleData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    try {
      for (const payload of this.decoder.push(chunk)) {
        if (this.socket.destroyed) return;
        this.handleFrame(payload);
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.options.onProtocolError();
      this.options.logger.warn({ peer: this.peer, remote: this.socket.remoteAddress, err: error.message }, 'closing inbound connection on protocol error');
      this.socket.destroy();
    }
  }

  private handleFrame(payload: Buffer): void {
    const kind = payload[0];
    const body = payload.subarray(1);
    if (this.peer === null) {
      if (kind !== FrameKind.Hello) throw new ProtocolError(`expected a hello frame, got kind ${String(kind)}`);
      this.handleHello(decodeHello(body));
      return;
    }
    if (kind === FrameKind.Message) {
      this.deliver(decodeMessage(body));
    } else if (kind === FrameKind.Chunk) {
      const { header, slice } = parseChunk(body);
      const whole = this.reassembler.accept(header, slice);
      if (whole) this.deliver(decodeMessage(whole));
    } else {
      throw new ProtocolError(`unexpected frame kind ${String(kind)} after the handshake`);
    }
  }

  private handleHello(hello: Hello): void {
    const problem = this.helloProblem(hello);
    if (problem) {
      this.options.logger.warn({ from: hello.from, remote: this.socket.remoteAddress, reason: problem }, 'rejected peer handshake');
      for (const part of rejectFrame(problem)) this.socket.write(part);
      this.socket.end();
      return;
    }
    this.deadline?.cancel();
    this.deadline = null;
    this.peer = hello.from;
    for (const part of welcomeFrame(this.options.self)) this.socket.write(part);
    this.options.onEstablished(this);
  }

  private helloProblem(hello: Hello): string | null {
    if (hello.version !== PROTOCOL_VERSION) return `protocol version ${hello.version} is not supported (this node speaks ${PROTOCOL_VERSION})`;
    if (hello.clusterId !== this.options.clusterId) return `cluster id '${hello.clusterId}' does not match '${this.options.clusterId}'`;
    if (hello.to !== this.options.self) return `this node is '${this.options.self}', not '${hello.to}'`;
    if (!this.options.isKnownPeer(hello.from)) return `'${hello.from}' is not a known peer`;
    return null;
  }

  private deliver(message: Message): void {
    if (message.from !== this.peer || message.to !== this.options.self) {
      throw new ProtocolError(`message from '${message.from}' to '${message.to}' on the connection of '${this.peer}'`);
    }
    this.received++;
    this.options.onMessage(message);
  }
}
