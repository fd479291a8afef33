/**
 * Elections (Raft §5.2): one winner per term, split votes retried at a higher term, and the
 * randomised election timeout drawn from [electionTicks, 2*electionTicks). Method: small
 * clusters in the hand-driven harness; the harness also asserts at most one leader per term
 * after every Ready.
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { Net, messagesOf } from './harness.js';

describe('election', () => {
  it('a campaign in a healthy cluster yields a single winner that everyone follows', () => {
    const net = new Net(['1', '2', '3']);
    net.elect('1');
    expect(net.leaders()).toEqual(['1']);
    for (const id of ['2', '3']) {
      const status = net.core(id).status();
      expect(status.role).toBe('follower');
      expect(status.leader).toBe('1');
      expect(status.term).toBe(net.core('1').status().term);
    }
  });

  it('a fresh cluster elects exactly one leader from ticks alone', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const net = new Net(['a', 'b', 'c', 'd', 'e'], { seed });
      let ticks = 0;
      while (net.leaders().length === 0 && ticks < 200) {
        net.tickAll();
        ticks++;
      }
      expect(net.leaders()).toHaveLength(1);
    }
  });

  it('split vote: nobody wins, and a later election at a higher term does', () => {
    const net = new Net(['1', '2', '3', '4'], { preVote: false, checkQuorum: false });
    // 1 can only reach 3, 2 can only reach 4: each candidate collects 2 of the 4 votes.
    net.drop = (m) => (m.from === '1' && m.to === '4') || (m.from === '2' && m.to === '3');
    net.core('1').campaign();
    net.core('2').campaign();
    net.stabilize();
    expect(net.leaders()).toEqual([]);
    expect(net.core('1').status().role).toBe('candidate');
    expect(net.core('2').status().role).toBe('candidate');
    const splitTerm = net.core('1').status().term;
    net.heal();
    for (let k = 0; k < 100 && net.leaders().length === 0; k++) net.tickAll();
    expect(net.leaders()).toHaveLength(1);
    expect(net.core(net.leaders()[0]!).status().term).toBeGreaterThan(splitTerm);
  });

  fcTest.prop([fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 50 })(
    'the election timeout is drawn from [electionTicks, 2*electionTicks)',
    (seed) => {
      const net = new Net(['1', '2', '3'], { preVote: false, seed });
      const before = net.sent.length;
      let ticks = 0;
      while (net.core('1').status().role === 'follower') {
        net.tick('1');
        ticks++;
        expect(ticks).toBeLessThan(20);
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      net.processReady('1');
      expect(messagesOf(net.sent.slice(before), 'vote', '1')).toHaveLength(2);
    },
  );

  it('a candidate persists its vote before asking: vote requests go after persist', () => {
    const net = new Net(['1', '2', '3'], { preVote: false });
    net.processReady('1');
    net.core('1').campaign();
    const ready = net.core('1').ready();
    expect(ready.hardState?.vote).toBe('1');
    expect(messagesOf(ready.messages, 'vote')).toHaveLength(0);
    expect(messagesOf(ready.messagesAfterPersist, 'vote')).toHaveLength(2);
    net.core('1').advance(ready);
  });
});
