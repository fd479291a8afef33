/**
 * Restart from persisted state: a core rebuilt from exactly what its store holds (hard state,
 * snapshot, entries) has the same term, vote, commit, log and configuration, re-delivers the
 * committed entries after its snapshot for the state machine to replay, and rejoins the
 * cluster. Method: the harness's in-memory stores follow the Ready contract; `restart` builds a
 * new core from them and drops all volatile state.
 */
import { describe, expect, it } from 'vitest';
import { Net } from './harness.js';

const voters = ['1', '2', '3'];

function busyCluster(): Net {
  const net = new Net(voters);
  net.elect('1');
  for (let k = 0; k < 5; k++) net.propose('1', `p${k}`);
  net.tickAll(3);
  return net;
}

describe('restart from persisted state', () => {
  it('a follower comes back with its term, vote, commit, log and conf, and replays its entries', () => {
    const net = busyCluster();
    const before = net.core('2').status();
    const store = net.stores.get('2')!;
    net.restart('2');
    const after = net.core('2').status();
    expect(after.term).toBe(before.term);
    expect(after.commitIndex).toBe(store.hardState.commit);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(after.conf).toEqual(before.conf);
    expect(after.role).toBe('follower');
    net.stabilize();
    expect(net.applied.get('2')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    net.propose('1', 'later');
    net.stabilize();
    expect(net.applied.get('2')!.at(-1)).toBe('later');
  });

  it('the whole cluster restarts, elects a leader and keeps every committed entry', () => {
    const net = busyCluster();
    for (const id of voters) net.restart(id);
    net.tickAll(40);
    expect(net.leaders()).toHaveLength(1);
    for (const id of voters) expect(net.applied.get(id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('a node restarts from a snapshot plus the entries after it', () => {
    const net = busyCluster();
    net.compactNode('2');
    expect(net.stores.get('2')!.snapshot?.meta.index).toBe(net.core('2').status().appliedIndex);
    net.propose('1', 'p5');
    net.stabilize();
    expect(net.stores.get('2')!.entries.length).toBeGreaterThan(0);
    net.restart('2');
    expect(net.core('2').status().conf.voters).toEqual(voters);
    expect(net.applied.get('2')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']); // from the snapshot
    net.stabilize();
    expect(net.applied.get('2')).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('a vote survives a restart: no second vote in the same term', () => {
    const net = new Net(voters, { preVote: false });
    net.stabilize();
    net.drop = (m) => m.to === '3';
    net.core('1').campaign();
    net.processReady('1');
    net.deliverAll();
    net.processReady('2');
    const term = net.core('2').status().term;
    expect(net.stores.get('2')!.hardState).toMatchObject({ term, vote: '1' });
    net.restart('2');
    net.queue.length = 0;
    net.heal();
    net.core('3').campaign(); // term 2 as well: 3 never heard of 1's campaign
    expect(net.core('3').status().term).toBe(term);
    net.processReady('3');
    net.deliverAll();
    net.processReady('2');
    const answers = net.sent.filter((m) => m.type === 'voteResp' && m.from === '2' && m.to === '3');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((m) => m.reject)).toBe(true);
  });
});
