/**
 * Message transport between replicas. Sends never block and never throw: a message to an
 * unreachable peer or beyond the bounded queue is dropped (Raft retransmits). Inbound messages
 * arrive through `onMessage`; `onPeerDown` reports a lost connection (the driver tells the core,
 * which uses it to notice a crashed leader faster than an election timeout).
 */
import type { Message, NodeId } from '../core/types.js';

export interface Transport {
  send(message: Message): void;
  onMessage(handler: (message: Message) => void): void;
  onPeerDown(handler: (peer: NodeId) => void): void;
  /** Adds or replaces a peer's address (membership changes). */
  setPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  close(): Promise<void>;
}
