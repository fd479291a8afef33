/**
 * One seed, start to finish: draw the fault mix, run the fault phase (nemesis, membership admin,
 * clients, checkers after every step), then the liveness phase — heal the network, restart every
 * member, and require a leader that commits a new entry which every member applies, within a
 * bounded time — and finally the history checks: durability of every acknowledged write and
 * linearizability of the KV history. Everything is a pure function of the seed.
 */
import { encodeKvCommand } from './kv-state-machine.js';
import { checkKvLinearizable } from '../../checkers/linearizability.js';
import { describeFaultMix, drawFaultMix, nominalTickMs, type FaultMix } from './fault-plan.js';
import { LogChurn } from './log-churn.js';
import { MembershipAdmin } from './membership-admin.js';
import { Nemesis } from './nemesis.js';
import { SimCluster } from './sim-cluster.js';
import type { CoreFactory } from './sim-node.js';
import { perfectNetwork } from './sim-network.js';

export interface SeedStats {
  virtualMs: number;
  steps: number;
  messages: number;
  leaders: number;
  crashes: number;
  appliedIndex: number;
  operations: number;
  acknowledgedWrites: number;
  nemesisActions: number;
  membershipDone: boolean;
  snapshotInstalls: number;
  /** Register states the linearizability search visited. */
  linearizabilityStates: number;
}

export interface SeedResult {
  seed: number;
  ok: boolean;
  /** Why the seed failed (safety violation, core assertion, liveness, linearizability). */
  failure: string | null;
  mix: FaultMix;
  stats: SeedStats;
  /** The last trace lines (only when tracing was asked for). */
  trace: string;
}

export interface RunSeedOptions {
  traceLines?: number;
  /** Checker self-test: disks that forget unflushed data on a crash. */
  amnesia?: boolean;
  /** Override parts of the drawn mix (scenario tests, experiments). */
  adjust?: (mix: FaultMix) => void;
  /** Experiments (e.g. mutation testing of the swarm): build cores with this. */
  coreFactory?: CoreFactory;
}

export function runSeed(seed: number, options: RunSeedOptions = {}): SeedResult {
  const mix = drawFaultMix(seed);
  options.adjust?.(mix);
  const cluster = buildCluster(mix, options);
  let failure: string | null = null;
  let admin: MembershipAdmin | null = null;
  const search = { linearizabilityStates: 0 };
  const nemesis = new Nemesis(cluster, mix);
  try {
    cluster.start();
    if (options.amnesia === true) for (const node of cluster.nodes.values()) node.disk.amnesia = true;
    cluster.addClients(mix.clients, mix.workload);
    nemesis.start();
    const churn = mix.churn === null ? null : new LogChurn(cluster, mix.churn);
    churn?.start();
    if (mix.membershipChanges) {
      const founders = [...cluster.conf.voters];
      admin = new MembershipAdmin(cluster, `n${mix.voters + 1}`, founders[cluster.rng.int(0, founders.length - 1)]!);
      admin.start(cluster.rng.int(50, Math.floor(mix.faultPhaseMs / 2)));
    }
    cluster.runUntil(mix.faultPhaseMs);
    nemesis.stop();
    churn?.stop();
    admin?.stop();
    failure = livenessPhase(cluster, mix) ?? finalChecks(cluster, search);
  } catch (error) {
    failure = describeError(error);
  }
  return {
    seed,
    ok: failure === null,
    failure,
    mix,
    stats: { ...collectStats(cluster, nemesis, admin), ...search },
    trace: cluster.traceText(),
  };
}

function buildCluster(mix: FaultMix, options: RunSeedOptions): SimCluster {
  const voters = Array.from({ length: mix.voters }, (_, k) => `n${k + 1}`);
  return new SimCluster({
    seed: mix.seed,
    voters,
    raft: {
      electionTicks: mix.electionTicks,
      heartbeatTicks: mix.heartbeatTicks,
      preVote: mix.preVote,
      checkQuorum: mix.checkQuorum,
      maxSizePerMsg: mix.maxSizePerMsg,
      maxInflightMsgs: mix.maxInflightMsgs,
      maxUncommittedBytes: 1 << 20,
      snapshotTrailingEntries: mix.snapshotTrailingEntries,
    },
    network: mix.network,
    nominalTickMs,
    driftMax: mix.driftMax,
    writeLatencyMaxMs: mix.writeLatencyMaxMs,
    snapshotEveryEntries: mix.snapshotEveryEntries,
    ...(options.traceLines !== undefined ? { traceLines: options.traceLines } : {}),
    ...(options.coreFactory !== undefined ? { coreFactory: options.coreFactory } : {}),
  });
}

/**
 * Heal everything, restart every member, then require — within the mix's budget — a leader
 * among the voters that commits a fresh entry, applied by every member. Returns why not, or null.
 */
export function livenessPhase(cluster: SimCluster, mix: FaultMix): string | null {
  cluster.trace('--- liveness phase: heal and restart everyone ---');
  for (const client of cluster.clients) client.active = false;
  cluster.network.heal();
  cluster.network.faults = perfectNetwork;
  // Removed nodes were stopped by the admin; a spare whose addition is still in flight stays.
  for (const node of cluster.nodes.values()) cluster.restart(node.id);
  const probe = new LivenessProbe(cluster);
  const budgetMs = mix.livenessBudgetMs + backlogAllowanceMs(cluster);
  const deadline = cluster.now + budgetMs;
  probe.poll();
  if (cluster.runUntil(deadline, () => probe.done())) return null;
  return `liveness: ${probe.whyNot()} within ${budgetMs.toFixed(0)}ms after healing\n${cluster.describe()}`;
}

