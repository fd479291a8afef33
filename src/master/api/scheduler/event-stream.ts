/**
 * The HTTP side of one subscription: a SchedulerSink that writes each event as its own chunked
 * RecordIO record (§0 C2) on a hijacked response. Events that arrive before the stream id is
 * known (the port hands SUBSCRIBED over before `subscribe` resolves) wait until `open`. A reader
 * that falls too far behind is cut off instead of growing memory without bound.
 */
import type { ServerResponse } from 'node:http';
import type { SchedulerSink, V1Event } from '../../leader/scheduler-port.js';
import { TurnCork } from '../../../lib/turn-cork.js';
import { encodeRecord } from './recordio.js';

/** Default cap on bytes queued for one slow reader before its subscription is dropped. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface EventStreamOptions {
  maxBufferedBytes?: number;
  /** Called once when the reader fell behind by more than maxBufferedBytes (the stream is then destroyed). */
  onOverflow?: () => void;
  /** Called once when the client went away before the port ended the stream. */
  onClientGone?: () => void;
  /** Called once when the port closed the sink (the stream ended cleanly). */
  onPortClosed?: (reason: string) => void;
}

export class HttpEventStream implements SchedulerSink {
  private pending: V1Event[] = [];
  private opened = false;
  private closedReason: string | null = null;
  private finished = false;
  private readonly cork: TurnCork;
  private readonly maxBufferedBytes: number;

  constructor(private readonly response: ServerResponse, private readonly options: EventStreamOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.cork = new TurnCork(response);
    response.on('close', () => {
      if (this.finished) return;
      this.finished = true;
      this.pending = [];
      if (this.closedReason === null) this.options.onClientGone?.();
    });
  }

  /** True once the port closed the sink or the connection went away. */
  get ended(): boolean {
    return this.finished || this.closedReason !== null;
  }

  /** Whether any event arrived before `open` (e.g. an ERROR for a refused SUBSCRIBE). */
  get hasPendingEvents(): boolean {
    return this.pending.length > 0;
  }

  backlogBytes(): number {
    return this.finished ? 0 : this.response.writableLength;
  }

  send(event: V1Event): void {
    if (this.ended) return;
    if (!this.opened) {
      this.pending.push(event);
      return;
    }
    this.write(event);
  }

  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.options.onPortClosed?.(reason);
    if (this.opened && !this.finished) this.end();
  }

  /** Writes the 200 head with the stream id, then every event received so far. */
  open(streamId: string | null): void {
    if (this.opened || this.finished) return;
    this.opened = true;
    const response = this.response;
    response.setHeader('Content-Type', 'application/json');
    response.setHeader('Cache-Control', 'no-cache');
    if (streamId !== null) response.setHeader('Mesos-Stream-Id', streamId);
    // Records go out as soon as they are written (no Nagle delay between small chunks).
    response.socket?.setNoDelay?.(true);
    response.writeHead(200);
    // Send the head now: a client waits for it before reading records.
    if (typeof response.flushHeaders === 'function') response.flushHeaders();
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.write(event);
    if (this.closedReason !== null && !this.finished) this.end();
  }

  private write(event: V1Event): void {
    if (this.finished) return;
    // One record per write: Node sends each write as its own HTTP chunk. The records of one
    // event-loop turn leave corked together, in one syscall.
    this.cork.hold();
    this.response.write(encodeRecord(event));
    if (this.response.writableLength > this.maxBufferedBytes) {
      this.finished = true;
      this.pending = [];
      this.options.onOverflow?.();
      this.response.destroy();
    }
  }

  private end(): void {
    this.finished = true;
    this.cork.flush();
    this.response.end();
  }
}
