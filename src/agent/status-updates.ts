/**
 * The status update manager: the shell around UpdateStreams. An update is checkpointed BEFORE
 * it is sent (a crash after sending must not lose it), sent through the injected sink, re-sent
 * on one timer until acknowledged, and forgotten (checkpoint deleted) only on acknowledgement.
 * After a restart `recover()` reloads the pending updates and sends every stream's head again.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { StatusUpdate } from './types.js';
import { DEFAULT_RETRY_POLICY, UpdateStreams, type RetryPolicy } from './update-streams.js';

const NONE: ReadonlySet<string> = new Set();

/** Where updates go (the master connection, later). Fire-and-forget: the ack comes separately. */
export interface StatusUpdateSink {
  send(update: StatusUpdate): void;
}

/** Durable storage for unacknowledged updates (the checkpoint store implements it). */
export interface PendingUpdateStore {
  savePendingUpdate(update: StatusUpdate): Promise<void>;
  deletePendingUpdate(taskId: string, uuid: string): Promise<void>;
  /** Pending updates in the order they were saved. */
  loadPendingUpdates(): Promise<StatusUpdate[]>;
}

export interface StatusUpdateManagerOptions {
  sink: StatusUpdateSink;
  store: PendingUpdateStore;
  clock: Clock;
  retry?: RetryPolicy;
}

export class StatusUpdateManager {
  private readonly streams: UpdateStreams;
  private timer: TimerHandle | null = null;
  private timerAtMs: number | null = null;
  private stopped = false;

  constructor(private readonly options: StatusUpdateManagerOptions) {
    this.streams = new UpdateStreams(options.retry ?? DEFAULT_RETRY_POLICY);
  }

  /** Reloads checkpointed updates (after a restart) and sends each stream's head. */
  async recover(): Promise<number> {
    const pending = await this.options.store.loadPendingUpdates();
    for (const update of pending) this.dispatch(this.streams.enqueue(update, this.now()));
    return pending.length;
  }

  /** Checkpoints the update, then queues it; resolves once it is durable. */
  async update(update: StatusUpdate): Promise<void> {
    await this.options.store.savePendingUpdate(update);
    this.dispatch(this.streams.enqueue(update, this.now()));
  }

  /** The master acknowledged `uuid`; returns false for a stale or unknown uuid. */
  async acknowledge(taskId: string, uuid: string): Promise<boolean> {
    const result = this.streams.acknowledge(taskId, uuid, this.now());
    if (!result.accepted) return false;
    for (const removed of result.removed) await this.options.store.deletePendingUpdate(taskId, removed.uuid);
    this.dispatch(result.toSend);
    return true;
  }

  /** Re-sends every outstanding head now (after registering with a new master), except those
   * the master has `recorded` (their retry timers restart all the same). */
  resendAll(recorded: ReadonlySet<string> = NONE): void {
    this.dispatch(this.streams.resendAll(this.now(), recorded));
  }

  /** Unacknowledged updates, per task in order. */
  pending(): StatusUpdate[] {
    return this.streams.pending();
  }

  /** Cancels the retry timer; pending updates stay checkpointed. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private dispatch(updates: StatusUpdate[]): void {
    if (this.stopped) return;
    for (const update of updates) this.options.sink.send(update);
    this.armTimer();
  }

  private armTimer(): void {
    const deadline = this.streams.nextDeadlineMs();
    if (deadline === this.timerAtMs) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAtMs = deadline;
    if (deadline === null) return;
    this.timer = this.options.clock.setTimer(Math.max(0, deadline - this.now()), () => {
      this.timer = null;
      this.timerAtMs = null;
      this.dispatch(this.streams.due(this.now()));
    });
  }

  private now(): number {
    return this.options.clock.monotonicMs();
  }
}
