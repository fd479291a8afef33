/**
 * The chaos schedule of chaos.test.ts: random actions over a four-node harness and the checks
 * run after each (kept apart so a failing counterexample can be replayed and inspected).
 */
import { expect } from 'vitest';
import { fc } from '@fast-check/vitest';
import { SeededRng } from '../../../../src/lib/rng.js';
import type { ConfChange, NodeId } from '../../../../src/raft/core/types.js';
import { Net, dec, enc } from './harness.js';

export const ids = ['1', '2', '3', '4'];
const node = fc.constantFrom(...ids);

/** `node: 'leader'` targets the current leader (the highest-term one), else a random node. */
const target = fc.constantFrom(...ids, 'leader', 'leader', 'leader');

export const action = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('round' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tickAll' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), node }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('propose' as const), node: target, count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliver' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ready' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), node: fc.constantFrom(...ids, 'none', 'none') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), node: target, to: node }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), node: target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unreachable' as const), node, peer: target }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('conf' as const),
      node: target,
      type: fc.constantFrom<ConfChange['type']>('addVoter', 'addVoter', 'addLearner', 'removeNode'),
      target: node,
    }),
  },
);

function resolve(net: Net, rng: SeededRng, id: string): NodeId {
  if (id !== 'leader') return id;
  let best: NodeId | null = null;
  for (const candidate of net.leaders()) {
    if (best === null || net.core(candidate).status().term > net.core(best).status().term) best = candidate;
  }
  return best ?? ids[rng.int(0, ids.length - 1)]!;
}

export class Checker {
  private readonly readFloor = new Map<string, number>();
  private readonly byIndex = new Map<number, string>();
  private readonly cursors = new Map<NodeId, { array: number[]; checked: number }>();
  private reads = 0;

  constructor(private readonly net: Net) {}

  maxCommit(): number {
    return Math.max(...ids.map((id) => this.net.core(id).status().commitIndex));
  }

  read(id: NodeId): void {
    const context = `read-${this.reads++}`;
    const floor = this.maxCommit();
    if (this.net.core(id).readIndex(enc(context))) this.readFloor.set(context, floor);
  }

  check(): void {
    for (const id of ids) {
      for (const state of this.net.readStates.get(id)!) {
        const floor = this.readFloor.get(dec(state.context));
        expect(floor, 'read answered that was never asked').toBeDefined();
        expect(state.index, `read ${dec(state.context)} misses committed entries`).toBeGreaterThanOrEqual(floor!);
      }
      this.net.readStates.set(id, []);
    }
    for (const id of ids) this.checkApplied(id);
  }

  /** Every entry ever applied anywhere at an index must be the same (state machine safety). */
  private checkApplied(id: NodeId): void {
    const texts = this.net.applied.get(id)!;
    const indexes = this.net.appliedIndexes.get(id)!;
    // Restarts and snapshot installs replace the arrays: re-check those from the start.
    const cursor = this.cursors.get(id);
    let from = cursor !== undefined && cursor.array === indexes ? cursor.checked : 0;
    for (; from < indexes.length; from++) {
      const index = indexes[from]!;
      const seen = this.byIndex.get(index);
      if (seen === undefined) this.byIndex.set(index, texts[from]!);
      else expect(texts[from], `nodes applied different entries at ${index}`).toBe(seen);
    }
    this.cursors.set(id, { array: indexes, checked: indexes.length });
  }
}

function chaoticDelivery(net: Net, rng: SeededRng): void {
  const batch = net.queue.splice(0, net.queue.length);
  for (let k = batch.length - 1; k > 0; k--) {
    const j = rng.int(0, k);
    [batch[k], batch[j]] = [batch[j]!, batch[k]!];
  }
  for (const m of batch) {
    if (rng.next() < 0.1) continue;
    net.cores.get(m.to)?.step(m);
    if (rng.next() < 0.05) net.cores.get(m.to)?.step(m);
  }
}

export function run(net: Net, checker: Checker, rng: SeededRng, a: Action, counter: { n: number }): void {
  switch (a.kind) {
    case 'round':
      for (const id of ids) net.processReady(id);
      return chaoticDelivery(net, rng);
    case 'tickAll':
      for (const id of ids) net.tick(id);
      return;
    case 'tick':
      return net.tick(a.node, 2);
    case 'propose': {
      const id = resolve(net, rng, a.node);
      for (let k = 0; k < a.count; k++) net.core(id).propose(enc(`v${counter.n++}`));
      return;
    }
    case 'deliver':
      return chaoticDelivery(net, rng);
    case 'ready':
      return net.processReady(a.node);
    case 'partition':
      if (a.node === 'none') net.heal();
      else net.isolate(a.node);
      return;
    case 'restart':
      net.restart(a.node);
      return;
    case 'compact':
      return net.compactNode(a.node);
    case 'transfer':
      net.core(resolve(net, rng, a.node)).transferLeadership(a.to);
      return;
    case 'read':
      return checker.read(resolve(net, rng, a.node));
    case 'unreachable':
      return net.core(a.node).reportUnreachable(resolve(net, rng, a.peer));
    case 'conf':
      net.core(resolve(net, rng, a.node)).proposeConfChange({ type: a.type, nodeId: a.target });
      return;
  }
}

export function settle(net: Net, checker: Checker): void {
  net.heal();
  // Once healed, a leader must emerge and get a fresh proposal applied by every voter. A leader
  // left over from the faults may still step down first, so retry with a deadline.
  let pending: { leader: NodeId; text: string; at: number } | null = null;
  for (let tick = 0; tick < 300; tick++) {
    net.tickAll();
    checker.check();
    const leaders = net.leaders();
    if (pending !== null) {
      const { leader, text } = pending;
      const voters = net.core(leader).status().conf.voters;
      if (voters.every((id) => net.applied.get(id)!.includes(text))) return;
      if (tick - pending.at > 20) pending = null;
    }
    if (pending === null && leaders.length === 1) {
      const text = `final-${tick}`;
      if (net.core(leaders[0]!).propose(enc(text)).ok) pending = { leader: leaders[0]!, text, at: tick };
    }
  }
  expect.fail(`no progress after healing: leaders ${net.leaders().join(',')}`);
}

export type Action = typeof action extends fc.Arbitrary<infer T> ? T : never;

/** Builds the four-node world (three founders, one empty joiner) for a seed. */
export function makeWorld(seed: number): { net: Net; checker: Checker; rng: SeededRng; counter: { n: number } } {
  // CHAOS_PLAIN=1 soaks without pre-vote and check-quorum.
  const plain = process.env.CHAOS_PLAIN === '1';
  const options = { electionTicks: 5, heartbeatTicks: 1, snapshotTrailingEntries: 2, preVote: !plain, checkQuorum: !plain };
  const net = new Net(['1', '2', '3'], { ...options, seed: seed % 997 });
  net.addNode('4', { voters: [], learners: [] }, { ...options, seed: 4000 + (seed % 997) });
  return { net, checker: new Checker(net), rng: new SeededRng(seed), counter: { n: 0 } };
}
