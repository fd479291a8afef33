/**
 * Goal: callers waiting on the log are always answered — with the apply result, with "replaced
 * by a later leader", with a timeout, or with leadership loss — and reads resolve only once
 * their ReadIndex round is confirmed and apply has caught up.
 * Method: drive PendingProposals / PendingReads with a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { LeadershipLostError, TimeoutError } from '../../../src/lib/errors.js';
import { PendingProposals, PendingReads } from '../../../src/raft/pending.js';
import { ManualClock } from '../../helpers/manual-clock.js';

describe('pending proposals', () => {
  it('resolves with the result when the same term is applied', async () => {
    const pending = new PendingProposals(new ManualClock());
    const waiting = pending.wait(5, 2, 1000);
    pending.applied(5, 2, 'done');
    await expect(waiting).resolves.toBe('done');
    expect(pending.size).toBe(0);
  });

  it('rejects when a later leader replaced the entry', async () => {
    const pending = new PendingProposals(new ManualClock());
    const waiting = pending.wait(5, 2, 1000);
    pending.applied(5, 3, null);
    await expect(waiting).rejects.toBeInstanceOf(LeadershipLostError);
  });

  it('times out', async () => {
    const clock = new ManualClock();
    const pending = new PendingProposals(clock);
    const waiting = pending.wait(1, 1, 100);
    clock.advance(100);
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects everyone on leadership loss', async () => {
    const pending = new PendingProposals(new ManualClock());
    const all = [pending.wait(1, 1, 100), pending.wait(2, 1, 100)];
    pending.rejectAll('lost it');
    for (const p of all) await expect(p).rejects.toThrow(/lost it/);
  });
});

describe('pending reads', () => {
  it('batches queued reads into one round and resolves after apply reaches the read index', async () => {
    const reads = new PendingReads(new ManualClock());
    let done = 0;
    const a = reads.enqueue(1000).then(() => done++);
    const b = reads.enqueue(1000).then(() => done++);
    const context = reads.startRound()!;
    expect(reads.startRound()).toBeNull();
    reads.confirmed(context, 10, 9);
    await Promise.resolve();
    expect(done).toBe(0);
    reads.appliedTo(10);
    await Promise.all([a, b]);
    expect(done).toBe(2);
  });

  it('times out a read that is never confirmed', async () => {
    const clock = new ManualClock();
    const reads = new PendingReads(clock);
    const waiting = reads.enqueue(50);
    reads.startRound();
    clock.advance(50);
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
  });
});
