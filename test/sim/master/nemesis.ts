/**
 * The faults of one seed. The mix is drawn from the seed; during the fault phase the nemesis
 * wakes every few hundred ms and picks one enabled fault. At most one master is down or
 * isolated at a time (two of three must be able to elect), and every master fault ends: a
 * killed master restarts (replaying the log, or from a peer's snapshot), an isolated one heals.
 */
import type { MasterWorld } from './world.js';

export interface FaultMix {
  leaderKills: boolean;
  followerKills: boolean;
  isolations: boolean;
  linkCuts: boolean;
  partitions: boolean;
  agentCrashes: boolean;
  frameworkAways: boolean;
  slowNetwork: boolean;
  stragglers: boolean;
}

export function drawFaultMix(world: MasterWorld): FaultMix {
  const { rng } = world;
  const on = (p: number): boolean => rng.next() < p;
  return {
    leaderKills: on(0.8),
    followerKills: on(0.4),
    isolations: on(0.6),
    linkCuts: on(0.6),
    partitions: on(0.4),
    agentCrashes: on(0.5),
    frameworkAways: on(0.6),
    slowNetwork: on(0.3),
    stragglers: on(0.7),
  };
}

export class Nemesis {
  /** A master is down or isolated (until it restarts or heals). */
  private masterFault = false;
  private readonly faults: Array<() => void>;

  constructor(
    private readonly world: MasterWorld,
    readonly mix: FaultMix,
    private readonly faultyUntilMs: number,
  ) {
    const f: Array<() => void> = [];
    if (mix.leaderKills) f.push(() => this.killLeader(), () => this.killLeader());
    if (mix.followerKills) f.push(() => this.killFollower());
    if (mix.isolations) f.push(() => this.isolateLeader());
    if (mix.linkCuts) f.push(() => this.cutLink(), () => this.cutLink());
    if (mix.partitions) f.push(() => this.partitionAgent());
    if (mix.agentCrashes) f.push(() => this.crashAgent());
    if (mix.frameworkAways) f.push(() => this.frameworkAway());
    if (mix.slowNetwork) f.push(() => this.slowSpell());
    if (mix.stragglers) f.push(() => this.straggler(), () => this.straggler());
    this.faults = f;
  }

  start(): void {
    this.wake();
  }

  private wake(): void {
    const { world } = this;
    world.sim.after(world.rng.int(200, 1500), () => {
      if (world.sim.now >= this.faultyUntilMs || this.faults.length === 0) return;
      this.faults[world.rng.int(0, this.faults.length - 1)]!();
      this.wake();
    });
  }

  private killLeader(): void {
    const leader = this.world.leader;
    if (this.masterFault || !leader) return;
    this.killAndRestart(leader);
  }

  private killFollower(): void {
    const followers = [...this.world.replicas.values()].filter((r) => r.alive && r.id !== this.world.log.leader);
    if (this.masterFault || followers.length === 0) return;
    this.killAndRestart(followers[this.world.rng.int(0, followers.length - 1)]!);
  }

  private killAndRestart(replica: ReturnType<MasterWorld['replicas']['get']> & object): void {
    const { world } = this;
    this.masterFault = true;
    const wasLeader = world.log.leader === replica.id;
    world.killReplica(replica);
    if (wasLeader) this.electLater();
    world.sim.after(world.rng.int(500, 5000), () => {
      const peer = [...world.replicas.values()].find((r) => r.alive && r.id !== replica.id && r.node.applied > 0);
      world.startReplica(replica.id, peer && world.rng.next() < 0.5 ? peer : undefined);
      world.stats.restarts++;
      this.masterFault = false;
    });
  }

  /** The followers' election timeout runs out; if no majority can elect yet, they try again. */
  private electLater(): void {
    const { world } = this;
    world.sim.after(world.rng.int(150, 1500), () => {
      if (world.log.leader !== null) return;
      if (!world.elect()) this.electLater();
    });
  }

  private isolateLeader(): void {
    const { world } = this;
    const leader = world.leader;
    if (this.masterFault || !leader) return;
    this.masterFault = true;
    world.isolate(leader);
    this.electLater();
    // Check-quorum: the cut-off leader steps down after its election timeout (or it is healed first).
    world.sim.after(world.rng.int(200, 4000), () => {
      if (leader.node.isolated) leader.node.stepDown();
    });
    const healAt = world.rng.int(2000, 8000);
    const heal = (): void => {
      // Heal only once the others have elected (the stale term must be over).
      if (world.log.leader === null || world.log.leader === leader.id) return void world.sim.after(200, heal);
      world.heal(leader);
      this.masterFault = false;
    };
    world.sim.after(healAt, heal);
  }

  private randomAgent(): ReturnType<MasterWorld['agents']['at']> & object {
    return this.world.agents[this.world.rng.int(0, this.world.agents.length - 1)]!;
  }

  private cutLink(): void {
    this.world.cutLink(this.randomAgent());
  }

  private partitionAgent(): void {
    const { world } = this;
    const agent = this.randomAgent();
    // Mostly short; sometimes past the missed-heartbeat limit (the agent becomes unreachable).
    const ms = world.rng.next() < 0.3 ? world.rng.int(6000, 12_000) : world.rng.int(200, 3000);
    world.partitionedUntil.set(agent, world.sim.now + ms);
    world.stats.partitions++;
    world.cutLink(agent);
  }

  private crashAgent(): void {
    const { world } = this;
    world.stats.agentCrashes++;
    this.randomAgent().restart(world.rng.int(50, 3000));
  }

  private frameworkAway(): void {
    const { world } = this;
    const framework = world.frameworks[world.rng.int(0, world.frameworks.length - 1)];
    if (!framework) return;
    world.stats.frameworkAways++;
    framework.goAway(world.rng.next() < 0.3 ? world.rng.int(3000, 8000) : world.rng.int(100, 2000));
  }

  private slowSpell(): void {
    const { world } = this;
    world.slowUntil = world.sim.now + world.rng.int(500, 3000);
  }

  private straggler(): void {
    this.world.replayStale(this.randomAgent());
  }
}
