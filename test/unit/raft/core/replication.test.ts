/**
 * Log replication (Raft §5.3, §5.4): log matching and truncation of conflicting suffixes, fast
 * backtracking, the Figure 8 commit rule, batching of proposals and the in-flight window.
 * Method: hand-made logs loaded into the harness, a campaign, then message-by-message checks of
 * what the leader sends and of the logs every node ends up persisting.
 */
import { describe, expect, it } from 'vitest';
import { makeMessage } from '../../../../src/raft/core/messages.js';
import { Net, enc, messagesOf, storeWithLog } from './harness.js';

const voters = ['1', '2', '3'];

function storedTerms(net: Net, id: string): number[] {
  return net.stores.get(id)!.entries.map((e) => e.term);
}

describe('log matching', () => {
  it('a follower truncates its conflicting uncommitted suffix and ends up with the leader log', () => {
    const net = new Net(voters, { preVote: false });
    net.load('1', storeWithLog(voters, [2, 2, 4], 4));
    net.load('2', storeWithLog(voters, [2, 3, 3, 3], 3));
    net.load('3', storeWithLog(voters, [2, 2], 4));
    net.elect('1');
    net.tickAll(3);
    const leaderLog = storedTerms(net, '1');
    expect(leaderLog.slice(3)).toEqual([2, 2, 4, 5]);
    expect(storedTerms(net, '2')).toEqual(leaderLog);
    expect(storedTerms(net, '3')).toEqual(leaderLog);
    for (const id of voters) expect(net.core(id).status().commitIndex).toBe(7);
  });

  it('an append whose previous entry does not match is rejected with a hint', () => {
    const net = new Net(voters);
    net.load('2', storeWithLog(voters, [2, 3, 3], 3));
    net.core('2').step(makeMessage({ type: 'app', from: '1', to: '2', term: 5, index: 6, logTerm: 4 }));
    const ready = net.core('2').ready();
    const [answer] = messagesOf(ready.messagesAfterPersist, 'appResp');
    expect(answer).toMatchObject({ reject: true, index: 6, rejectHint: 6, logTerm: 3 });
  });
});

describe('fast backtracking', () => {
  it('skips a whole conflicting term per round trip', () => {
    const long = 100;
    const net = new Net(voters);
    net.load('1', storeWithLog(voters, [2, ...Array<number>(long).fill(4)], 4));
    net.load('2', storeWithLog(voters, [2, ...Array<number>(long).fill(3)], 3));
    net.load('3', storeWithLog(voters, [2], 4));
    net.elect('1');
    net.tickAll(3);
    expect(storedTerms(net, '2')).toEqual(storedTerms(net, '1'));
    // One probe is rejected, the retry lands after the last common entry; no walking back by one.
    const appendsTo2 = messagesOf(net.sent, 'app', '1', '2').filter((m) => m.entries.length > 0 || m.index < 104);
    expect(appendsTo2.length).toBeLessThanOrEqual(3);
    const rejections = messagesOf(net.sent, 'appResp', '2', '1').filter((m) => m.reject);
    expect(rejections).toHaveLength(1);
  });
});

describe('Figure 8 commit rule', () => {
  it('an entry of an earlier term is not committed by counting replicas, only via one of the current term', () => {
    const net = new Net(voters, { preVote: false });
    net.load('1', storeWithLog(voters, [2], 2));
    net.load('2', storeWithLog(voters, [2], 2));
    net.load('3', storeWithLog(voters, [], 2));
    // Let votes through but no appends, so the test controls every acknowledgement.
    net.drop = (m) => m.type === 'app' || m.type === 'heartbeat';
    net.elect('1');
    net.processReady('1');
    const leader = net.core('1');
    expect(leader.status().lastIndex).toBe(5); // 4 = old entry of term 2, 5 = the no-op of term 3
    const term = leader.status().term;
    leader.step(makeMessage({ type: 'appResp', from: '2', to: '1', term, index: 4 }));
    net.processReady('1');
    // Entry 4 is on a majority (1 and 2) but is of term 2: not committed.
    expect(leader.status().commitIndex).toBe(3);
    leader.step(makeMessage({ type: 'appResp', from: '2', to: '1', term, index: 5 }));
    net.processReady('1');
    expect(leader.status().commitIndex).toBe(5);
  });
});

describe('batching', () => {
  it('10 proposals in one turn become one append per follower', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    for (let k = 0; k < 10; k++) net.propose('1', `p${k}`);
    const ready = net.core('1').ready();
    expect(ready.entries).toHaveLength(10);
    for (const follower of ['2', '3']) {
      const appends = messagesOf(ready.messages, 'app', '1', follower);
      expect(appends).toHaveLength(1);
      expect(appends[0]!.entries.map((e) => e.data)).toEqual(ready.entries.map((e) => e.data));
    }
    net.handleReady('1', ready);
    net.stabilize();
    for (const id of voters) expect(net.applied.get(id)).toEqual([...Array(10).keys()].map((k) => `p${k}`));
  });

  it('propose only appends; the leader counts its own entry only after persisting it', () => {
    const net = new Net(['1']);
    net.elect('1');
    const before = net.core('1').status().commitIndex;
    const result = net.core('1').propose(enc('x'));
    expect(result.ok).toBe(true);
    expect(net.core('1').status().commitIndex).toBe(before);
    net.stabilize();
    expect(net.core('1').status().commitIndex).toBe(before + 1);
    expect(net.applied.get('1')).toEqual(['x']);
  });
});

describe('inflight bound', () => {
  it('a replicating follower gets at most maxInflightMsgs pipelined appends, more as acks arrive', () => {
    const net = new Net(voters, { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    net.elect('1');
    net.tickAll(2);
    for (let k = 0; k < 10; k++) net.propose('1', `p${k}`);
    const ready = net.core('1').ready();
    for (const follower of ['2', '3']) {
      const appends = messagesOf(ready.messages, 'app', '1', follower);
      expect(appends).toHaveLength(2);
      expect(appends.every((m) => m.entries.length === 1)).toBe(true);
    }
    net.handleReady('1', ready);
    net.stabilize();
    expect(net.core('1').status().commitIndex).toBe(net.core('1').status().lastIndex);
    expect(net.applied.get('3')).toHaveLength(10);
  });

  it('a follower in probe state gets one append at a time', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    net.core('1').reportUnreachable('3');
    for (let k = 0; k < 5; k++) {
      net.propose('1', `p${k}`);
      net.processReady('1');
    }
    const appendsTo3 = messagesOf(net.queue, 'app', '1', '3');
    expect(appendsTo3).toHaveLength(1);
    expect(net.core('1').status().peers.find((p) => p.id === '3')?.state).toBe('probe');
  });

  it('back-pressure: proposals are refused once uncommitted bytes exceed the limit', () => {
    const net = new Net(voters, { maxUncommittedBytes: 10 });
    net.elect('1');
    net.tickAll(2);
    net.isolate('1');
    expect(net.core('1').propose(new Uint8Array(8)).ok).toBe(true);
    const refused = net.core('1').propose(new Uint8Array(8));
    expect(refused).toMatchObject({ ok: false, reason: 'overloaded' });
  });
});
