/**
 * ReadIndex (thesis §6.4) and leadership transfer (§3.10). Method: the harness delivers
 * messages by hand, so a test can hold back heartbeat answers or appends and check that a read
 * is released only after a quorum confirmed leadership and after the leader committed an entry
 * of its term; and that a transfer hands over leadership, refuses proposals meanwhile, and is
 * abandoned after an election timeout.
 */
import { describe, expect, it } from 'vitest';
import { Net, enc, dec, messagesOf } from './harness.js';

const voters = ['1', '2', '3'];

function readContexts(net: Net, id: string): string[] {
  return net.readStates.get(id)!.map((s) => dec(s.context));
}

describe('ReadIndex', () => {
  it('waits for a quorum of heartbeat acknowledgements', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    const commit = net.core('1').status().commitIndex;
    net.drop = (m) => m.type === 'heartbeatResp';
    expect(net.core('1').readIndex(enc('r1'))).toBe(true);
    net.stabilize();
    expect(readContexts(net, '1')).toEqual([]);
    net.heal();
    net.tickAll(1);
    expect(readContexts(net, '1')).toEqual(['r1']);
    expect(net.readStates.get('1')![0]!.index).toBe(commit);
  });

  it('waits for the leader to commit an entry of its term', () => {
    const net = new Net(voters);
    net.drop = (m) => m.type === 'app';
    net.elect('1');
    expect(net.core('1').readIndex(enc('early'))).toBe(true);
    net.stabilize();
    net.tickAll(2);
    expect(readContexts(net, '1')).toEqual([]);
    net.heal();
    net.tickAll(3);
    expect(readContexts(net, '1')).toEqual(['early']);
    // The read index covers the no-op of the new term.
    const state = net.readStates.get('1')![0]!;
    expect(state.index).toBeGreaterThanOrEqual(net.stores.get('1')!.entries.findLast((e) => e.data.length === 0)!.index);
  });

  it('a later acknowledgement releases earlier reads too, in order', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.drop = (m) => m.type === 'heartbeatResp';
    net.core('1').readIndex(enc('a'));
    net.core('1').readIndex(enc('b'));
    net.stabilize();
    net.heal();
    net.tickAll(1);
    expect(readContexts(net, '1')).toEqual(['a', 'b']);
  });

  it('a single-voter cluster answers at once', () => {
    const net = new Net(['1']);
    net.elect('1');
    net.core('1').readIndex(enc('solo'));
    net.processReady('1');
    expect(readContexts(net, '1')).toEqual(['solo']);
  });

  it('a follower refuses', () => {
    const net = new Net(voters);
    net.elect('1');
    expect(net.core('2').readIndex(enc('x'))).toBe(false);
  });
});

describe('leadership transfer', () => {
  it('hands leadership to an up-to-date follower through timeoutNow', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    const term = net.core('1').status().term;
    expect(net.core('1').transferLeadership('2')).toBe(true);
    net.stabilize();
    expect(messagesOf(net.sent, 'timeoutNow', '1', '2')).toHaveLength(1);
    expect(net.leaders()).toEqual(['2']);
    expect(net.core('2').status().term).toBe(term + 1);
  });

  it('catches a lagging target up first', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.isolate('3');
    for (let k = 0; k < 5; k++) net.propose('1', `p${k}`);
    net.stabilize();
    net.heal();
    expect(net.core('1').transferLeadership('3')).toBe(true);
    net.stabilize();
    expect(net.leaders()).toEqual(['3']);
    expect(net.applied.get('3')).toHaveLength(5);
  });

  it('refuses proposals while transferring and gives up after an election timeout', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.drop = (m) => m.to === '2' || m.from === '2';
    expect(net.core('1').transferLeadership('2')).toBe(true);
    expect(net.core('1').propose(enc('x'))).toMatchObject({ ok: false, reason: 'transferring' });
    net.tickAll(10);
    expect(net.leaders()).toEqual(['1']);
    expect(net.core('1').propose(enc('x')).ok).toBe(true);
  });
});
