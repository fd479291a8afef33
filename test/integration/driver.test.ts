/**
 * Goal: the Raft node driver turns the pure core into a correct service: proposals resolve after
 * apply with the state machine's result, every replica applies the same sequence, reads are
 * linearizable barriers, leadership transfer and stop hand over quickly, a lagging replica is
 * caught up by snapshot after compaction, and a restarted replica rebuilds its state from storage.
 * Method: three RaftNodes in one process over an in-process transport hub, in-memory stores, the
 * real clock; wait on conditions with deadlines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/lib/clock.js';
import { decode, encode } from '../../src/lib/codec.js';
import { silentLogger } from '../../src/lib/log.js';
import { SeededRng } from '../../src/lib/rng.js';
import { defaultRaftConfig } from '../../src/raft/core/types.js';
import { RaftNode } from '../../src/raft/driver.js';
import type { StateMachine } from '../../src/raft/state-machine.js';
import { MemoryRaftStore } from '../../src/raft/storage/memory-store.js';
import { LoopbackHub } from '../helpers/loopback-transport.js';
import { waitFor } from './helpers/process.js';

/** Appends every command to a list; the result is the list length after apply. */
class ListMachine implements StateMachine<number> {
  items: string[] = [];
  apply(command: Uint8Array): number {
    this.items.push(decode<string>(command));
    return this.items.length;
  }
  snapshot(): Uint8Array {
    return encode(this.items);
  }
  restore(data: Uint8Array): void {
    this.items = decode<string[]>(data);
  }
}

/** A ListMachine that snapshots a piece (2 items) per step and counts applies made mid-snapshot. */
class PiecewiseListMachine extends ListMachine {
  snapshotsInPieces = 0;
  appliedDuringSnapshot = 0;
  private inSnapshot = false;
  override apply(command: Uint8Array): number {
    if (this.inSnapshot) this.appliedDuringSnapshot++;
    return super.apply(command);
  }
  *snapshotInPieces(): Generator<void, Uint8Array, void> {
    this.inSnapshot = true;
    try {
      const copy: string[] = [];
      for (let at = 0; at < this.items.length; at += 2) {
        copy.push(...this.items.slice(at, at + 2));
        // Each piece takes a millisecond, so a snapshot spans several of the node's turns.
        const until = performance.now() + 1;
        while (performance.now() < until);
        yield;
      }
      this.snapshotsInPieces++;
      return encode(copy);
    } finally {
      this.inSnapshot = false;
    }
  }
}

interface Replica {
  id: string;
  node: RaftNode;
  machine: ListMachine;
  store: MemoryRaftStore;
}

const ids = ['a', 'b', 'c'];
let replicas: Replica[] = [];
let hub: LoopbackHub;

async function startReplica(id: string, store = new MemoryRaftStore(), snapshotEveryEntries = 10_000, machine = new ListMachine()): Promise<Replica> {
  const node = await RaftNode.start({
    config: { ...defaultRaftConfig, id, electionTicks: 10, heartbeatTicks: 2 },
    bootstrapConf: { voters: ids, learners: [] },
    store,
    transport: hub.connect(id),
    stateMachine: machine,
    clock: new SystemClock(),
    rng: new SeededRng(ids.indexOf(id) + 1),
    logger: silentLogger(),
    tickMs: 5,
    snapshotEveryEntries,
    requestTimeoutMs: 3_000,
    maxQueuedProposals: 10_000,
  });
  return { id, node, machine, store };
}

async function startCluster(snapshotEveryEntries = 10_000, makeMachine = (): ListMachine => new ListMachine()): Promise<void> {
  hub = new LoopbackHub();
  replicas = await Promise.all(ids.map((id) => startReplica(id, new MemoryRaftStore(), snapshotEveryEntries, makeMachine())));
}

function leader(): Promise<Replica> {
  return waitFor('a leader', () => replicas.find((r) => r.node.isLeader), 10_000);
}

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.node.stop({ transfer: false })));
  replicas = [];
});