/**
 * Catching up a long backlog one small append at a time takes time proportional to it, so the
 * budget grows by 10 ms per entry between the longest log and the least applied node: a slow
 * catch-up is not a liveness bug, a stuck one still is.
 */
function backlogAllowanceMs(cluster: SimCluster): number {
  let longest = 0;
  let leastApplied = Infinity;
  for (const node of cluster.nodes.values()) {
    if (node.stopped) continue;
    longest = Math.max(longest, node.disk.lastIndex());
    leastApplied = Math.min(leastApplied, node.kv.appliedIndex);
  }
  return leastApplied === Infinity ? 0 : 10 * Math.max(0, longest - leastApplied);
}

/** Proposes a marker write at whoever leads until every member has applied it. */
class LivenessProbe {
  private attempt: { node: string; index: number; term: number } | null = null;
  private proposals = 0;

  constructor(private readonly cluster: SimCluster) {}

  poll(): void {
    if (this.done()) return;
    const cluster = this.cluster;
    const applied = this.attempt === null ? undefined : cluster.checker.appliedTerm(this.attempt.index);
    const stale = this.attempt !== null && applied !== undefined && applied !== this.attempt.term;
    const leaderLost = this.attempt !== null && applied === undefined && cluster.node(this.attempt.node)?.isLeader !== true;
    if (this.attempt === null || stale || leaderLost) this.propose();
    cluster.later(10, () => this.poll());
  }

  private propose(): void {
    const leader = this.cluster.leader();
    if (leader === undefined || !this.cluster.conf.voters.includes(leader.id)) return;
    const data = encodeKvCommand({ op: 'put', key: '__liveness', value: `probe-${++this.proposals}` });
    const result = leader.propose(data);
    if (result?.ok === true) this.attempt = { node: leader.id, index: result.index, term: result.term };
  }

  done(): boolean {
    const attempt = this.attempt;
    if (attempt === null || this.cluster.checker.appliedTerm(attempt.index) !== attempt.term) return false;
    return this.laggards().length === 0;
  }

  private laggards(): string[] {
    const attempt = this.attempt;
    const { voters, learners } = this.cluster.conf;
    return [...voters, ...learners].filter((id) => {
      const node = this.cluster.node(id);
      return node === undefined || !node.isUp || attempt === null || node.kv.appliedIndex < attempt.index;
    });
  }

  whyNot(): string {
    const leader = this.cluster.leader();
    if (leader === undefined) return 'no leader was elected';
    if (this.attempt === null) return `leader ${leader.id} never accepted the probe write`;
    if (this.cluster.checker.appliedTerm(this.attempt.index) !== this.attempt.term) {
      return `the probe write at ${this.attempt.index}/${this.attempt.term} (on ${this.attempt.node}) did not commit`;
    }
    return `members [${this.laggards()}] did not apply the probe write at ${this.attempt.index}`;
  }
}

/** Durability against the final leader's disk, then linearizability of the client history. */
function finalChecks(cluster: SimCluster, stats: { linearizabilityStates: number }): string | null {
  for (const client of cluster.clients) client.abandon();
  const leader = cluster.leader();
  if (leader !== undefined) cluster.checker.checkDurable(leader.id, leader.disk);
  const result = checkKvLinearizable(cluster.history());
  if (result.ok) {
    stats.linearizabilityStates = result.statesExplored;
    return null;
  }
  const lines = result.operations
    .map((op) => `  ${op.client} ${op.kind} ${op.key}=${String(op.value)} [${op.invokedAt}, ${op.completedAt ?? '?'}]`)
    .join('\n');
  return `linearizability: key ${result.key}: ${result.reason}\n${lines}`;
}

function collectStats(cluster: SimCluster, nemesis: Nemesis, admin: MembershipAdmin | null): Omit<SeedStats, 'linearizabilityStates'> {
  let appliedIndex = 0;
  let crashes = 0;
  for (const node of cluster.nodes.values()) {
    appliedIndex = Math.max(appliedIndex, node.kv.appliedIndex);
    crashes += node.crashes;
  }
  return {
    virtualMs: cluster.now,
    steps: cluster.steps,
    messages: cluster.network.stats.sent,
    leaders: cluster.checker.counts.leaders,
    crashes,
    appliedIndex,
    operations: cluster.history().length,
    acknowledgedWrites: cluster.checker.acknowledged.length,
    nemesisActions: nemesis.actions,
    membershipDone: admin?.finished ?? false,
    snapshotInstalls: cluster.snapshotInstalls,
  };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const where = (error.stack ?? '').split('\n').slice(1, 6).join('\n');
  return `${error.name}: ${error.message}\n${where}`;
}

/** The command that replays one seed. */
export function replayCommand(seed: number): string {
  return `KAIROS_SEED=${seed} KAIROS_TRACE=1 npx vitest run --project sim test/sim/raft-swarm.test.ts`;
}

export { describeFaultMix };
