/**
 * Reliable status updates (mesos-api.md §3.2). Goal: every update is checkpointed before it is
 * sent, per-task order holds with one outstanding update per task, retries back off by doubling
 * up to the cap, a stuck task never blocks another, and pending updates survive a restart.
 * Method: the pure UpdateStreams is driven with plain numbers (plus a fast-check property against
 * a simple model); the StatusUpdateManager runs on a ManualClock with an in-memory store whose
 * writes are logged next to the sends, so "saved before sent" is an ordering check.
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { UpdateStreams } from '../../../src/agent/update-streams.js';
import { StatusUpdateManager, type PendingUpdateStore } from '../../../src/agent/status-updates.js';
import type { StatusUpdate } from '../../../src/agent/types.js';
import { ManualClock } from '../../helpers/manual-clock.js';

let counter = 0;
function update(taskId: string, state: StatusUpdate['state'] = 'TASK_RUNNING'): StatusUpdate {
  counter += 1;
  return { uuid: `u${counter}`, taskId, frameworkId: 'f1', state, timestampMs: counter };
}

class MemoryPendingStore implements PendingUpdateStore {
  readonly saved = new Map<string, StatusUpdate>();
  constructor(private readonly log: string[] = []) {}
  async savePendingUpdate(u: StatusUpdate): Promise<void> {
    this.log.push(`save ${u.uuid}`);
    this.saved.set(u.uuid, u);
  }
  async deletePendingUpdate(_taskId: string, uuid: string): Promise<void> {
    this.log.push(`delete ${uuid}`);
    this.saved.delete(uuid);
  }
  async loadPendingUpdates(): Promise<StatusUpdate[]> {
    return [...this.saved.values()];
  }
}

describe('UpdateStreams (pure)', () => {
  it('sends only the head per task and the next one after its ack', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 100 });
    const a1 = update('a', 'TASK_STARTING');
    const a2 = update('a', 'TASK_RUNNING');
    expect(streams.enqueue(a1, 0)).toEqual([a1]);
    expect(streams.enqueue(a2, 0)).toEqual([]);
    expect(streams.acknowledge('a', a2.uuid, 1)).toEqual({ accepted: false, toSend: [], removed: [] });
    expect(streams.acknowledge('a', a1.uuid, 1)).toEqual({ accepted: true, toSend: [a2], removed: [a1] });
    expect(streams.acknowledge('a', a2.uuid, 2).accepted).toBe(true);
    expect(streams.pending()).toEqual([]);
    expect(streams.nextDeadlineMs()).toBeNull();
  });

  it('a terminal update goes out at once behind an unacknowledged head, and is retried after it', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 100 });
    const running = update('a', 'TASK_RUNNING');
    const finished = update('a', 'TASK_FINISHED');
    expect(streams.enqueue(running, 0)).toEqual([running]);
    expect(streams.enqueue(finished, 1)).toEqual([finished]);
    expect(streams.due(10)).toEqual([running, finished]);
    expect(streams.resendAll(11, new Set())).toEqual([running, finished]);
  });

  it('acknowledging the terminal update ends the stream: earlier unacknowledged updates are superseded', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 100 });
    const running = update('a', 'TASK_RUNNING');
    const finished = update('a', 'TASK_FINISHED');
    streams.enqueue(running, 0);
    streams.enqueue(finished, 0);
    expect(streams.acknowledge('a', finished.uuid, 1)).toEqual({ accepted: true, toSend: [], removed: [running, finished] });
    expect(streams.pending()).toEqual([]);
    expect(streams.nextDeadlineMs()).toBeNull();
  });

  it('acknowledging the head first leaves the terminal update outstanding without sending it twice', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 100 });
    const running = update('a', 'TASK_RUNNING');
    const finished = update('a', 'TASK_FINISHED');
    streams.enqueue(running, 0);
    streams.enqueue(finished, 0);
    expect(streams.acknowledge('a', running.uuid, 5)).toEqual({ accepted: true, toSend: [], removed: [running] });
    expect(streams.pending()).toEqual([finished]);
    expect(streams.due(15)).toEqual([finished]);
    expect(streams.acknowledge('a', finished.uuid, 16).accepted).toBe(true);
    expect(streams.pending()).toEqual([]);
  });

  it('retries with doubling delays capped at the maximum', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 50 });
    const a1 = update('a');
    streams.enqueue(a1, 0);
    const sendTimes: number[] = [];
    for (let now = 0; now <= 200; now++) if (streams.due(now).length > 0) sendTimes.push(now);
    expect(sendTimes).toEqual([10, 30, 70, 120, 170]);
  });

  it('after registering, heads the master has recorded are not re-sent now, but their retry restarts like the others', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 100 });
    const a1 = update('a');
    const b1 = update('b');
    streams.enqueue(a1, 0);
    streams.enqueue(b1, 0);
    expect(streams.due(10)).toEqual([a1, b1]);
    expect(streams.due(30)).toEqual([a1, b1]);
    // Backoff is at 40 ms now; a registration at 35 restarts it at 10 for both.
    expect(streams.resendAll(35, new Set([a1.uuid]))).toEqual([b1]);
    expect(streams.nextDeadlineMs()).toBe(45);
    expect(streams.due(45)).toEqual([a1, b1]);
  });

  it('a stuck task does not block another task', () => {
    const streams = new UpdateStreams({ minMs: 10, maxMs: 100 });
    streams.enqueue(update('stuck'), 0);
    const b1 = update('b');
    const b2 = update('b');
    expect(streams.enqueue(b1, 0)).toEqual([b1]);
    streams.enqueue(b2, 0);
    expect(streams.acknowledge('b', b1.uuid, 0).toSend).toEqual([b2]);
  });

  fcTest.prop([fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean()), { maxLength: 60 })], { numRuns: 200 })(
    'acknowledged order per task equals enqueue order; never two outstanding per task',
    (ops) => {
      const streams = new UpdateStreams({ minMs: 5, maxMs: 40 });
      const enqueued = new Map<string, string[]>();
      const acked = new Map<string, string[]>();
      const outstanding = new Map<string, string>();
      let now = 0;
      const observe = (sent: StatusUpdate[]) => {
        for (const s of sent) {
          const current = outstanding.get(s.taskId);
          expect(current === undefined || current === s.uuid).toBe(true);
          outstanding.set(s.taskId, s.uuid);
        }
      };
      for (const [taskId, ackInstead] of ops) {
        now += 3;
        observe(streams.due(now));
        const head = outstanding.get(taskId);
        if (ackInstead && head) {
          outstanding.delete(taskId);
          const result = streams.acknowledge(taskId, head, now);
          expect(result.accepted).toBe(true);
          acked.set(taskId, [...(acked.get(taskId) ?? []), head]);
          observe(result.toSend);
        } else {
          const u = update(taskId);
          enqueued.set(taskId, [...(enqueued.get(taskId) ?? []), u.uuid]);
          observe(streams.enqueue(u, now));
        }
      }
      for (const [taskId, uuids] of acked) expect(uuids).toEqual(enqueued.get(taskId)?.slice(0, uuids.length));
    },
  );
});

describe('StatusUpdateManager (shell, ManualClock)', () => {
  it('checkpoints each update before sending it and deletes it on ack', async () => {
    const log: string[] = [];
    const store = new MemoryPendingStore(log);
    const clock = new ManualClock();
    const manager = new StatusUpdateManager({ sink: { send: (u) => log.push(`send ${u.uuid}`) }, store, clock, retry: { minMs: 100, maxMs: 1000 } });
    const u1 = update('t');
    await manager.update(u1);
    expect(log).toEqual([`save ${u1.uuid}`, `send ${u1.uuid}`]);
    expect(await manager.acknowledge('t', u1.uuid)).toBe(true);
    expect(log.at(-1)).toBe(`delete ${u1.uuid}`);
    expect(store.saved.size).toBe(0);
    manager.stop();
  });

  it('re-sends on the fake clock until acknowledged, then stops', async () => {
    const sent: string[] = [];
    const clock = new ManualClock();
    const manager = new StatusUpdateManager({ sink: { send: (u) => sent.push(u.uuid) }, store: new MemoryPendingStore(), clock, retry: { minMs: 100, maxMs: 400 } });
    const u1 = update('t');
    await manager.update(u1);
    clock.advance(99);
    expect(sent).toHaveLength(1);
    clock.advance(1);
    expect(sent).toHaveLength(2);
    clock.advance(200);
    expect(sent).toHaveLength(3);
    await manager.acknowledge('t', u1.uuid);
    clock.advance(10_000);
    expect(sent).toHaveLength(3);
    manager.stop();
  });

  it('after a restart, pending updates are re-sent in order (a terminal one right behind its head)', async () => {
    const store = new MemoryPendingStore();
    const clock = new ManualClock();
    const first = new StatusUpdateManager({ sink: { send: () => {} }, store, clock, retry: { minMs: 100, maxMs: 400 } });
    const [r, f, other] = [update('t', 'TASK_RUNNING'), update('t', 'TASK_FINISHED'), update('o', 'TASK_RUNNING')];
    for (const u of [r, f, other]) await first.update(u);
    first.stop(); // the "crash": nothing was acknowledged

    const sent: string[] = [];
    const second = new StatusUpdateManager({ sink: { send: (u) => sent.push(u.uuid) }, store, clock, retry: { minMs: 100, maxMs: 400 } });
    expect(await second.recover()).toBe(3);
    expect(sent).toEqual([r.uuid, f.uuid, other.uuid]);
    await second.acknowledge('t', r.uuid);
    expect(sent).toEqual([r.uuid, f.uuid, other.uuid]);
    second.resendAll();
    expect(sent.slice(3).sort()).toEqual([f.uuid, other.uuid].sort());
    await second.acknowledge('t', f.uuid);
    expect(store.saved.has(f.uuid)).toBe(false);
    second.stop();
  });
});
