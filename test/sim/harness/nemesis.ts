/**
 * The nemesis: during a seed's fault phase it strikes every so often (exponentially spaced
 * around the mix's mean interval) with an action drawn from the mix's weights — crash a node or
 * the leader (and restart it after a random downtime), split the cluster, isolate the leader,
 * cut one direction of a link, clog a node's links one by one and later unclog them in another
 * order (swizzle-clog), heal everything, or ask the leader to hand over.
 */
import type { NodeId } from '../../../src/raft/core/types.js';
import type { FaultMix, NemesisWeights } from './fault-plan.js';
import type { SimCluster } from './sim-cluster.js';

type Action = keyof NemesisWeights;

export class Nemesis {
  private running = false;
  actions = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly mix: FaultMix,
  ) {}

  start(): void {
    this.running = true;
    this.scheduleNext();
  }

  stop(): void {
    this.running = false;
  }

  private scheduleNext(): void {
    const delay = -Math.log(1 - this.cluster.rng.next()) * this.mix.nemesisIntervalMs;
    this.cluster.later(delay, () => {
      if (!this.running) return;
      this.strike(this.pickAction());
      this.scheduleNext();
    });
  }

  private pickAction(): Action {
    const entries = Object.entries(this.mix.nemesis) as Array<[Action, number]>;
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.cluster.rng.next() * total;
    for (const [action, weight] of entries) {
      roll -= weight;
      if (roll < 0) return action;
    }
    return 'heal';
  }

  private strike(action: Action): void {
    this.actions++;
    const cluster = this.cluster;
    const members = cluster.liveMemberIds();
    const leader = cluster.leader();
    switch (action) {
      case 'crash':
        return this.crash(this.pick(members.filter((id) => cluster.node(id)!.isUp)));
      case 'crashLeader':
        return this.crash(leader?.id);
      case 'partition':
        return this.partition(members);
      case 'isolateLeader':
        if (leader !== undefined) {
          cluster.trace(`isolate leader ${leader.id}`);
          cluster.network.isolate(leader.id, members);
        }
        return;
      case 'oneWay':
        return this.cutOneWay(members);
      case 'clog':
        return this.swizzleClog(members);
      case 'heal':
        cluster.trace('heal the network');
        cluster.network.heal();
        return;
      case 'transfer': {
        const target = this.pick(cluster.conf.voters.filter((id) => id !== leader?.id));
        if (leader !== undefined && target !== undefined) {
          cluster.trace(`ask ${leader.id} to transfer leadership to ${target}`);
          leader.transferLeadership(target);
        }
        return;
      }
    }
  }

  private crash(id: NodeId | undefined): void {
    if (id === undefined) return;
    this.cluster.crash(id);
    const downtime = this.cluster.rng.next() * this.mix.downtimeMaxMs;
    this.cluster.later(downtime, () => {
      if (this.running) this.cluster.restart(id);
    });
  }

  private partition(members: NodeId[]): void {
    const shuffled = this.shuffle(members);
    const cut = this.cluster.rng.int(1, Math.max(1, shuffled.length - 1));
    const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
    this.cluster.trace(`partition [${groups[0]}] | [${groups[1]}]`);
    this.cluster.network.partition(groups);
  }

  private cutOneWay(members: NodeId[]): void {
    const [from, to] = this.shuffle(members);
    if (from === undefined || to === undefined) return;
    this.cluster.trace(`cut ${from} -> ${to} (one way)`);
    this.cluster.network.cutOneWay(from, to);
  }

  /** Clogs a node's links one at a time, then unclogs them one at a time in a shuffled order. */
  private swizzleClog(members: NodeId[]): void {
    const cluster = this.cluster;
    const node = this.pick(members);
    if (node === undefined) return;
    const links: Array<[NodeId, NodeId]> = [];
    for (const other of members) if (other !== node) links.push([node, other], [other, node]);
    cluster.trace(`swizzle-clog ${node}'s ${links.length} links`);
    let at = 0;
    for (const [from, to] of this.shuffle(links)) {
      at += cluster.rng.next() * 20;
      cluster.later(at, () => {
        if (this.running) cluster.network.clog(from, to);
      });
    }
    at += cluster.rng.next() * 200;
    for (const [from, to] of this.shuffle(links)) {
      at += cluster.rng.next() * 20;
      cluster.later(at, () => cluster.network.unclog(from, to));
    }
  }

  private pick<T>(items: readonly T[]): T | undefined {
    if (items.length === 0) return undefined;
    return items[this.cluster.rng.int(0, items.length - 1)];
  }

  private shuffle<T>(items: readonly T[]): T[] {
    const copy = items.slice();
    for (let k = copy.length - 1; k > 0; k--) {
      const j = this.cluster.rng.int(0, k);
      [copy[k], copy[j]] = [copy[j]!, copy[k]!];
    }
    return copy;
  }
}
