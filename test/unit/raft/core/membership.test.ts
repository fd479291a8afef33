/**
 * One-at-a-time membership changes (thesis §4.1): adding a voter that joins empty-handed,
 * learners that replicate without voting, promotion, removal (including the leader removing
 * itself), and the refusal of a second change while one is pending. Method: the harness, with
 * a joining node built from an empty bootstrap configuration; conf is read from status().
 */
import { describe, expect, it } from 'vitest';
import { Net, enc } from './harness.js';

const voters = ['1', '2', '3'];
const emptyConf = { voters: [], learners: [] };

function clusterWithLeader(): Net {
  const net = new Net(voters);
  net.elect('1');
  net.tickAll(2);
  return net;
}

describe('membership', () => {
  it('adds a voter that starts empty and learns the log and the configuration', () => {
    const net = clusterWithLeader();
    net.propose('1', 'before');
    net.stabilize();
    net.addNode('4', emptyConf, { seed: 44 });
    expect(net.core('1').proposeConfChange({ type: 'addVoter', nodeId: '4' }).ok).toBe(true);
    net.tickAll(5);
    for (const id of ['1', '2', '3', '4']) {
      expect(net.core(id).status().conf).toEqual({ voters: ['1', '2', '3', '4'], learners: [] });
    }
    expect(net.applied.get('4')).toEqual(['before']);
    expect(net.core('1').status().peers.map((p) => p.id).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('refuses a second change while the first is not applied, and no-op changes', () => {
    const net = clusterWithLeader();
    expect(net.core('1').proposeConfChange({ type: 'addLearner', nodeId: '4' }).ok).toBe(true);
    expect(net.core('1').proposeConfChange({ type: 'addLearner', nodeId: '5' })).toMatchObject({
      ok: false,
      reason: 'confChangePending',
    });
    net.stabilize();
    expect(net.core('1').proposeConfChange({ type: 'addLearner', nodeId: '5' }).ok).toBe(true);
    net.stabilize();
    expect(net.core('1').proposeConfChange({ type: 'addVoter', nodeId: '2' })).toMatchObject({
      ok: false,
      reason: 'invalidConfChange',
    });
  });

  it('a learner receives the log but does not count for the quorum; addVoter promotes it', () => {
    const net = clusterWithLeader();
    net.addNode('4', emptyConf, { seed: 44 });
    net.core('1').proposeConfChange({ type: 'addLearner', nodeId: '4' });
    net.tickAll(5);
    expect(net.core('1').status().conf).toEqual({ voters, learners: ['4'] });
    // Only the leader and the learner can talk: nothing commits.
    net.drop = (m) => ['2', '3'].includes(m.from) || ['2', '3'].includes(m.to);
    const commit = net.core('1').status().commitIndex;
    net.propose('1', 'needs-a-voter');
    net.stabilize();
    expect(net.core('4').status().lastIndex).toBe(net.core('1').status().lastIndex);
    expect(net.core('1').status().commitIndex).toBe(commit);
    // A learner never campaigns.
    net.tick('4', 50);
    expect(net.core('4').status().role).toBe('follower');
    net.heal();
    net.stabilize();
    expect(net.core('1').proposeConfChange({ type: 'addVoter', nodeId: '4' }).ok).toBe(true);
    net.tickAll(5);
    expect(net.core('4').status().conf).toEqual({ voters: ['1', '2', '3', '4'], learners: [] });
  });

  it('removes a follower, which then cannot disturb the cluster', () => {
    const net = clusterWithLeader();
    const term = net.core('1').status().term;
    net.core('1').proposeConfChange({ type: 'removeNode', nodeId: '3' });
    net.tickAll(3);
    expect(net.core('1').status().conf.voters).toEqual(['1', '2']);
    expect(net.core('1').status().peers.map((p) => p.id).sort()).toEqual(['1', '2']);
    net.tick('3', 100);
    net.stabilize();
    expect(net.core('3').status().role).toBe('follower');
    expect(net.core('1').status().term).toBe(term);
    net.propose('1', 'two-node commit');
    net.stabilize();
    expect(net.applied.get('2')).toEqual(['two-node commit']);
  });

  it('a leader that removed itself and stepped down unheard cannot block the remaining voter', () => {
    const net = new Net(['1', '2']);
    net.elect('2');
    net.tickAll(2);
    net.core('2').proposeConfChange({ type: 'removeNode', nodeId: '2' });
    net.processReady('2');
    net.deliverAll();
    net.processReady('1');
    net.deliverAll(); // 2 learns that 1 holds the change: it is committed
    // From now on 1 hears nothing from 2's leadership: not the commit, not the extra entry.
    net.drop = (m) => m.from === '2';
    net.propose('2', 'never-replicated');
    net.processReady('2');
    expect(net.core('2').status().role).toBe('follower');
    expect(net.core('1').status().conf.voters).toEqual(['1', '2']);
    net.heal();
    // 1 still counts on 2's vote; 2 refuses (its log is longer) but its rejection carries its
    // commit index, which 1 can adopt since it holds that entry: then 1 is the only voter.
    for (let k = 0; k < 60 && net.leaders().length === 0; k++) net.tickAll();
    expect(net.leaders()).toEqual(['1']);
    expect(net.core('1').status().conf.voters).toEqual(['1']);
  });

  it('a leader that removes itself steps down once the change commits; the rest elect a leader', () => {
    const net = clusterWithLeader();
    net.core('1').proposeConfChange({ type: 'removeNode', nodeId: '1' });
    net.stabilize();
    expect(net.core('1').status().role).toBe('follower');
    for (const id of ['2', '3']) expect(net.core(id).status().conf.voters).toEqual(['2', '3']);
    net.tickAll(40);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    expect(['2', '3']).toContain(leaders[0]);
    expect(net.core(leaders[0]!).propose(enc('x')).ok).toBe(true);
  });
});
