/**
 * ReadIndex requests awaiting leadership confirmation (Raft thesis §6.4).
 *
 * The leader records its commit index when a read arrives, then broadcasts a heartbeat carrying
 * the request's context. Once a quorum (itself included) has echoed that context, no other leader
 * can have committed anything newer, so the read may be served after applying through the
 * recorded index. An acknowledgement of a later request also confirms every earlier one: they
 * were registered before it.
 */
import type { NodeId, ReadState } from './types.js';

interface PendingRead {
  index: number;
  context: Uint8Array;
  acks: Set<NodeId>;
}

/** A stable string key for a request context (contexts are small opaque byte strings). */
export function contextKey(context: Uint8Array): string {
  let key = '';
  for (let k = 0; k < context.length; k++) key += String.fromCharCode(context[k]!);
  return key;
}

export class ReadIndexQueue {
  private readonly byKey = new Map<string, PendingRead>();
  private queue: string[] = [];

  /** Registers a read at commit index `index`; the leader acknowledges it for itself. */
  add(index: number, context: Uint8Array, self: NodeId): void {
    const key = contextKey(context);
    if (this.byKey.has(key)) return;
    this.byKey.set(key, { index, context, acks: new Set([self]) });
    this.queue.push(key);
  }

  /** Records `from`'s echo of `context`; returns who has acknowledged it (or null if unknown). */
  recordAck(from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | null {
    const pending = this.byKey.get(contextKey(context));
    if (pending === undefined) return null;
    pending.acks.add(from);
    return pending.acks;
  }

  /** Releases `context` and every request queued before it. */
  releaseThrough(context: Uint8Array): ReadState[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const released: ReadState[] = [];
    for (const k of this.queue.slice(0, at + 1)) {
      const pending = this.byKey.get(k)!;
      released.push({ index: pending.index, context: pending.context });
      this.byKey.delete(k);
    }
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  /** Context of the newest pending request (heartbeats carry it so lost rounds are retried). */
  lastContext(): Uint8Array | null {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? null : this.byKey.get(key)!.context;
  }

  size(): number {
    return this.queue.length;
  }
}
