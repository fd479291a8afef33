/**
 * The leader's deadline timers: one per pending machine deadline (framework failover timeouts,
 * agent re-register timeouts, registry expiry), keyed by the deadline's idempotency key so that
 * arming the same deadline twice is a no-op. When one fires, `fire` proposes the timeout event;
 * the machine's guard rejects it if the entity has moved on.
 */
import { deadlineKey } from '../../actors/effects.js';
import type { Deadline, EntityRef } from '../../actors/types.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';

/** setTimeout's largest delay; longer deadlines are re-armed in steps. */
const MAX_TIMER_MS = 2_147_000_000;

export class DeadlineTimers {
  private readonly armed = new Map<string, TimerHandle>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (entity: EntityRef, deadline: Deadline) => void,
  ) {}

  get size(): number {
    return this.armed.size;
  }

  arm(entity: EntityRef, deadline: Deadline): void {
    if (this.stopped) return;
    const key = deadlineKey(entity, deadline);
    if (this.armed.has(key)) return;
    this.schedule(key, entity, deadline);
  }

  private schedule(key: string, entity: EntityRef, deadline: Deadline): void {
    const delay = Math.max(0, deadline.atMs - this.clock.nowMs());
    const handle = this.clock.setTimer(Math.min(delay, MAX_TIMER_MS), () => {
      if (this.stopped) return;
      if (delay > MAX_TIMER_MS) {
        this.schedule(key, entity, deadline);
        return;
      }
      this.armed.delete(key);
      this.fire(entity, deadline);
    });
    this.armed.set(key, handle);
  }

  stop(): void {
    this.stopped = true;
    for (const handle of this.armed.values()) handle.cancel();
    this.armed.clear();
  }
}
