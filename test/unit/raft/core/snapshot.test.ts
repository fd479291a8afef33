/**
 * Snapshots and log compaction: a follower whose next entry was compacted receives a snapshot,
 * installs it (the Ready carries it; the shell restores from it) and then follows the log; a
 * lost snapshot is retried; a slightly lagging follower is served from the trailing entries the
 * leader keeps. Method: the harness's toy state machine (a list of strings) is the snapshot
 * data; every node must end with the same list.
 */
import { describe, expect, it } from 'vitest';
import { Net, messagesOf } from './harness.js';

const voters = ['1', '2', '3'];

function lagBehindCompaction(trailing: number, proposals: number): Net {
  const net = new Net(voters, { snapshotTrailingEntries: trailing });
  net.elect('1');
  net.tickAll(2);
  net.isolate('3');
  for (let k = 0; k < proposals; k++) {
    net.propose('1', `p${k}`);
    net.stabilize();
  }
  net.compactNode('1');
  return net;
}

describe('snapshot send/install', () => {
  it('a follower behind the compaction point gets the snapshot, installs it, then follows the log', () => {
    const net = lagBehindCompaction(0, 20);
    net.heal();
    net.tickAll(3);
    expect(messagesOf(net.sent, 'snap', '1', '3')).toHaveLength(1);
    expect(net.stores.get('3')!.snapshot?.meta.index).toBe(net.core('1').status().appliedIndex);
    expect(net.stores.get('3')!.snapshot?.meta.conf.voters).toEqual(voters);
    expect(net.applied.get('3')).toEqual(net.applied.get('1'));
    net.propose('1', 'after');
    net.stabilize();
    expect(net.applied.get('3')!.at(-1)).toBe('after');
    expect(net.core('1').status().peers.find((p) => p.id === '3')?.state).toBe('replicate');
  });

  it('the follower Ready carries the snapshot before any later committed entry', () => {
    const net = lagBehindCompaction(0, 5);
    net.heal();
    const seen: string[] = [];
    for (let round = 0; round < 50; round++) {
      for (const id of voters) {
        if (!net.core(id).hasReady()) continue;
        const ready = net.core(id).ready();
        if (id === '3') {
          if (ready.snapshot !== null) seen.push(`snapshot@${ready.snapshot.meta.index}`);
          for (const e of ready.committedEntries) seen.push(`entry@${e.index}`);
        }
        net.handleReady(id, ready);
      }
      for (const id of voters) net.core(id).tick();
      net.deliverAll();
    }
    const snapAt = seen.findIndex((s) => s.startsWith('snapshot@'));
    expect(snapAt).toBeGreaterThanOrEqual(0);
    const snapIndex = Number(seen[snapAt]!.split('@')[1]);
    for (const later of seen.slice(snapAt + 1)) expect(Number(later.split('@')[1])).toBeGreaterThan(snapIndex);
  });

  it('a lost snapshot is sent again', () => {
    const net = lagBehindCompaction(0, 5);
    let dropped = 0;
    net.drop = (m) => m.type === 'snap' && dropped++ === 0;
    net.tickAll(60);
    expect(messagesOf(net.sent, 'snap', '1', '3').length).toBeGreaterThanOrEqual(2);
    expect(net.applied.get('3')).toEqual(net.applied.get('1'));
  });

  it('a slightly lagging follower is caught up from the trailing entries, without a snapshot', () => {
    const net = lagBehindCompaction(100, 20);
    net.heal();
    net.tickAll(3);
    expect(messagesOf(net.sent, 'snap')).toHaveLength(0);
    expect(net.applied.get('3')).toEqual(net.applied.get('1'));
  });

  it('compaction beyond the applied index is a bug', () => {
    const net = new Net(['1']);
    net.elect('1');
    expect(() => net.core('1').compact(net.core('1').status().appliedIndex + 5, new Uint8Array())).toThrow();
  });
});
