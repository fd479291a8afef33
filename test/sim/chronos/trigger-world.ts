/**
 * A simulated Kairos control plane for the Chronos trigger, over virtual time.
 *
 * Raft is modelled abstractly: the replicated log is the sequence of committed trigger
 * commands, applied in order by the real reducer; it survives everything. Leaders come and go;
 * each leadership runs its own real TriggerEngine (the production shell) whose `propose` goes
 * through a lossy pipe:
 *   - a proposal commits after a short delay, or is lost (its promise then rejects, or never
 *     settles and the engine's timeout fires);
 *   - a leader that crashes after proposing may still have its entry committed (it reached a
 *     majority) or not; it never hears back;
 *   - a partitioned leader does not know it was cut off: its engine keeps firing until it steps
 *     down; its proposals are lost, or rarely commit much later (after the next leader's);
 *   - a new leader is elected after a delay, sometimes longer than epsilon.
 * Faults come in storms separated by calm phases (no faults, no loss), and each seed draws its
 * own fault rates ("swarm" weather). Finished runs are status updates committed to the log.
 * Half the successors take over from a standby heap kept current by the applied commands.
 */
import { SeededRng } from '../../../src/lib/rng.js';
import type { Clock, TimerHandle } from '../../../src/lib/clock.js';
import { TriggerEngine } from '../../../src/chronos/engine/index.js';
import { parseSchedule } from '../../../src/chronos/schedule/index.js';
import {
  applyTriggerCommand,
  createTriggerState,
  initialFiredThroughMs,
  type TriggerCommand,
  type TriggerJob,
  type TriggerState,
} from '../../../src/chronos/trigger/index.js';
import { SimClock } from '../harness/sim-clock.js';

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** Virtual time zero: shortly before New York's 2024 spring-forward gap (07:00Z). */
export const EPOCH_MS = Date.parse('2024-03-10T05:00:00Z');

/** A job of the simulated registry plus how long its runs take. */
export interface SimJob {
  readonly job: TriggerJob;
  readonly runDurationMs: readonly [number, number];
}

/** One committed command with what the reducer said and when. */
export interface LogEntry {
  readonly command: TriggerCommand;
  readonly outcome: 'applied' | 'duplicate' | 'rejected';
  readonly committedAtMs: number;
  readonly leader: number;
  /** Active runs of the command's job just before it was applied. */
  readonly activeBefore: number;
}

/** A stretch of virtual time with one healthy leader and no faults (for the liveness check). */
export interface HealthyWindow {
  fromMs: number;
  toMs: number;
}

/** Per-seed weather. */
export interface Weather {
  readonly stormMs: readonly [number, number];
  readonly calmMs: readonly [number, number];
  readonly faultGapMs: readonly [number, number];
  readonly lossProbability: number;
  readonly longElectionProbability: number;
  readonly partitionProbability: number;
}

interface Leader {
  readonly id: number;
  readonly engine: TriggerEngine;
  alive: boolean;
  partitioned: boolean;
}

export interface WorldStats {
  kills: number;
  partitions: number;
  leaderships: number;
  proposals: number;
  lostProposals: number;
  lateCommits: number;
  warmTakeovers: number;
}

function jobOf(name: string, schedule: string, zone: string, epsilonMs: number, extra: Partial<TriggerJob> = {}): TriggerJob {
  return { name, schedule: parseSchedule(schedule, zone), epsilonMs, disabled: false, concurrent: true, ...extra };
}

/** The jobs every seed runs: cron and ISO8601, zones with DST, epsilons from 0 to an hour. */
export function standardJobs(): SimJob[] {
  const quick: [number, number] = [1 * SECOND, 20 * SECOND];
  return [
    { job: jobOf('every-minute', '* * * * *', '', 30 * SECOND), runDurationMs: quick },
    { job: jobOf('every-minute-eps0', '* * * * *', 'UTC', 0), runDurationMs: quick },
    { job: jobOf('five-ny', '*/5 * * * *', 'America/New_York', 5 * MINUTE), runDurationMs: quick },
    { job: jobOf('gap-ny', '*/20 1-3 * * *', 'America/New_York', 10 * MINUTE), runDurationMs: quick },
    { job: jobOf('hourly-berlin', '0 * * * *', 'Europe/Berlin', HOUR), runDurationMs: quick },
    { job: jobOf('quarter-kathmandu', '*/15 * * * *', 'Asia/Kathmandu', 2 * MINUTE), runDurationMs: quick },
    { job: jobOf('iso-r30', 'R30/2024-03-10T05:10:00Z/PT17M', '', 3 * MINUTE), runDurationMs: quick },
    { job: jobOf('iso-90s', 'R/2024-03-10T04:00:00Z/PT90S', '', MINUTE), runDurationMs: quick },
    { job: jobOf('iso-daily-ny', 'R/2024-03-09T02:30:00/P1D', 'America/New_York', HOUR), runDurationMs: quick },
    { job: jobOf('solo-minute', '* * * * *', '', 2 * MINUTE, { concurrent: false }), runDurationMs: [20 * SECOND, 150 * SECOND] },
    { job: jobOf('solo-3min', '*/3 * * * *', 'Australia/Sydney', 5 * MINUTE, { concurrent: false }), runDurationMs: [MINUTE, 7 * MINUTE] },
    { job: jobOf('disabled', '* * * * *', '', HOUR, { disabled: true }), runDurationMs: quick },
  ];
}

