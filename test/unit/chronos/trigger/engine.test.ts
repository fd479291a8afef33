/**
 * Goal: the leader-only engine fires every due instant on time with one timer, proposes in
 * batches, survives lost, failed and timed-out proposals by recomputing from replicated state,
 * rebuilds from that state on leadership gain, and follows job changes.
 * Method: a ManualClock drives virtual time in steps (microtasks flushed between steps, so
 * proposal promises settle); a fake registry applies proposed commands with the real reducer;
 * the coverage checker compares the records with the schedules. A wrapping clock counts the
 * engine's live timers.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../../../src/lib/clock.js';
import { TriggerEngine, type TriggerEngineOptions } from '../../../../src/chronos/engine/index.js';
import {
  applyTriggerCommand,
  initialFiredThroughMs,
  type TriggerCommand,
  type TriggerJob,
  type TriggerState,
  createTriggerState,
} from '../../../../src/chronos/trigger/index.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { coverageOf, coverageProblems, HOUR, MINUTE, SECOND, triggerJob, utc } from './fixtures.js';

const START = utc('2024-06-03T11:59:30Z');

/** A Clock that counts how many of its timers are pending. */
class CountingClock implements Clock {
  live = 0;
  maxLive = 0;
  constructor(readonly inner: ManualClock) {}
  nowMs(): number {
    return START + this.inner.nowMs();
  }
  monotonicMs(): number {
    return this.inner.monotonicMs();
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    this.live += 1;
    this.maxLive = Math.max(this.maxLive, this.live);
    let done = false;
    const finish = (): void => {
      if (!done) this.live -= 1;
      done = true;
    };
    const handle = this.inner.setTimer(delayMs, () => {
      finish();
      fn();
    });
    return { cancel: () => (finish(), handle.cancel()) };
  }
}

/** The registry as the engine sees it, with a log of what was applied. */
class FakeRegistry {
  readonly jobs = new Map<string, TriggerJob>();
  readonly state: TriggerState = createTriggerState();
  readonly applied: TriggerCommand[] = [];
  proposals: Array<readonly TriggerCommand[]> = [];

  add(job: TriggerJob, atMs: number): void {
    this.jobs.set(job.name, job);
    applyTriggerCommand(this.state, { t: 'trigger.track', job: job.name, firedThroughMs: initialFiredThroughMs(job, atMs) });
  }
  commit(commands: readonly TriggerCommand[]): void {
    for (const command of commands) if (applyTriggerCommand(this.state, command).outcome === 'applied') this.applied.push(command);
  }
  source(): TriggerEngineOptions['source'] {
    return { jobs: () => this.jobs.values(), job: (name) => this.jobs.get(name), state: () => this.state };
  }
}

async function advance(clock: ManualClock, totalMs: number, stepMs = SECOND): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    clock.advance(Math.min(stepMs, totalMs - elapsed));
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

function setup(propose?: (registry: FakeRegistry, commands: readonly TriggerCommand[]) => Promise<unknown>, extra: Partial<TriggerEngineOptions> = {}) {
  const manual = new ManualClock();
  const clock = new CountingClock(manual);
  const registry = new FakeRegistry();
  const engine = new TriggerEngine({
    clock,
    source: registry.source(),
    propose: (commands) => {
      registry.proposals.push(commands);
      if (propose !== undefined) return propose(registry, commands);
      registry.commit(commands);
      return Promise.resolve();
    },
    ...extra,
  });
  return { manual, clock, registry, engine };
}

function problemsOf(registry: FakeRegistry, fromMs: number, untilMs: number): string[] {
  return [...registry.jobs.values()].flatMap((job) =>
    coverageProblems(job, coverageOf(registry.applied, job.name), initialFiredThroughMs(job, fromMs), untilMs).map((p) => `${job.name}: ${p}`),
  );
}

