/**
 * Each seed draws its own world from itself: cluster size, Raft options, how hostile the
 * network and disks are, how often the nemesis strikes and with what, whether membership
 * changes happen, and the client workload. Mixing per seed (rather than one fixed profile)
 * lets a swarm of seeds cover calm and brutal runs alike (FoundationDB's "buggify" spirit).
 */
import { SeededRng } from '../../../src/lib/rng.js';
import type { NetworkFaults } from './sim-network.js';
import type { ClientWorkload } from './sim-clients.js';
import type { ChurnPlan } from './log-churn.js';

export interface NemesisWeights {
  crash: number;
  crashLeader: number;
  partition: number;
  isolateLeader: number;
  oneWay: number;
  clog: number;
  heal: number;
  transfer: number;
}

export interface FaultMix {
  seed: number;
  voters: number;
  /** Add a learner, promote it, then remove one of the founders. */
  membershipChanges: boolean;
  preVote: boolean;
  checkQuorum: boolean;
  electionTicks: number;
  heartbeatTicks: number;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  network: NetworkFaults;
  /** Each node's clock runs up to this fraction fast or slow. */
  driftMax: number;
  writeLatencyMaxMs: number;
  snapshotEveryEntries: number;
  snapshotTrailingEntries: number;
  /** Mean virtual time between nemesis actions. */
  nemesisIntervalMs: number;
  nemesis: NemesisWeights;
  /** How long a crashed node stays down before the nemesis restarts it. */
  downtimeMaxMs: number;
  clients: number;
  workload: ClientWorkload;
  /** Background write bursts to every self-believed leader (null: none). */
  churn: ChurnPlan | null;
  faultPhaseMs: number;
  livenessBudgetMs: number;
}

export const nominalTickMs = 10;

export function drawFaultMix(seed: number): FaultMix {
  const rng = new SeededRng(seed ^ 0x5eed);
  const pick = (p: number): boolean => rng.next() < p;
  const between = (lo: number, hi: number): number => lo + rng.next() * (hi - lo);
  const delayMax = pick(0.3) ? between(10, 40) : between(2, 10);
  const weight = (p: number, max: number): number => (pick(p) ? between(0, max) : 0);
  const oneEntryPerAppend = pick(0.3);
  return {
    seed,
    voters: pick(0.3) ? 5 : 3,
    membershipChanges: pick(0.35),
    preVote: pick(0.85),
    checkQuorum: pick(0.85),
    electionTicks: rng.int(6, 12),
    heartbeatTicks: rng.int(1, 3),
    // One entry per append (1 byte) spreads replication over many round trips, which is what
    // exposes commit-rule bugs (Figure 8); the mutation test showed random faults alone rarely do.
    maxSizePerMsg: oneEntryPerAppend ? 1 : pick(0.3) ? rng.int(2, 200) : 1 << 20,
    maxInflightMsgs: pick(oneEntryPerAppend ? 0.7 : 0.3) ? rng.int(1, 3) : 256,
    network: {
      lossRate: pick(0.6) ? between(0, 0.2) : 0,
      duplicateRate: pick(0.4) ? between(0, 0.1) : 0,
      delayMinMs: between(0.5, 2),
      delayMaxMs: delayMax,
    },
    driftMax: pick(0.6) ? between(0, 0.25) : 0,
    writeLatencyMaxMs: pick(0.2) ? between(5, 25) : between(0, 4),
    snapshotEveryEntries: rng.int(4, 40),
    snapshotTrailingEntries: pick(0.5) ? 0 : rng.int(1, 8),
    nemesisIntervalMs: between(40, 250),
    nemesis: {
      crash: weight(0.7, 3),
      crashLeader: weight(0.6, 3),
      partition: weight(0.7, 3),
      isolateLeader: weight(0.6, 3),
      oneWay: weight(0.4, 2),
      clog: weight(0.4, 2),
      heal: between(1, 4),
      transfer: weight(0.3, 1),
    },
    downtimeMaxMs: between(20, 600),
    clients: rng.int(1, 4),
    workload: {
      keys: rng.int(1, 3),
      logReadShare: between(0, 0.25),
      readIndexShare: between(0, 0.35),
      operationsPerClient: rng.int(10, 40),
      attemptTimeoutMs: between(60, 300),
      thinkTimeMaxMs: rng.int(5, 60),
    },
    churn: pick(0.6) ? { intervalMs: between(5, 60), burst: rng.int(1, 8) } : null,
    faultPhaseMs: rng.int(1000, 3000),
    livenessBudgetMs: 4000,
  };
}

/** One line naming the mix, for failure reports. */
export function describeFaultMix(mix: FaultMix): string {
  const n = mix.network;
  const weights = Object.entries(mix.nemesis)
    .filter(([, w]) => w > 0)
    .map(([name, w]) => `${name}=${w.toFixed(1)}`)
    .join(' ');
  return (
    `${mix.voters} voters${mix.membershipChanges ? ' +membership' : ''}, preVote=${mix.preVote} checkQuorum=${mix.checkQuorum}, ` +
    `election=${mix.electionTicks}t heartbeat=${mix.heartbeatTicks}t, loss=${n.lossRate.toFixed(2)} dup=${n.duplicateRate.toFixed(2)} ` +
    `delay=${n.delayMinMs.toFixed(1)}-${n.delayMaxMs.toFixed(1)}ms, drift=${mix.driftMax.toFixed(2)}, ` +
    `write<=${mix.writeLatencyMaxMs.toFixed(1)}ms, snapshot/${mix.snapshotEveryEntries}, nemesis every ~${mix.nemesisIntervalMs.toFixed(0)}ms [${weights}], ` +
    `${mix.clients} clients x ${mix.workload.operationsPerClient} ops on ${mix.workload.keys} keys, ` +
    `${mix.churn === null ? 'no churn' : `churn ${mix.churn.burst} per ~${mix.churn.intervalMs.toFixed(0)}ms`}, fault phase ${mix.faultPhaseMs}ms`
  );
}
