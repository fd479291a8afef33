/**
 * Pre-vote (thesis §9.6), check-quorum and leader stickiness (§4.2.3). Method: a 3-node cluster
 * in the hand-driven harness; one node is cut off and ticked for many election timeouts, then
 * healed. With pre-vote the cluster's term and leader survive the rejoin; the control case
 * without pre-vote shows the disruption the rule prevents.
 */
import { describe, expect, it } from 'vitest';
import { makeMessage } from '../../../../src/raft/core/messages.js';
import { TRANSFER_CONTEXT } from '../../../../src/raft/core/messages.js';
import { Net, messagesOf } from './harness.js';

function partitionAndRejoin(preVote: boolean): { net: Net; termBefore: number } {
  const net = new Net(['1', '2', '3'], { preVote, checkQuorum: preVote });
  net.elect('1');
  const termBefore = net.core('1').status().term;
  net.isolate('3');
  for (let k = 0; k < 60; k++) {
    net.tick('3');
    net.tickAll();
  }
  net.heal();
  net.tickAll(30);
  return { net, termBefore };
}

describe('pre-vote', () => {
  it('a partitioned node rejoins without disrupting the leader, and its term is not raised', () => {
    const { net, termBefore } = partitionAndRejoin(true);
    expect(net.leaders()).toEqual(['1']);
    for (const id of ['1', '2', '3']) expect(net.core(id).status().term).toBe(termBefore);
    expect(net.core('3').status().leader).toBe('1');
  });

  it('control: without pre-vote the rejoining node forces a new term', () => {
    const { net, termBefore } = partitionAndRejoin(false);
    expect(net.core('1').status().term).toBeGreaterThan(termBefore);
  });

  it('a pre-candidate does not persist a new term or vote', () => {
    const net = new Net(['1', '2', '3']);
    net.stabilize();
    const term = net.core('1').status().term;
    net.core('1').campaign();
    expect(net.core('1').status().role).toBe('preCandidate');
    const ready = net.core('1').ready();
    expect(ready.hardState).toBeNull();
    const preVotes = messagesOf(ready.messagesAfterPersist, 'preVote');
    expect(preVotes).toHaveLength(2);
    expect(preVotes.every((m) => m.term === term + 1)).toBe(true);
    net.core('1').advance(ready);
    expect(net.core('1').status().term).toBe(term);
  });

  it('a node that hears from a live leader refuses pre-votes', () => {
    const net = new Net(['1', '2', '3']);
    net.elect('1');
    const term = net.core('2').status().term;
    net.core('2').step(makeMessage({ type: 'preVote', from: '3', to: '2', term: term + 1, index: 99, logTerm: term }));
    net.processReady('2');
    const answers = messagesOf(net.sent, 'preVoteResp', '2', '3');
    expect(answers.length === 0 || answers.every((m) => m.reject)).toBe(true);
  });
});

describe('check-quorum', () => {
  it('an isolated leader steps down after a whole election timeout without a quorum', () => {
    const net = new Net(['1', '2', '3']);
    net.elect('1');
    net.isolate('1');
    // Check-quorum looks back one full election timeout; the window in progress when the
    // partition began may still hold earlier answers, so it takes at most two.
    let ticks = 0;
    while (net.core('1').status().role === 'leader' && ticks < 100) {
      net.tick('1');
      net.processReady('1');
      ticks++;
    }
    expect(net.core('1').status().role).toBe('follower');
    expect(ticks).toBeGreaterThan(10 - 1);
    expect(ticks).toBeLessThanOrEqual(20);
  });

  it('a leader in touch with a quorum stays leader', () => {
    const net = new Net(['1', '2', '3']);
    net.elect('1');
    net.isolate('3');
    for (let k = 0; k < 50; k++) {
      net.tick('1');
      net.stabilize();
    }
    expect(net.core('1').status().role).toBe('leader');
  });
});

describe('leader stickiness', () => {
  it('a follower with a live leader ignores a vote request from a higher term', () => {
    const net = new Net(['1', '2', '3'], { preVote: false });
    net.elect('1');
    const term = net.core('3').status().term;
    net.core('3').step(makeMessage({ type: 'vote', from: '2', to: '3', term: term + 1, index: 99, logTerm: term }));
    net.processReady('3');
    expect(net.core('3').status().term).toBe(term);
    expect(messagesOf(net.sent, 'voteResp', '3', '2')).toHaveLength(0);
  });

  it('except when the vote carries the leadership-transfer marker', () => {
    const net = new Net(['1', '2', '3'], { preVote: false });
    net.elect('1');
    const term = net.core('3').status().term;
    const vote = makeMessage({
      type: 'vote',
      from: '2',
      to: '3',
      term: term + 1,
      index: 99,
      logTerm: term,
      context: TRANSFER_CONTEXT,
    });
    net.core('3').step(vote);
    net.processReady('3');
    expect(net.core('3').status().term).toBe(term + 1);
    const answers = messagesOf(net.sent, 'voteResp', '3', '2');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.reject).toBe(false);
  });

  it('a stale leader hearing a lower-term append answers so that the sender steps down', () => {
    const net = new Net(['1', '2', '3']);
    net.elect('1');
    const term = net.core('2').status().term;
    net.core('2').step(makeMessage({ type: 'app', from: '3', to: '2', term: term - 1 }));
    net.processReady('2');
    const answers = messagesOf(net.sent, 'appResp', '2', '3');
    expect(answers.at(-1)?.term).toBe(term);
  });
});