export function weatherFor(rng: SeededRng): Weather {
  return {
    stormMs: [10 * MINUTE, 40 * MINUTE],
    calmMs: [5 * MINUTE, 30 * MINUTE],
    faultGapMs: [rng.int(5, 30) * SECOND, rng.int(60, 240) * SECOND],
    lossProbability: rng.int(0, 40) / 100,
    longElectionProbability: rng.int(5, 30) / 100,
    partitionProbability: rng.int(20, 60) / 100,
  };
}

export class TriggerWorld {
  readonly clock = new SimClock<() => void>();
  readonly rng: SeededRng;
  readonly state: TriggerState = createTriggerState();
  readonly log: LogEntry[] = [];
  readonly jobs = new Map<string, SimJob>();
  readonly healthy: HealthyWindow[] = [];
  readonly stats: WorldStats = { kills: 0, partitions: 0, leaderships: 0, proposals: 0, lostProposals: 0, lateCommits: 0, warmTakeovers: 0 };
  readonly weather: Weather;
  private leaders: Leader[] = [];
  private nextLeaderId = 1;
  private storm = false;
  private healthySince: number | null = null;
  private electionPending = false;
  /** A replica in standby: its engine hears every applied command (as the registry would tell it). */
  private follower: Leader | null = null;

  constructor(readonly seed: number, jobs: readonly SimJob[]) {
    this.rng = new SeededRng(seed);
    this.weather = weatherFor(this.rng);
    for (const sim of jobs) {
      this.jobs.set(sim.job.name, sim);
      applyTriggerCommand(this.state, { t: 'trigger.track', job: sim.job.name, firedThroughMs: initialFiredThroughMs(sim.job, EPOCH_MS) });
    }
  }

  nowMs(): number {
    return EPOCH_MS + this.clock.now;
  }

  /** Runs the world for `durationMs` of storms and calms, then a final calm of `settleMs`. */
  async run(durationMs: number, settleMs: number): Promise<void> {
    this.elect(0);
    this.planPhases(durationMs);
    this.clock.at(durationMs + settleMs, () => {});
    await this.drain(durationMs + settleMs);
    this.closeHealthy();
  }

  private async drain(untilMs: number): Promise<void> {
    while (this.clock.peekTime() <= untilMs) {
      const event = this.clock.pop();
      event?.();
      // Let proposal promises settle before the next event (they are microtasks).
      for (let i = 0; i < 4; i++) await Promise.resolve();
    }
  }

  private planPhases(durationMs: number): void {
    let at = this.rng.int(...this.weather.calmMs);
    while (at < durationMs) {
      const stormEnd = Math.min(durationMs, at + this.rng.int(...this.weather.stormMs));
      this.clock.at(at, () => this.setStorm(true));
      for (let t = at + this.rng.int(...this.weather.faultGapMs); t < stormEnd; t += this.rng.int(...this.weather.faultGapMs)) {
        this.clock.at(t, () => this.fault());
      }
      this.clock.at(stormEnd, () => this.setStorm(false));
      at = stormEnd + this.rng.int(...this.weather.calmMs);
    }
  }

  private setStorm(storm: boolean): void {
    this.storm = storm;
    this.updateHealth();
  }

  /** Kill or partition the current leader; a successor is elected after a delay. */
  private fault(): void {
    const leader = this.activeLeader();
    if (leader === undefined) return;
    if (this.rng.next() < this.weather.partitionProbability) {
      this.stats.partitions += 1;
      leader.partitioned = true;
      // The cut-off leader keeps firing until check-quorum makes it step down.
      this.clock.after(this.rng.int(300, 20 * SECOND), () => this.stepDown(leader));
    } else {
      this.stats.kills += 1;
      this.stepDown(leader);
    }
    this.updateHealth();
    this.elect(this.electionDelay());
  }

  private electionDelay(): number {
    if (this.rng.next() < this.weather.longElectionProbability) return this.rng.int(1, 15) * MINUTE;
    return this.rng.int(150, 5 * SECOND);
  }

