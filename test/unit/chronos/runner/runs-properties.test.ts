/**
 * Goal: whatever sequence of run commands arrives (repeated, out of order, stale), the `run`
 * part keeps its invariants: the runs it calls active are exactly the trigger's active runs,
 * the history stays bounded, successCount equals the successes it was told about, a repeated
 * command changes nothing, and a replica restored from a snapshot mid-way ends identical.
 * Method: fast-check draws command sequences over two jobs; a model counts the outcomes.
 */
import { describe, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { encode } from '../../../../src/lib/codec.js';
import type { RunsCommand } from '../../../../src/chronos/state/runs.js';
import { manualRunKey } from '../../../../src/chronos/trigger/index.js';
import { T0, world } from './fixtures.js';

const JOBS = ['a', 'b'] as const;
const HISTORY = 4;

type Op =
  | { kind: 'manual'; job: number; id: number }
  | { kind: 'launch' | 'start' | 'succeed' | 'fail' | 'kill' | 'retryDue' | 'killRequest'; run: number }
  | { kind: 'markSuccess'; job: number; id: number }
  | { kind: 'repeatLast' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('manual' as const), job: fc.integer({ min: 0, max: 1 }), id: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constantFrom('launch', 'start', 'succeed', 'fail', 'kill', 'retryDue', 'killRequest') as fc.Arbitrary<'launch'>, run: fc.integer({ min: 0, max: 25 }) }),
  fc.record({ kind: fc.constant('markSuccess' as const), job: fc.integer({ min: 0, max: 1 }), id: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'repeatLast' as const }),
);

function setup() {
  const w = world({ historyLimit: HISTORY, retryBackoffBaseMs: 10 });
  w.put({ name: 'a', command: 'true', schedule: 'R/2030-01-01T00:00:00Z/P1D', retries: 1, concurrent: true });
  w.put({ name: 'b', command: 'true', schedule: 'R/2030-01-01T00:00:00Z/P1D', retries: 0, concurrent: false });
  return w;
}

/** Turns an op into a command against the current state (keys of runs created so far). */
function commandOf(op: Exclude<Op, { kind: 'repeatLast' }>, keys: string[], nowMs: number, w: ReturnType<typeof setup>): RunsCommand | null {
  if (op.kind === 'manual') {
    const job = JOBS[op.job]!;
    const requestId = `r${op.id}`;
    return { t: 'run.scheduled', key: manualRunKey(job, requestId), job, trigger: { kind: 'manual', requestId }, concurrent: true, proposedAtMs: nowMs };
  }
  if (op.kind === 'markSuccess') return { t: 'run.markSuccess', job: JOBS[op.job]!, id: `m${op.id}`, nowMs };
  const key = keys[op.run % Math.max(1, keys.length)];
  if (key === undefined) return null;
  const run = w.runs.run(key);
  const taskId = `${key}#${run?.machine.context.attempt ?? 0}`;
  switch (op.kind) {
    case 'launch':
      return { t: 'run.event', key, event: { type: 'run.launched', nowMs, taskId, agentId: 'ag' } };
    case 'start':
      return { t: 'run.event', key, taskId, event: { type: 'run.started', nowMs } };
    case 'succeed':
      return { t: 'run.event', key, taskId, event: { type: 'run.succeeded', nowMs } };
    case 'fail':
      return { t: 'run.event', key, taskId, event: { type: 'run.failed', nowMs, message: 'x' } };
    case 'kill':
      return { t: 'run.event', key, taskId, event: { type: 'run.killed', nowMs } };
    case 'retryDue':
      return { t: 'run.event', key, event: { type: 'run.retryDue', nowMs } };
    case 'killRequest':
      return { t: 'run.event', key, event: { type: 'run.killRequested', nowMs, reason: 'user' } };
  }
}

describe('run part properties', () => {
  test.prop([fc.array(opArb, { maxLength: 80 }), fc.nat({ max: 80 })])('keeps its invariants under any command sequence', (ops, cut) => {
    const w = setup();
    const keys: string[] = [];
    const log: RunsCommand[] = [];
    let last: RunsCommand | null = null;
    const successes = new Map<string, number>();
    let nowMs = T0;
    for (const op of ops) {
      nowMs += 1000;
      const command: RunsCommand | null = op.kind === 'repeatLast' ? last : commandOf(op, keys, nowMs, w);
      if (command === null) continue;
      const before = JSON.stringify(w.runs.toSnapshot());
      const result = w.run(command) as { ok: boolean; value?: unknown };
      log.push(command);
      if (op.kind === 'repeatLast' && command.t !== 'run.event') expect(JSON.stringify(w.runs.toSnapshot())).toBe(before);
      if (command.t === 'run.scheduled' && result.ok && result.value === 'applied') keys.push(command.key);
      if (result.ok && command.t === 'run.event' && result.value === 'succeeded') successes.set(w.runs.run(command.key)!.job, (successes.get(w.runs.run(command.key)!.job) ?? 0) + 1);
      if (result.ok && command.t === 'run.markSuccess' && result.value === 'applied') successes.set(command.job, (successes.get(command.job) ?? 0) + 1);
      last = command;

      const triggerActive = new Set([...w.runs.triggerState().jobs.values()].flatMap((s) => [...s.activeRuns]));
      expect(new Set(w.runs.activeRuns().map((r) => r.key))).toEqual(triggerActive);
      for (const job of JOBS) {
        const runs = w.runs.runsOf(job);
        const active = runs.filter((r) => triggerActive.has(r.key)).length;
        expect(runs.length).toBeLessThanOrEqual(HISTORY + active);
        expect(w.runs.stats(job).successCount).toBe(successes.get(job) ?? 0);
        if (job === 'b') expect(active).toBeLessThanOrEqual(1);
      }
    }
    // A replica that restored a snapshot taken after `cut` commands and applied the rest ends identical.
    const other = setup();
    const prefix = Math.min(cut, log.length);
    for (const command of log.slice(0, prefix)) other.run(command);
    const restored = setup();
    restored.state.restore(other.state.snapshot());
    for (const command of log.slice(prefix)) restored.apply(JSON.parse(JSON.stringify(command)));
    expect(restored.runs.toSnapshot()).toEqual(w.runs.toSnapshot());
    expect(encode(restored.runs.toSnapshot())).toEqual(encode(w.runs.toSnapshot()));
  });
});
