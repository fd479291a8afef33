/**
 * The swarm must be able to fail. Goal: show that when the storage under Raft breaks its promise
 * (a disk that, on a crash, forgets the vote and every entry past the commit index although it
 * acknowledged them as synced), the same seeds that pass with an honest disk produce safety
 * violations. Method: run seeds with `amnesia` disks until one fails through our checkers (the
 * core's own invariant assertions often trip first on such a corrupted state, which is fine and
 * is counted as a failure too), and require that this happens within 300 seeds.
 */
import { expect, test } from 'vitest';
import { runSeed } from '../harness/run-seed.js';

test('seeds with lying disks are caught by the safety checkers', () => {
  const failures: string[] = [];
  const caughtByCheckers = (): boolean => failures.some((failure) => failure.includes('SafetyViolation'));
  for (let seed = 1; seed <= 300 && !caughtByCheckers(); seed++) {
    const result = runSeed(seed, {
      amnesia: true,
      adjust: (mix) => {
        // Crash often so that the lie matters.
        mix.nemesis.crash = 3;
        mix.nemesis.crashLeader = 3;
      },
    });
    if (!result.ok) failures.push(`seed ${seed}: ${result.failure!.split('\n')[0]}`);
  }
  console.log(failures.join('\n'));
  expect(caughtByCheckers()).toBe(true);
});
