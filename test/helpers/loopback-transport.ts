/**
 * An in-process Transport hub for driver tests: messages are delivered on a later turn (never
 * synchronously, like a socket), links can be cut, and a cut link to a node reports it down.
 */
import { decode, encode } from '../../src/lib/codec.js';
import type { Message, NodeId } from '../../src/raft/core/types.js';
import type { Transport } from '../../src/raft/transport/transport.js';

export class LoopbackHub {
  private readonly endpoints = new Map<NodeId, LoopbackTransport>();
  private readonly cut = new Set<string>();

  connect(id: NodeId): LoopbackTransport {
    const transport = new LoopbackTransport(id, this);
    this.endpoints.set(id, transport);
    return transport;
  }

  /** Isolates `id` from everyone (both directions) and reports it down to the others. */
  isolate(id: NodeId): void {
    for (const other of this.endpoints.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
      this.endpoints.get(other)?.peerDown(id);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  deliver(message: Message): void {
    if (this.cut.has(`${message.from}>${message.to}`)) return;
    const target = this.endpoints.get(message.to);
    if (!target) return;
    // Round-trip through the codec so tests see exactly what a socket would carry.
    const copy = decode<Message>(encode(message));
    setImmediate(() => target.receive(copy));
  }

  disconnect(id: NodeId): void {
    this.endpoints.delete(id);
    for (const other of this.endpoints.values()) other.peerDown(id);
  }
}

export class LoopbackTransport implements Transport {
  private messageHandler: (message: Message) => void = () => undefined;
  private downHandler: (peer: NodeId) => void = () => undefined;
  private closed = false;

  constructor(
    readonly id: NodeId,
    private readonly hub: LoopbackHub,
  ) {}

  send(message: Message): void {
    if (!this.closed) this.hub.deliver(message);
  }
  onMessage(handler: (message: Message) => void): void {
    this.messageHandler = handler;
  }
  onPeerDown(handler: (peer: NodeId) => void): void {
    this.downHandler = handler;
  }
  setPeer(): void {}
  removePeer(): void {}
  async close(): Promise<void> {
    this.closed = true;
    this.hub.disconnect(this.id);
  }
  receive(message: Message): void {
    if (!this.closed) this.messageHandler(message);
  }
  peerDown(peer: NodeId): void {
    if (!this.closed) this.downHandler(peer);
  }
}
