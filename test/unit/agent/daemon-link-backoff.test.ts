/**
 * Reconnect backoff during a takeover: while masters answer HTTP (503 / 307 without a hint) the
 * delay restarts from the short schedule and never exceeds 500 ms; only rounds where no master
 * answered climb to 5 s. Pure function, no clock.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ANSWERED_BACKOFF, LINK_BACKOFF, roundBackoff, type BackoffRounds } from '../../../src/agent/daemon/link-policy.js';

describe('roundBackoff', () => {
  it('silent rounds climb to 5 s; one answered round drops back to the short schedule', () => {
    let rounds: BackoffRounds = { answered: 0, silent: 0 };
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = roundBackoff(rounds, false, 0.999999);
      delays.push(next.delayMs);
      rounds = next.rounds;
    }
    expect(delays.at(-1)).toBe(LINK_BACKOFF.maxMs);
    const answered = roundBackoff(rounds, true, 0.999999);
    expect(answered.delayMs).toBe(ANSWERED_BACKOFF.minMs);
    expect(answered.rounds.silent).toBe(0);
  });

  test.prop([fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 })])(
    'an answered round never waits more than 500 ms, any round never more than 5 s, always jittered into [step/2, step]',
    (answers, units) => {
      let rounds: BackoffRounds = { answered: 0, silent: 0 };
      answers.forEach((answered, i) => {
        const next = roundBackoff(rounds, answered, units[i]!);
        expect(next.delayMs).toBeGreaterThanOrEqual(answered ? ANSWERED_BACKOFF.minMs / 2 : LINK_BACKOFF.minMs / 2);
        expect(next.delayMs).toBeLessThanOrEqual(answered ? ANSWERED_BACKOFF.maxMs : LINK_BACKOFF.maxMs);
        rounds = next.rounds;
      });
    },
  );
});
