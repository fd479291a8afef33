/**
 * Goal 1 (BENCHMARKS.md): leader failover. Each round finds the leader, sends it SIGKILL (or
 * SIGTERM: graceful, the leader hands over first), and from that instant starts a write to each
 * survivor every 5 ms (overlapping) until one is committed by a NEW leader (etcd: the reply's
 * raft_term is later than the old leader's; Kairos: a survivor answers 204, which only a leader
 * does). Then
 * the old leader is restarted and the cluster must agree on a leader and catch it up before the
 * next round. Rounds alternate between the clusters, all up at once, so noise hits them alike.
 */
import type { ClusterUnderTest } from './lib/cluster.js';
import type { Scenario, ScenarioContext, ScenarioReport } from './lib/scenario.js';
import { ratio, summarize, type Summary } from './lib/stats.js';
import { formatRatio, type Cell, type Table } from './lib/table.js';
import { availableSystems, buildClusters, isKairos, startAll, stopAll } from './raft-systems.js';

type KillSignal = 'SIGKILL' | 'SIGTERM';

export interface Variant {
  cluster: ClusterUnderTest;
  signal: KillSignal;
  rounds: number;
}

/** One variant's failover times in ms (NaN for a round that hit the deadline). */
export interface FailoverFigures {
  label: string;
  signal: KillSignal;
  samplesMs: number[];
  timeouts: number;
  summaryMs: Summary;
}

/** A new probing write to each survivor every this many ms: the figure's resolution. */
const PROBE_INTERVAL_MS = 5;
/** Probes overlap rather than wait for each other: etcd holds a write forwarded to a dead leader
 * until its own request timeout, so a strict one-at-a-time probe would measure that timeout. */
const PROBE_TIMEOUT_MS = 2000;
const PROBES_IN_FLIGHT_MAX = 400;
const ROUND_DEADLINE_MS = 20_000;

/**
 * Starts a write to `member` every PROBE_INTERVAL_MS (bounded in flight) until one commits under
 * a later term than `oldTerm`; resolves with the instant that answer arrived, NaN at the deadline.
 */
async function probeUntilCommitted(cluster: ClusterUnderTest, member: string, oldTerm: number, round: number, stop: { done: boolean }, deadline: number): Promise<number> {
  let committedAt = Number.NaN;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  for (let attempt = 0; !stop.done && Number.isNaN(committedAt) && performance.now() < deadline; attempt++) {
    if (inFlight < PROBES_IN_FLIGHT_MAX) {
      inFlight++;
      const probe = cluster.tryWrite(member, `failover-${round}-${member}-${attempt}`, oldTerm, PROBE_TIMEOUT_MS).then((result) => {
        inFlight--;
        if (result.committed && Number.isNaN(committedAt)) committedAt = performance.now();
      });
      pending.add(probe);
      void probe.finally(() => pending.delete(probe));
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, PROBE_INTERVAL_MS));
  }
  await Promise.all(pending); // leave no request behind before the member is restarted
  if (Number.isNaN(committedAt)) throw new Error(`no commit through ${member}`);
  return committedAt;
}

/** One failover round on `variant`; returns ms from the signal to the first new-leader commit. */
export async function measureFailoverRound(variant: Variant, round: number): Promise<number> {
  const { cluster, signal } = variant;
  const leader = await cluster.waitForLeader(15_000);
  const survivors = cluster.memberNames.filter((name) => name !== leader.member);
  const stop = { done: false };
  const killedAt = performance.now();
  const exited = cluster.signalAndWait(leader.member, signal);
  const deadline = killedAt + ROUND_DEADLINE_MS;
  const probes = survivors.map((member) => probeUntilCommitted(cluster, member, leader.term, round, stop, deadline));
  const firstCommit = await Promise.any(probes).catch(() => Number.NaN);
  stop.done = true;
  await Promise.allSettled(probes);
  await exited;
  await cluster.restart(leader.member, 30_000);
  return firstCommit - killedAt;
}

/** Runs every variant's rounds, interleaved. A variant whose cluster breaks (a member will not
 * restart) stops there with the error noted; the others carry on. */
