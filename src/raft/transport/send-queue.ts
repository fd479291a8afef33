/**
 * The bounded per-peer send queue (by bytes and by count). When full it drops the oldest
 * non-essential message: appends and heartbeats are retransmitted by Raft anyway and a newer
 * one supersedes an older one, while votes, snapshots and timeoutNow are rare and costly to lose.
 * A single message larger than the byte bound is still accepted when it is alone, so a big
 * snapshot can always go out.
 */
import type { MessageType } from '../core/types.js';

export interface QueuedMessage {
  type: MessageType;
  /** Frame parts, written back to back. */
  parts: Buffer[];
  bytes: number;
}

const essentialTypes = new Set<MessageType>(['snap', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'timeoutNow']);

export function isEssential(type: MessageType): boolean {
  return essentialTypes.has(type);
}

export class SendQueue {
  private items: QueuedMessage[] = [];
  private queuedBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxMessages: number,
  ) {}

  /** Adds a message, evicting as needed; returns how many messages were dropped (possibly this one). */
  push(item: QueuedMessage): number {
    this.items.push(item);
    this.queuedBytes += item.bytes;
    let dropped = 0;
    while (this.items.length > 1 && (this.queuedBytes > this.maxBytes || this.items.length > this.maxMessages)) {
      this.removeAt(this.victimIndex());
      dropped++;
    }
    return dropped;
  }

  /** Removes and returns everything queued, oldest first. */
  takeAll(): QueuedMessage[] {
    const items = this.items;
    this.items = [];
    this.queuedBytes = 0;
    return items;
  }

  /** Drops everything; returns how many messages were discarded. */
  clear(): number {
    return this.takeAll().length;
  }

  get length(): number {
    return this.items.length;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** The oldest non-essential message, else the oldest message. */
  private victimIndex(): number {
    const index = this.items.findIndex((item) => !isEssential(item.type));
    return index >= 0 ? index : 0;
  }

  private removeAt(index: number): void {
    const [removed] = this.items.splice(index, 1);
    this.queuedBytes -= removed!.bytes;
  }
}
