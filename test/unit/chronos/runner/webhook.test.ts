import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../../../src/lib/clock.js';
import { silentLogger } from '../../../../src/lib/log.js';
import { WebhookNotifier } from '../../../../src/chronos/runner/webhook.js';

class ManualClock implements Clock {
  timers: Array<{ at: number; fn: () => void }> = [];
  now = 0;
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { at: this.now + delayMs, fn };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }
  fireAll(): void {
    const due = this.timers;
    this.timers = [];
    for (const t of due) t.fn();
  }
}

const settle = () => new Promise((r) => setImmediate(r));
const job = { name: 'nightly', command: 'false', owner: 'ops@example.com', retries: 2, errorCount: 1 };

describe('webhook notifications', () => {
  it('POSTs flat JSON once per key, retrying with doubling back-off until it is accepted', async () => {
    const clock = new ManualClock();
    const bodies: unknown[] = [];
    let answers = [500, 503, 200];
    const fakeFetch = (async (_url: string, init: { body: string }) => {
      bodies.push(JSON.parse(init.body));
      const status = answers[0]!;
      answers = answers.slice(1);
      return { ok: status < 300, status } as Response;
    }) as unknown as typeof fetch;
    const notifier = new WebhookNotifier({ url: 'http://hooks.test/x', clock, logger: silentLogger(), fetch: fakeFetch, backoffMs: 100 });
    notifier.notify('run-1:failed', 'failed', job, 'exit 1');
    notifier.notify('run-1:failed', 'failed', job, 'exit 1');
    await settle();
    expect(bodies).toHaveLength(1);
    expect(clock.timers.map((t) => t.at)).toEqual([100]);
    clock.fireAll();
    await settle();
    expect(clock.timers.map((t) => t.at)).toEqual([200]);
    clock.fireAll();
    await settle();
    expect(bodies).toHaveLength(3);
    expect(clock.timers).toEqual([]);
    expect(bodies[0]).toMatchObject({ subject: "job 'nightly' failed!", message: 'exit 1', to: 'ops@example.com', job: 'nightly', kind: 'failed' });
  });

  it('does nothing without a URL', async () => {
    let called = false;
    const notifier = new WebhookNotifier({ url: null, clock: new ManualClock(), logger: silentLogger(), fetch: (async () => ((called = true), { ok: true })) as unknown as typeof fetch });
    notifier.notify('k', 'deleted', job, '');
    await settle();
    expect(called).toBe(false);
  });
});
