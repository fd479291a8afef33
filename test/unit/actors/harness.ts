/**
 * Shared test helpers for the lifecycle machines: run a history of events through step(),
 * fast-check arbitraries for timed event sequences, and the generic properties every machine
 * must satisfy (STYLE §3.4): final states absorb every event, every effect carries an
 * idempotency key (and one key never names two different effects), snapshots survive the codec,
 * stepping never mutates its input, and replay is deterministic.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { AnyStateMachine, EventFromLogic, InputFrom } from 'xstate';
import { decode, encode } from '../../../src/lib/codec.js';
import { initial, isFinalSnapshot, step, type StepResult } from '../../../src/actors/step.js';
import type { Effect } from '../../../src/actors/effects.js';
import type { MachineContextBase, StoredSnapshot } from '../../../src/actors/types.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** One recorded step of a history. */
export interface HistoryStep {
  readonly event: { readonly type: string; readonly nowMs: number };
  readonly before: StoredSnapshot;
  readonly result: StepResult<MachineContextBase>;
}

/** Start a machine and feed it `events` in order, recording every step. */
export function runHistory<M extends AnyStateMachine>(
  machine: M,
  input: InputFrom<M>,
  events: readonly EventFromLogic<M>[],
): { readonly start: StepResult<MachineContextBase>; readonly steps: HistoryStep[] } {
  const start = initial(machine, input) as StepResult<MachineContextBase>;
  const steps: HistoryStep[] = [];
  let snapshot = start.snapshot;
  for (const event of events) {
    const result = step(machine, snapshot as never, event) as StepResult<MachineContextBase>;
    steps.push({ event: event as HistoryStep['event'], before: snapshot, result });
    snapshot = result.snapshot;
  }
  return { start, steps };
}

/** Every effect of a history, start included. */
export function effectsOf(history: ReturnType<typeof runHistory>): Effect[] {
  return [...history.start.effects, ...history.steps.flatMap((entry) => entry.result.effects)];
}

/**
 * Timestamps that never go backwards, with steps from a millisecond to three weeks so that
 * every deadline (75 s grace, 10 min re-register, 2-week retention, back-offs) is sometimes
 * reached and sometimes not.
 */
export function timestampsArbitrary(count: number, startMs: number): fc.Arbitrary<number[]> {
  const gap = fc.oneof(
    fc.integer({ min: 0, max: 1_000 }),
    fc.integer({ min: 0, max: 20 * 60_000 }),
    fc.integer({ min: 0, max: 21 * DAY_MS }),
  );
  return fc.array(gap, { minLength: count, maxLength: count }).map((gaps) => {
    let nowMs = startMs;
    return gaps.map((gapMs) => (nowMs += gapMs));
  });
}

/** Pair event builders with non-decreasing timestamps. */
export function timedEventsArbitrary<E>(
  builder: fc.Arbitrary<(nowMs: number) => E>,
  startMs: number,
  maxLength = 40,
): fc.Arbitrary<E[]> {
  return fc
    .array(builder, { maxLength })
    .chain((builders) => timestampsArbitrary(builders.length, startMs).map((times) => builders.map((build, index) => build(times[index] ?? startMs))));
}

/** Deep copy through JSON: what a snapshot looked like before a step. */
function frozenCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The generic properties, checked on one history. */
export function checkGenericProperties<M extends AnyStateMachine>(
  machine: M,
  input: InputFrom<M>,
  events: readonly EventFromLogic<M>[],
): void {
  const history = runHistory(machine, input, events);
  const byKey = new Map<string, Effect>();
  for (const effect of effectsOf(history)) {
    expect(typeof effect.key === 'string' && effect.key.length > 0).toBe(true);
    const previous = byKey.get(effect.key);
    if (previous !== undefined) expect(effect).toEqual(previous);
    byKey.set(effect.key, effect);
  }
  let reachedFinal = isFinalSnapshot(machine, history.start.snapshot as never);
  for (const entry of history.steps) {
    if (reachedFinal) {
      expect(entry.result.handled).toBe(false);
      expect(entry.result.effects).toEqual([]);
      expect(entry.result.snapshot).toEqual(entry.before);
    }
    reachedFinal = isFinalSnapshot(machine, entry.result.snapshot as never);
    if (reachedFinal) expect(entry.result.snapshot.context.deadline).toBeNull();
    if (!entry.result.handled) expect(entry.result.snapshot).toBe(entry.before);
    expect(decode(encode(entry.result.snapshot))).toEqual(entry.result.snapshot);
  }
}

/** Stepping never mutates the stored snapshot, and the same history replays identically. */
export function checkPurity<M extends AnyStateMachine>(machine: M, input: InputFrom<M>, events: readonly EventFromLogic<M>[]): void {
  const first = runHistory(machine, input, events);
  const befores = first.steps.map((entry) => frozenCopy(entry.before));
  const second = runHistory(machine, input, events);
  expect(first.steps.map((entry) => entry.before)).toEqual(befores);
  expect(frozenCopy(second)).toEqual(frozenCopy(first));
}

/** A snapshot decoded from the codec steps exactly like the original. */
export function checkCodecRoundTrip<M extends AnyStateMachine>(
  machine: M,
  snapshot: StoredSnapshot,
  event: EventFromLogic<M>,
): void {
  const restored = decode<StoredSnapshot>(encode(snapshot));
  expect(restored).toEqual(snapshot);
  expect(step(machine, restored as never, event)).toEqual(step(machine, snapshot as never, event));
}

/** The state names a history visited, start included. */
export function statesOf(history: ReturnType<typeof runHistory>): string[] {
  return [history.start.snapshot.value, ...history.steps.map((entry) => entry.result.snapshot.value)];
}

/** Effects reduced to `type` + the given fields, for compact table expectations. */
export function summarize(effects: readonly Effect[]): string[] {
  return effects.map((effect) => `${effect.type} ${effect.key}`);
}
