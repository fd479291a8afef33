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

export const action = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), node }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('propose' as const), node }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('deliver' as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('ready' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), node: fc.constantFrom(...ids, 'none') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), node, to: node }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unreachable' as const), node, peer: node }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('conf' as const),
      node,
      type: fc.constantFrom<ConfChange['type']>('addVoter', 'addLearner', 'removeNode'),
      target: node,
    }),
  },
);

export class Checker {
  private readonly readFloor = new Map<string, number>();
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
    const byIndex = new Map<number, string>();
    for (const id of ids) {
      const texts = this.net.applied.get(id)!;
      this.net.appliedIndexes.get(id)!.forEach((index, k) => {
        const seen = byIndex.get(index);
        if (seen === undefined) byIndex.set(index, texts[k]!);
        else expect(texts[k], `nodes applied different entries at ${index}`).toBe(seen);
      });
    }
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

export function run(net: Net, checker: Checker, rng: SeededRng, a: fc.infer<typeof action>, counter: { n: number }): void {
  switch (a.kind) {
    case 'tick':
      return net.tick(a.node, 2);
    case 'propose':
      net.core(a.node).propose(enc(`v${counter.n++}`));
      return;
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
      net.core(a.node).transferLeadership(a.to);
      return;
    case 'read':
      return checker.read(a.node);
    case 'unreachable':
      return net.core(a.node).reportUnreachable(a.peer);
    case 'conf':
      net.core(a.node).proposeConfChange({ type: a.type, nodeId: a.target });
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

export type Action = fc.infer<typeof action>;

/** Builds the four-node world (three founders, one empty joiner) for a seed. */
export function makeWorld(seed: number): { net: Net; checker: Checker; rng: SeededRng; counter: { n: number } } {
  const options = { electionTicks: 5, heartbeatTicks: 1, snapshotTrailingEntries: 2 };
  const net = new Net(['1', '2', '3'], { ...options, seed: seed % 997 });
  net.addNode('4', { voters: [], learners: [] }, { ...options, seed: 4000 + (seed % 997) });
  return { net, checker: new Checker(net), rng: new SeededRng(seed), counter: { n: 0 } };
}
