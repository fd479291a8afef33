/**
 * Goal: the per-peer send queue never exceeds its bounds, sheds appends/heartbeats before votes
 * and snapshots, and the reconnect backoff stays within its policy. Method: fast-check pushes
 * random message sequences and checks the bounds and the drop accounting after every push;
 * examples pin the eviction order and the backoff ranges.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../../src/lib/rng.js';
import type { MessageType } from '../../../../src/raft/core/types.js';
import { reconnectDelayMs } from '../../../../src/raft/transport/backoff.js';
import { isEssential, SendQueue, type QueuedMessage } from '../../../../src/raft/transport/send-queue.js';

const item = (type: MessageType, bytes: number): QueuedMessage => ({ type, bytes, parts: [Buffer.alloc(bytes)] });
const typeArb = fc.constantFrom<MessageType>('app', 'heartbeat', 'appResp', 'vote', 'snap', 'timeoutNow');

describe('SendQueue', () => {
  it('holds its byte and count bounds and accounts for every message', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(typeArb, fc.integer({ min: 1, max: 500 })), { maxLength: 200 }), fc.integer({ min: 100, max: 2000 }), fc.integer({ min: 1, max: 30 }), (pushes, maxBytes, maxMessages) => {
        const queue = new SendQueue(maxBytes, maxMessages);
        let dropped = 0;
        for (const [type, bytes] of pushes) {
          dropped += queue.push(item(type, bytes));
          expect(queue.length).toBeLessThanOrEqual(maxMessages);
          if (queue.length > 1) expect(queue.bytes).toBeLessThanOrEqual(maxBytes);
        }
        expect(queue.length + dropped).toBe(pushes.length);
        const remaining = queue.takeAll();
        expect(remaining.reduce((sum, m) => sum + m.bytes, 0)).toBeLessThanOrEqual(Math.max(maxBytes, remaining[0]?.bytes ?? 0));
        expect(queue.bytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('drops the oldest non-essential message first', () => {
    const queue = new SendQueue(1_000, 3);
    queue.push(item('vote', 10));
    queue.push(item('app', 10));
    queue.push(item('heartbeat', 10));
    expect(queue.push(item('snap', 10))).toBe(1);
    expect(queue.takeAll().map((m) => m.type)).toEqual(['vote', 'heartbeat', 'snap']);
  });

  it('keeps a single message bigger than the byte bound, alone', () => {
    const queue = new SendQueue(100, 10);
    queue.push(item('app', 50));
    expect(queue.push(item('snap', 5_000))).toBe(1);
    expect(queue.takeAll().map((m) => m.type)).toEqual(['snap']);
    expect(isEssential('snap') && !isEssential('app')).toBe(true);
  });
});

describe('reconnectDelayMs', () => {
  const policy = { baseMs: 20, maxMs: 1_000 };
  it('is fast on the first attempt and capped later', () => {
    const rng = new SeededRng(7);
    for (let i = 0; i < 200; i++) {
      const first = reconnectDelayMs(0, policy, rng);
      expect(first).toBeGreaterThanOrEqual(10);
      expect(first).toBeLessThanOrEqual(20);
      const late = reconnectDelayMs(40, policy, rng);
      expect(late).toBeGreaterThanOrEqual(500);
      expect(late).toBeLessThanOrEqual(1_000);
    }
    expect(reconnectDelayMs(3, policy, { next: () => 0.999, int: () => 0 })).toBeCloseTo(160, 0);
  });
});