  private stepDown(leader: Leader): void {
    if (!leader.alive) return;
    leader.alive = false;
    leader.engine.stop();
    this.updateHealth();
  }

  private elect(delayMs: number): void {
    if (this.electionPending) return;
    this.electionPending = true;
    this.clock.after(delayMs, () => {
      this.electionPending = false;
      if (this.activeLeader() !== undefined) return;
      // Half the time the successor is a follower whose standby heap was kept current.
      const warm = this.follower !== null && this.rng.next() < 0.5;
      const leader = warm && this.follower !== null ? this.follower : this.newLeader();
      if (warm) this.stats.warmTakeovers += 1;
      this.leaders.push(leader);
      this.stats.leaderships += 1;
      leader.engine.start();
      this.follower = this.newLeader();
      this.follower.engine.standby();
      this.updateHealth();
    });
  }

  private activeLeader(): Leader | undefined {
    return this.leaders.find((leader) => leader.alive && !leader.partitioned);
  }

  private newLeader(): Leader {
    const id = this.nextLeaderId++;
    const holder: { leader?: Leader } = {};
    const engine = new TriggerEngine({
      clock: this.engineClock(),
      source: { jobs: () => [...this.jobs.values()].map((sim) => sim.job), job: (name) => this.jobs.get(name)?.job, state: () => this.state },
      propose: (commands) => this.propose(holder.leader as Leader, commands),
      proposalTimeoutMs: 2 * SECOND,
    });
    holder.leader = { id, engine, alive: true, partitioned: false };
    return holder.leader;
  }

  private engineClock(): Clock {
    return {
      nowMs: () => this.nowMs(),
      monotonicMs: () => this.clock.now,
      setTimer: (delayMs: number, fn: () => void): TimerHandle => {
        let cancelled = false;
        this.clock.after(delayMs, () => cancelled || fn());
        return { cancel: () => void (cancelled = true) };
      },
    };
  }

  /** The lossy pipe from a leader's engine to the log. */
  private propose(leader: Leader, commands: readonly TriggerCommand[]): Promise<void> {
    this.stats.proposals += 1;
    return new Promise<void>((resolve, reject) => {
      if (leader.partitioned) {
        // Rarely the entry had reached a majority before the cut and commits much later.
        if (this.rng.next() < 0.15) this.clock.after(this.rng.int(1, 90) * SECOND, () => this.commitLate(leader, commands));
        else this.stats.lostProposals += 1;
        return; // the cut-off leader never hears back
      }
      if (this.storm && this.rng.next() < this.weather.lossProbability) {
        this.stats.lostProposals += 1;
        if (this.rng.next() < 0.5) this.clock.after(this.rng.int(1, 500), () => reject(new Error('proposal dropped')));
        return;
      }
      const survivesCrash = this.rng.next() < 0.5;
      this.clock.after(this.rng.int(1, 30), () => {
        if (!leader.alive && !survivesCrash) return; // crashed before its entry replicated
        this.commit(leader.id, commands);
        if (leader.alive) this.clock.after(this.rng.int(0, 5), () => resolve());
      });
    });
  }

  private commitLate(leader: Leader, commands: readonly TriggerCommand[]): void {
    this.stats.lateCommits += 1;
    this.commit(leader.id, commands);
  }

  private commit(leaderId: number, commands: readonly TriggerCommand[]): void {
    for (const command of commands) {
      const activeBefore = this.state.jobs.get(command.job)?.activeRuns.size ?? 0;
      const { outcome } = applyTriggerCommand(this.state, command);
      this.follower?.engine.jobChanged(command.job);
      this.log.push({ command, outcome, committedAtMs: this.nowMs(), leader: leaderId, activeBefore });
      if (outcome === 'applied' && command.t === 'run.scheduled') this.scheduleFinish(command.job, command.key);
    }
  }

  /** The run's task ends after a while; its final status update is committed. */
  private scheduleFinish(job: string, key: string): void {
    const range = this.jobs.get(job)?.runDurationMs ?? [SECOND, SECOND];
    this.clock.after(this.rng.int(...range), () => this.commit(0, [{ t: 'run.finished', job, key }]));
  }

  private updateHealth(): void {
    const leaders = this.leaders.filter((leader) => leader.alive);
    const healthy = !this.storm && leaders.length === 1 && leaders[0]?.partitioned === false;
    if (healthy && this.healthySince === null) this.healthySince = this.nowMs();
    if (!healthy) this.closeHealthy();
  }

  private closeHealthy(): void {
    if (this.healthySince === null) return;
    this.healthy.push({ fromMs: this.healthySince, toMs: this.nowMs() });
    this.healthySince = null;
  }
}