describe('RaftNode', () => {
  it('applies 1,000 concurrent proposals in the same order everywhere and returns results', async () => {
    await startCluster();
    const lead = await leader();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => lead.node.propose(encode(`x${i}`))));
    expect(new Set(results).size).toBe(1000);
    await waitFor('all replicas to apply', () => (replicas.every((r) => r.machine.items.length === 1000) ? true : undefined));
    for (const replica of replicas) expect(replica.machine.items).toEqual(lead.machine.items);
  });

  it('refuses proposals on a follower with the leader hint', async () => {
    await startCluster();
    const lead = await leader();
    const follower = replicas.find((r) => r !== lead)!;
    await waitFor('follower to know the leader', () => (follower.node.leaderId === lead.id ? true : undefined));
    await expect(follower.node.propose(encode('nope'))).rejects.toMatchObject({ code: 'not_leader', leaderHint: lead.id });
  });

  it('serves a read barrier only once everything committed before it is applied', async () => {
    await startCluster();
    const lead = await leader();
    void lead.node.propose(encode('w1'));
    await lead.node.readBarrier();
    expect(lead.machine.items).toContain('w1');
  });

  it('transfers leadership to another replica', async () => {
    await startCluster();
    const lead = await leader();
    expect(await lead.node.transferLeadership(null)).toBe(true);
    const next = await leader();
    expect(next.id).not.toBe(lead.id);
    await next.node.propose(encode('after'));
  });

  it('elects a new leader when the leader is cut off, and the old one steps down', async () => {
    await startCluster();
    const lead = await leader();
    await lead.node.propose(encode('before'));
    hub.isolate(lead.id);
    const next = await waitFor('a new leader', () => replicas.find((r) => r !== lead && r.node.isLeader), 5_000);
    await next.node.propose(encode('after'));
    await waitFor('the old leader to step down (check-quorum)', () => (lead.node.isLeader ? undefined : true), 5_000);
  });

  it('catches a lagging replica up by snapshot after the log was compacted', async () => {
    await startCluster(50);
    const lead = await leader();
    const lagging = replicas.find((r) => r !== lead)!;
    hub.isolate(lagging.id);
    for (let i = 0; i < 300; i++) await lead.node.propose(encode(`s${i}`));
    hub.heal();
    await waitFor('the lagging replica to catch up', () => (lagging.machine.items.length === 300 ? true : undefined), 10_000);
    expect(lagging.machine.items).toEqual(lead.machine.items);
  });

  it('snapshots in pieces across turns with applying paused, while proposals keep committing', async () => {
    await startCluster(40, () => new PiecewiseListMachine());
    const lead = await leader();
    const lagging = replicas.find((r) => r !== lead)!;
    hub.isolate(lagging.id);
    // Proposals keep arriving while snapshots are being encoded.
    for (let round = 0; round < 40; round++) await Promise.all(Array.from({ length: 10 }, (_, i) => lead.node.propose(encode(`p${round}-${i}`))));
    hub.heal();
    await waitFor('every replica to apply everything', () => (replicas.every((r) => r.machine.items.length === 400) ? true : undefined), 10_000);
    for (const replica of replicas) {
      const machine = replica.machine as PiecewiseListMachine;
      expect(machine.appliedDuringSnapshot).toBe(0);
      expect(machine.items).toEqual(lead.machine.items);
    }
    expect((lead.machine as PiecewiseListMachine).snapshotsInPieces).toBeGreaterThan(0);
  });

  it('syncs entries, term and vote, but not a commit-only hard state change', async () => {
    await startCluster();
    const lead = await leader();
    const writes: Array<{ entries: number; mustSync: boolean; snapshot: boolean }> = [];
    const persist = lead.store.persist.bind(lead.store);
    lead.store.persist = async (batch) => {
      writes.push({ entries: batch.entries.length, mustSync: batch.mustSync ?? true, snapshot: batch.snapshot !== null });
      return persist(batch);
    };
    for (let i = 0; i < 5; i++) await lead.node.propose(encode(`c${i}`));
    expect(writes.filter((w) => w.entries > 0 || w.snapshot).every((w) => w.mustSync)).toBe(true);
    expect(writes.some((w) => w.entries === 0 && !w.mustSync)).toBe(true);
  });

  it('applies a full slice of committed entries after each wait on a slow disk, not one entry', async () => {
    // A loaded leader: every Ready has new entries to write, each write takes longer than the
    // run's time slice, and each apply costs a millisecond of CPU.
    class SlowApplyMachine extends ListMachine {
      override apply(command: Uint8Array): number {
        const until = performance.now() + 1;
        while (performance.now() < until);
        return super.apply(command);
      }
    }
    await startCluster(10_000, () => new SlowApplyMachine());
    const lead = await leader();
    let persists = 0;
    const persist = lead.store.persist.bind(lead.store);
    lead.store.persist = async (batch) => {
      await persist(batch);
      // A slow disk (the event loop runs other work meanwhile), longer than the 20 ms slice.
      await new Promise((resolve) => setTimeout(resolve, 30));
      persists++;
    };
    const appliedAfterPersist = new Map<number, number>();
    const apply = lead.machine.apply.bind(lead.machine);
    lead.machine.apply = (command) => {
      appliedAfterPersist.set(persists, (appliedAfterPersist.get(persists) ?? 0) + 1);
      return apply(command);
    };
    const proposals: Array<Promise<unknown>> = [];
    const feeder = setInterval(() => proposals.push(lead.node.propose(encode(`l${proposals.length}`))), 1);
    try {
      await waitFor('400 proposals made', () => (proposals.length >= 400 ? true : undefined), 10_000);
    } finally {
      clearInterval(feeder);
    }
    // The writes finished while proposals kept coming (the group still open is left out).
    const underLoad = [...appliedAfterPersist].filter(([at]) => at < persists).map(([, count]) => count);
    await Promise.all(proposals);
    // Measured from the start of the run, the slice was used up by the wait: one apply per write.
    expect(Math.max(...underLoad)).toBeGreaterThanOrEqual(5);
  });

  it('rebuilds a restarted replica from its storage', async () => {
    await startCluster(40);
    const lead = await leader();
    for (let i = 0; i < 100; i++) await lead.node.propose(encode(`r${i}`));
    const victim = replicas.find((r) => r !== lead)!;
    await waitFor('victim applied', () => (victim.machine.items.length === 100 ? true : undefined));
    await victim.node.stop({ transfer: false });
    const revived = await startReplica(victim.id, victim.store.crashed(), 40);
    replicas = replicas.map((r) => (r === victim ? revived : r));
    await waitFor('the revived replica to rebuild its state', () => (revived.machine.items.length === 100 ? true : undefined));
    expect(revived.machine.items).toEqual(lead.machine.items);
  });
});
