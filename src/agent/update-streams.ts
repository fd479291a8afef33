/**
 * Per-task status update streams — the pure decision half of reliable status updates
 * (mesos-api.md §3.2). Each task has a FIFO of updates; only its head is outstanding. The head
 * is sent at once, then re-sent with doubling backoff (min..max) until acknowledged by uuid;
 * the acknowledgement pops it and sends the next. Streams never wait on each other.
 *
 * Time enters as `nowMs`; the caller sends what each call returns and arms one timer for
 * `nextDeadlineMs()`. No I/O here, so the ordering rules are testable with plain numbers.
 */
import type { StatusUpdate } from './types.js';

export interface RetryPolicy {
  /** First retry delay (Mesos STATUS_UPDATE_RETRY_INTERVAL_MIN = 10 s). */
  minMs: number;
  /** Cap on the doubling delay (Mesos STATUS_UPDATE_RETRY_INTERVAL_MAX = 10 min). */
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { minMs: 10_000, maxMs: 600_000 };

interface Stream {
  queue: StatusUpdate[];
  /** When the head goes out again; null when the head has not been sent yet. */
  retryAtMs: number | null;
  delayMs: number;
}

export interface AckResult {
  /** The uuid matched the outstanding head of the task's stream. */
  accepted: boolean;
  toSend: StatusUpdate[];
}

export class UpdateStreams {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  /** Appends an update; returns it for sending when its stream had nothing outstanding. */
  enqueue(update: StatusUpdate, nowMs: number): StatusUpdate[] {
    const stream = this.streamOf(update.taskId);
    if (stream.queue.some((queued) => queued.uuid === update.uuid)) return [];
    stream.queue.push(update);
    return stream.queue.length === 1 ? [this.sendHead(stream, nowMs)] : [];
  }

  /** Acknowledges the head of a task's stream; a stale or unknown uuid changes nothing. */
  acknowledge(taskId: string, uuid: string, nowMs: number): AckResult {
    const stream = this.streams.get(taskId);
    if (!stream || stream.queue[0]?.uuid !== uuid) return { accepted: false, toSend: [] };
    stream.queue.shift();
    if (stream.queue.length === 0) {
      this.streams.delete(taskId);
      return { accepted: true, toSend: [] };
    }
    stream.delayMs = this.policy.minMs;
    return { accepted: true, toSend: [this.sendHead(stream, nowMs)] };
  }

  /** Heads whose retry time has come; each one's next delay doubles up to the cap. */
  due(nowMs: number): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const stream of this.streams.values()) {
      if (stream.retryAtMs === null || stream.retryAtMs > nowMs) continue;
      stream.delayMs = Math.min(stream.delayMs * 2, this.policy.maxMs);
      out.push(this.sendHead(stream, nowMs));
    }
    return out;
  }

  /** Every outstanding head, now (after (re)registration with a master); backoff restarts. */
  resendAll(nowMs: number): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const stream of this.streams.values()) {
      stream.delayMs = this.policy.minMs;
      out.push(this.sendHead(stream, nowMs));
    }
    return out;
  }

  /** The earliest retry time over all streams, or null when nothing is outstanding. */
  nextDeadlineMs(): number | null {
    let earliest: number | null = null;
    for (const stream of this.streams.values()) {
      if (stream.retryAtMs !== null && (earliest === null || stream.retryAtMs < earliest)) earliest = stream.retryAtMs;
    }
    return earliest;
  }

  /** All unacknowledged updates, per task in order. */
  pending(): StatusUpdate[] {
    return [...this.streams.values()].flatMap((stream) => stream.queue);
  }

  private streamOf(taskId: string): Stream {
    let stream = this.streams.get(taskId);
    if (!stream) {
      stream = { queue: [], retryAtMs: null, delayMs: this.policy.minMs };
      this.streams.set(taskId, stream);
    }
    return stream;
  }

  private sendHead(stream: Stream, nowMs: number): StatusUpdate {
    const head = stream.queue[0];
    if (!head) throw new Error('sendHead on an empty stream');
    stream.retryAtMs = nowMs + stream.delayMs;
    return head;
  }
}
