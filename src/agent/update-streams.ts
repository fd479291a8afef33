/**
 * Per-task status update streams — the pure decision half of reliable status updates
 * (mesos-api.md §3.2). Each task has a FIFO of updates; only its head is outstanding. The head
 * is sent at once, then re-sent with doubling backoff (min..max) until acknowledged by uuid;
 * the acknowledgement pops it and sends the next. Streams never wait on each other.
 *
 * One exception, the terminal update: it goes out at once even while earlier updates of its
 * task await their acknowledgement (and is retried right after the head), so a framework that
 * never acknowledges TASK_RUNNING still learns how the task ended — Mesos conveys the same
 * through `latest_state`. Per-task order on first delivery holds (head first, then terminal).
 * Acknowledging the terminal update ends the stream: the earlier updates are superseded by the
 * final state the framework has confirmed, and are dropped rather than retried.
 *
 * Time enters as `nowMs`; the caller sends what each call returns and arms one timer for
 * `nextDeadlineMs()`. No I/O here, so the ordering rules are testable with plain numbers.
 */
import { isTerminalTaskState } from '../actors/task-state.js';
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
  /** uuid of a terminal update already sent ahead of the head, if any. */
  ahead: string | null;
}

export interface AckResult {
  /** The uuid matched an outstanding update (the head, or a terminal update sent ahead). */
  accepted: boolean;
  toSend: StatusUpdate[];
  /** Updates that left the stream (the acknowledged one and any it superseded). */
  removed: StatusUpdate[];
}

export class UpdateStreams {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  /** Appends an update; returns it for sending when its stream had nothing outstanding. */
  enqueue(update: StatusUpdate, nowMs: number): StatusUpdate[] {
    const stream = this.streamOf(update.taskId);
    if (stream.queue.some((queued) => queued.uuid === update.uuid)) return [];
    stream.queue.push(update);
    if (stream.queue.length === 1) return [this.sendHead(stream, nowMs)];
    if (stream.ahead === null && isTerminalTaskState(update.state)) {
      stream.ahead = update.uuid;
      return [update];
    }
    return [];
  }

  /** Acknowledges the head of a task's stream, or the terminal update sent ahead of it (which
   * supersedes everything before it); a stale or unknown uuid changes nothing. */
  acknowledge(taskId: string, uuid: string, nowMs: number): AckResult {
    const stream = this.streams.get(taskId);
    if (!stream) return { accepted: false, toSend: [], removed: [] };
    let removed: StatusUpdate[];
    if (stream.ahead === uuid) {
      const at = stream.queue.findIndex((queued) => queued.uuid === uuid);
      removed = stream.queue.splice(0, at + 1);
      stream.ahead = null;
    } else if (stream.queue[0]?.uuid === uuid) {
      removed = stream.queue.splice(0, 1);
    } else {
      return { accepted: false, toSend: [], removed: [] };
    }
    if (stream.queue.length === 0) {
      this.streams.delete(taskId);
      return { accepted: true, toSend: [], removed };
    }
    stream.delayMs = this.policy.minMs;
    const head = this.sendHead(stream, nowMs);
    // The terminal update sent ahead is now the head: it is already out, only its retry re-arms.
    if (stream.ahead === head.uuid) {
      stream.ahead = null;
      return { accepted: true, toSend: [], removed };
    }
    return { accepted: true, toSend: [head], removed };
  }

  /** Heads whose retry time has come; each one's next delay doubles up to the cap. */
  due(nowMs: number): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const stream of this.streams.values()) {
      if (stream.retryAtMs === null || stream.retryAtMs > nowMs) continue;
      stream.delayMs = Math.min(stream.delayMs * 2, this.policy.maxMs);
      out.push(...this.outstanding(stream, nowMs));
    }
    return out;
  }

  /**
   * Every outstanding head, now (after (re)registration with a master); backoff restarts. Those
   * in `skip` (the master has them and nobody to relay them to) are not returned, but their retry
   * is re-armed as if they had been sent.
   */
  resendAll(nowMs: number, skip: ReadonlySet<string>): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const stream of this.streams.values()) {
      stream.delayMs = this.policy.minMs;
      for (const update of this.outstanding(stream, nowMs)) if (!skip.has(update.uuid)) out.push(update);
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
      stream = { queue: [], retryAtMs: null, delayMs: this.policy.minMs, ahead: null };
      this.streams.set(taskId, stream);
    }
    return stream;
  }

  /** The head, then the terminal update sent ahead of it (if any), in per-task order. */
  private outstanding(stream: Stream, nowMs: number): StatusUpdate[] {
    const head = this.sendHead(stream, nowMs);
    const ahead = stream.ahead === null ? undefined : stream.queue.find((queued) => queued.uuid === stream.ahead);
    return ahead && ahead !== head ? [head, ahead] : [head];
  }

  private sendHead(stream: Stream, nowMs: number): StatusUpdate {
    const head = stream.queue[0];
    if (!head) throw new Error('sendHead on an empty stream');
    stream.retryAtMs = nowMs + stream.delayMs;
    return head;
  }
}