async function runVariants(variants: Variant[], context: ScenarioContext, notes: string[]): Promise<FailoverFigures[]> {
  const samples = variants.map(() => [] as number[]);
  const broken = new Set<Variant>();
  const maxRounds = Math.max(...variants.map((variant) => variant.rounds));
  for (let round = 0; round < maxRounds; round++) {
    for (const [index, variant] of variants.entries()) {
      if (round >= variant.rounds || broken.has(variant)) continue;
      try {
        const elapsedMs = await measureFailoverRound(variant, round);
        context.progress(`${variant.cluster.label} ${variant.signal} round ${round + 1}/${variant.rounds}: ${elapsedMs.toFixed(0)} ms`);
        samples[index]?.push(elapsedMs);
      } catch (error) {
        broken.add(variant);
        notes.push(`${variant.cluster.label} ${variant.signal} stopped after ${round} rounds: ${(error as Error).message}`);
        context.progress(notes[notes.length - 1] ?? '');
        context.keepWorkDir();
      }
    }
  }
  return variants.map((variant, index) => {
    const all = samples[index] ?? [];
    const finite = all.filter(Number.isFinite);
    return { label: variant.cluster.label, signal: variant.signal, samplesMs: all, timeouts: all.length - finite.length, summaryMs: summarize(finite) };
  });
}

function failoverTable(figures: FailoverFigures[], notes: string[]): Table {
  const kairosKill = figures.find((figure) => figure.label.startsWith('Kairos') && figure.signal === 'SIGKILL');
  const kairosTerm = figures.find((figure) => figure.label.startsWith('Kairos') && figure.signal === 'SIGTERM');
  const rows: Cell[][] = figures.map((figure) => {
    const ours = figure.signal === 'SIGKILL' ? kairosKill : kairosTerm;
    const isOurs = figure.label.startsWith('Kairos');
    return [
      figure.label, figure.signal, figure.summaryMs.count, figure.summaryMs.p50, figure.summaryMs.p90, figure.summaryMs.p99, figure.summaryMs.max,
      figure.timeouts,
      isOurs ? '—' : formatRatio(ratio(ours?.summaryMs.p50, figure.summaryMs.p50)),
      isOurs ? '—' : formatRatio(ratio(ours?.summaryMs.p99, figure.summaryMs.p99)),
    ];
  });
  return {
    title: 'Leader failover: signal → first write committed by the new leader (goal 1: median ≤ 250 ms, p99 ≤ 500 ms)',
    header: ['system', 'signal', 'rounds', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'timeouts', 'p50 Kairos÷this', 'p99 Kairos÷this'],
    rows,
    notes: [`A round with no commit within ${ROUND_DEADLINE_MS / 1000} s counts as a timeout and is left out of the percentiles.`, ...notes],
  };
}

function planVariants(clusters: ClusterUnderTest[], quick: boolean): Variant[] {
  const killRounds = quick ? 2 : 30;
  const termRounds = quick ? 2 : 10;
  const variants: Variant[] = clusters.map((cluster) => ({ cluster, signal: 'SIGKILL' as const, rounds: killRounds }));
  // Graceful hand-over: Kairos against etcd defaults (etcd also transfers leadership on SIGTERM).
  const etcdDefaults = clusters.find((cluster) => !isKairos(cluster) && cluster.label.endsWith('defaults'));
  const kairos = clusters.find(isKairos);
  for (const cluster of [etcdDefaults, kairos]) {
    if (cluster !== undefined) variants.push({ cluster, signal: 'SIGTERM', rounds: termRounds });
  }
  return variants;
}

export const raftFailoverScenario: Scenario = {
  name: 'raft-failover',
  description: 'leader SIGKILL/SIGTERM → first committed write: etcd defaults, etcd 50/250 ms, Kairos (goal 1)',
  async run(context): Promise<ScenarioReport> {
    const systems = availableSystems(context);
    const clusters = buildClusters(context, systems, [false, true]);
    if (clusters.length === 0) return { tables: [], figures: { skipped: systems.skipped } };
    const started = await startAll(clusters, context, systems.skipped);
    try {
      const notes = [...systems.skipped];
      const figures = await runVariants(planVariants(started, context.quick), context, notes);
      return { tables: [failoverTable(figures, notes)], figures: { notes, variants: figures } };
    } finally {
      await stopAll(started);
    }
  },
};