describe('TriggerEngine', () => {
  it('fires every instant on time with a single timer', async () => {
    const { manual, clock, registry, engine } = setup();
    for (let i = 0; i < 100; i++) registry.add(triggerJob(`j${i}`, `*/${1 + (i % 7)} * * * *`, { epsilonMs: 10 * SECOND }), START);
    engine.start();
    await advance(manual, HOUR);
    expect(problemsOf(registry, START, clock.nowMs())).toEqual([]);
    expect(registry.applied.filter((c) => c.t === 'run.scheduled').length).toBeGreaterThan(1_000);
    const lateness = engine.latenessSummary();
    expect(lateness.max).toBe(0);
    // One trigger timer plus at most one proposal timeout at a time (proposals settle at once).
    expect(clock.maxLive).toBeLessThanOrEqual(2);
  });

  it('catches up after a leaderless stretch: within epsilon run late, older skipped', async () => {
    const { manual, clock, registry, engine } = setup();
    registry.add(triggerJob('minutely', '* * * * *', { epsilonMs: 5 * MINUTE }), START);
    engine.start();
    await advance(manual, 10 * MINUTE);
    engine.stop();
    await advance(manual, 30 * MINUTE);
    const recordsBefore = registry.applied.length;
    engine.start();
    await advance(manual, 2 * SECOND);
    const catchUp = registry.applied.slice(recordsBefore);
    expect(catchUp.map((c) => c.t)).toEqual(['run.skipped', ...Array(5).fill('run.scheduled')]);
    await advance(manual, 10 * MINUTE);
    expect(problemsOf(registry, START, clock.nowMs())).toEqual([]);
  });

  it('recomputes after a proposal that never settles (timeout) and one that fails', async () => {
    let calls = 0;
    const { manual, clock, registry, engine } = setup(
      (reg, commands) => {
        calls += 1;
        if (calls === 1) return new Promise(() => {}); // lost: never settles
        if (calls === 2) return Promise.reject(new Error('leadership lost'));
        reg.commit(commands);
        return Promise.resolve();
      },
      { proposalTimeoutMs: 5 * SECOND },
    );
    registry.add(triggerJob('hourly', '0 * * * *', { epsilonMs: MINUTE }), START);
    engine.start();
    await advance(manual, 2 * MINUTE, 100);
    expect(problemsOf(registry, START, clock.nowMs())).toEqual([]);
    expect(engine.stats().proposalFailures).toBe(2);
    expect(engine.latenessSummary().max).toBeGreaterThanOrEqual(5 * SECOND);
  });

  it('a late commit of a timed-out proposal is a duplicate, not a second run', async () => {
    const held: Array<readonly TriggerCommand[]> = [];
    let calls = 0;
    const { manual, clock, registry, engine } = setup(
      (reg, commands) => {
        calls += 1;
        if (calls === 1) {
          held.push(commands);
          return new Promise(() => {});
        }
        reg.commit(commands);
        return Promise.resolve();
      },
      { proposalTimeoutMs: 2 * SECOND },
    );
    registry.add(triggerJob('hourly', '0 * * * *', { epsilonMs: MINUTE }), START);
    engine.start();
    await advance(manual, MINUTE);
    registry.commit(held[0] ?? []);
    await advance(manual, MINUTE);
    expect(registry.applied.filter((c) => c.t === 'run.scheduled').length).toBe(1);
    expect(problemsOf(registry, START, clock.nowMs())).toEqual([]);
  });

  it('follows job changes: added, enabled, deleted', async () => {
    const { manual, clock, registry, engine } = setup();
    engine.start();
    registry.add(triggerJob('late', '* * * * *'), clock.nowMs());
    registry.add(triggerJob('off', '* * * * *', { disabled: true }), clock.nowMs());
    engine.jobChanged('late');
    engine.jobChanged('off');
    await advance(manual, 3 * MINUTE);
    // Registered at 11:59:30 with epsilon 60 s: 11:59 runs late, then 12:00, 12:01, 12:02.
    expect(coverageOf(registry.applied, 'late').runs.length).toBe(4);
    expect(coverageOf(registry.applied, 'off').runs.length).toBe(0);
    registry.jobs.set('off', { ...(registry.jobs.get('off') as TriggerJob), disabled: false });
    registry.jobs.delete('late');
    engine.jobChanged('off');
    engine.jobChanged('late');
    await advance(manual, 2 * MINUTE);
    expect(coverageOf(registry.applied, 'late').runs.length).toBe(4);
    // Enabled at 12:02:30: 11:59–12:01 are older than epsilon (one skip), 12:02–12:04 run.
    expect(coverageOf(registry.applied, 'off').skips.map((s) => s.count)).toEqual([3]);
    expect(coverageOf(registry.applied, 'off').runs.length).toBe(3);
  });

  it('splits a burst into batches without splitting a job', async () => {
    const { manual, registry, engine } = setup();
    for (let i = 0; i < 5_000; i++) registry.add(triggerJob(`j${i}`, '0 12 * * *'), START);
    const withBatch = new TriggerEngine({ clock: new CountingClock(manual), source: registry.source(), maxBatch: 1_000, propose: (c) => (registry.proposals.push(c), registry.commit(c), Promise.resolve()) });
    engine.stop();
    withBatch.start();
    await advance(manual, MINUTE);
    expect(registry.proposals.length).toBe(5);
    expect(registry.proposals.every((batch) => batch.length === 1_000)).toBe(true);
    expect(withBatch.stats().runsProposed).toBe(5_000);
  });

  it('a standby follower takes over without rebuilding, and its stale entries correct themselves', async () => {
    const { manual, clock, registry, engine } = setup();
    for (let i = 0; i < 20; i++) registry.add(triggerJob(`j${i}`, `*/${1 + (i % 4)} * * * *`, { epsilonMs: 10 * SECOND }), START);
    let jobsCalls = 0;
    const follower = new TriggerEngine({
      clock,
      source: { ...registry.source(), jobs: () => (jobsCalls++, registry.jobs.values()) },
      propose: (commands) => (registry.commit(commands), Promise.resolve()),
    });
    const commit = registry.commit.bind(registry);
    // The follower hears about every other applied command, but misses some (stale entries).
    let heard = 0;
    registry.commit = (commands) => {
      commit(commands);
      for (const command of commands) if (heard++ % 3 !== 0) follower.jobChanged(command.job);
    };
    engine.start();
    follower.standby();
    expect(follower.stats().standingBy).toBe(true);
    await advance(manual, 10 * MINUTE);
    engine.stop();
    follower.start();
    await advance(manual, 10 * MINUTE);
    expect(jobsCalls).toBe(1);
    expect(follower.stats().runsProposed).toBeGreaterThan(50);
    expect(problemsOf(registry, START, clock.nowMs())).toEqual([]);
  });
});

