/**
 * advance(ready, index): the shell applies a prefix of the committed entries and takes the rest
 * from the next Ready (the driver does so to keep each event-loop turn short). Goal: nothing is
 * skipped or applied twice, order holds, and a membership change takes effect only once it is
 * applied. Method: the hand-driven harness with `applyAtMost` set.
 */
import { describe, expect, it } from 'vitest';
import { Net } from './harness.js';

const voters = ['1', '2', '3'];

/** Ready/deliver rounds without waiting for quiet (a node holding unapplied entries never is). */
function rounds(net: Net, count: number): void {
  for (let i = 0; i < count; i++) {
    for (const id of voters) net.processReady(id);
    net.deliverAll();
  }
}

describe('partial apply', () => {
  it('one entry per Ready still applies every entry once, in order, on every node', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.applyAtMost = 1;
    const proposed = Array.from({ length: 12 }, (_, i) => `cmd-${i}`);
    for (const text of proposed) net.propose('1', text);
    net.stabilize();
    for (const id of voters) expect(net.applied.get(id)).toEqual(proposed);
    for (const id of voters) expect(net.core(id).status().appliedIndex).toBe(net.core('1').status().commitIndex);
  });

  it('the rest of the committed entries comes back in the next Ready', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.applyAtMost = 0;
    for (const text of ['a', 'b', 'c']) net.propose('1', text);
    rounds(net, 6);
    const leader = net.core('1');
    const applied = leader.status().appliedIndex;
    expect(leader.status().commitIndex).toBe(applied + 3);
    const ready = leader.ready();
    expect(ready.committedEntries.map((e) => e.index)).toEqual([applied + 1, applied + 2, applied + 3]);
    leader.advance(ready, applied + 1);
    expect(leader.ready().committedEntries.map((e) => e.index)).toEqual([applied + 2, applied + 3]);
  });

  it('a committed membership change takes effect only when applied', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.applyAtMost = 0;
    expect(net.core('1').proposeConfChange({ type: 'addLearner', nodeId: '4' }).ok).toBe(true);
    rounds(net, 6);
    expect(net.core('1').status().commitIndex).toBeGreaterThan(net.core('1').status().appliedIndex);
    expect(net.core('1').status().conf.learners).toEqual([]);
    net.applyAtMost = Number.POSITIVE_INFINITY;
    net.tickAll(1);
    net.stabilize();
    expect(net.core('1').status().conf.learners).toEqual(['4']);
  });
});
