/**
 * reportUnreachable: a follower whose leader's connection dropped forgets the leader and
 * campaigns (with pre-vote) after 1..3 ticks instead of a full election timeout; followers that
 * still hear the leader refuse to help; on the leader it moves the follower to probe. Method:
 * crash the leader in the harness (drop all its traffic), report it, count ticks.
 */
import { describe, expect, it } from 'vitest';
import { Net } from './harness.js';

const voters = ['1', '2', '3'];

describe('reportUnreachable', () => {
  it('followers that lost the leader elect a new one well within an election timeout', () => {
    let fastElections = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const net = new Net(voters, { seed });
      net.elect('1');
      net.tickAll(2);
      net.isolate('1');
      net.core('2').reportUnreachable('1');
      net.core('3').reportUnreachable('1');
      const firstCampaignTick = new Map<string, number>();
      let ticks = 0;
      while (net.leaders().filter((id) => id !== '1').length === 0 && ticks < 40) {
        ticks++;
        for (const id of ['2', '3']) {
          net.core(id).tick();
          if (net.core(id).status().role !== 'follower' && !firstCampaignTick.has(id)) firstCampaignTick.set(id, ticks);
        }
        net.stabilize();
      }
      const tie = firstCampaignTick.get('2') === firstCampaignTick.get('3');
      // 1..3 ticks to the first pre-vote, then a round trip each for pre-vote and vote, versus
      // a full election timeout (10..19 ticks). When both start on the same tick they split the
      // vote and the retry waits for a normal randomized timeout.
      if (!tie) expect(ticks).toBeLessThanOrEqual(3);
      expect(ticks).toBeLessThanOrEqual(3 + 20);
      if (ticks <= 3) fastElections++;
    }
    expect(fastElections).toBeGreaterThanOrEqual(5);
  });

  it('the first pre-vote goes out after 1 to 3 ticks', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const net = new Net(voters, { seed });
      net.elect('1');
      net.tickAll(2);
      net.core('2').reportUnreachable('1');
      let ticks = 0;
      while (net.core('2').status().role === 'follower') {
        net.core('2').tick();
        ticks++;
        expect(ticks).toBeLessThanOrEqual(3);
      }
      expect(net.core('2').status().role).toBe('preCandidate');
    }
  });

  it('followers still in touch with the leader refuse, so the leader keeps its term', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    const term = net.core('1').status().term;
    net.core('2').reportUnreachable('1');
    for (let k = 0; k < 5; k++) {
      net.core('2').tick();
      net.stabilize();
    }
    expect(net.leaders()).toEqual(['1']);
    expect(net.core('1').status().term).toBe(term);
  });

  it('on the leader, the follower goes back to probe', () => {
    const net = new Net(voters);
    net.elect('1');
    net.tickAll(2);
    expect(net.core('1').status().peers.find((p) => p.id === '2')?.state).toBe('replicate');
    net.core('1').reportUnreachable('2');
    expect(net.core('1').status().peers.find((p) => p.id === '2')?.state).toBe('probe');
  });
});
