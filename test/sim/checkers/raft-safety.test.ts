/**
 * Each Raft safety checker must fire on the violation it exists for, and stay quiet on the
 * legal look-alike. Method: feed RaftSafetyChecker hand-made observations — two leaders in one
 * term, diverging logs, a stored term going back, a changed vote, a later leader missing a
 * committed entry (and an earlier one that may lack it), replicas applying different entries —
 * through a tiny in-memory DiskView.
 */
import { describe, expect, test } from 'vitest';
import { EntryType } from '../../../src/raft/core/types.js';
import type { Entry, HardState, Snapshot } from '../../../src/raft/core/types.js';
import { RaftSafetyChecker, SafetyViolation, type DiskView } from '../../checkers/raft-safety.js';

function entry(index: number, term: number, text = `${index}/${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) };
}

/** A disk holding `terms[k]` at index k + 1. */
function disk(terms: number[], hardState: Partial<HardState> = {}): DiskView {
  const hard: HardState = { term: Math.max(0, ...terms), vote: null, commit: 0, ...hardState };
  return {
    hardState: hard,
    snapshot: null as Snapshot | null,
    snapshotIndex: () => 0,
    firstIndex: () => 1,
    lastIndex: () => terms.length,
    termAt: (index: number) => (index === 0 ? 0 : terms[index - 1]),
  };
}

const none: HardState = { term: 0, vote: null, commit: 0 };

describe('RaftSafetyChecker', () => {
  test('election safety: two leaders of one term', () => {
    const checker = new RaftSafetyChecker();
    checker.observeLeader('n1', 3);
    checker.observeLeader('n1', 3);
    checker.observeLeader('n2', 4);
    expect(() => checker.observeLeader('n3', 3)).toThrow(SafetyViolation);
  });

  test('log matching: same index and term, different bytes or different history', () => {
    const checker = new RaftSafetyChecker();
    checker.afterPersist('n1', none, disk([1, 2]), [entry(1, 1), entry(2, 2)]);
    checker.afterPersist('n2', none, disk([1, 2]), [entry(1, 1), entry(2, 2)]);
    expect(() => checker.afterPersist('n3', none, disk([1, 2]), [entry(2, 2, 'other')])).toThrow(/log matching/);
    expect(() => checker.afterPersist('n3', none, disk([3, 2]), [entry(2, 2)])).toThrow(/follows term/);
  });

  test('disk monotonicity: term and commit never go back, the vote never changes within a term', () => {
    const checker = new RaftSafetyChecker();
    const before: HardState = { term: 5, vote: 'n2', commit: 4 };
    checker.afterPersist('n1', before, disk([1, 1, 1, 1], { term: 6, vote: null, commit: 4 }), []);
    expect(() => checker.afterPersist('n1', before, disk([1, 1, 1, 1], { term: 4, vote: null, commit: 4 }), [])).toThrow(/term went back/);
    expect(() => checker.afterPersist('n1', before, disk([1, 1, 1], { term: 5, vote: 'n2', commit: 3 }), [])).toThrow(/commit went back/);
    expect(() => checker.afterPersist('n1', before, disk([1, 1, 1, 1], { term: 5, vote: 'n3', commit: 4 }), [])).toThrow(/vote/);
  });

  test('a committed entry may never be overwritten on disk', () => {
    const checker = new RaftSafetyChecker();
    const stored = disk([1, 1, 2], { commit: 2 });
    checker.beforePersist('n1', stored, [entry(3, 3)], null);
    expect(() => checker.beforePersist('n1', stored, [entry(2, 3)], null)).toThrow(/overwrites committed/);
  });

  test('leader completeness: a later leader must hold what was committed', () => {
    const checker = new RaftSafetyChecker();
    // n1 stores entries 1..2 of term 1 and knows them committed while at term 1.
    checker.afterPersist('n1', none, disk([1, 1], { term: 1, commit: 2 }), [entry(1, 1), entry(2, 1)]);
    // A leader of term 1 (the same term) may have become leader before entry 2 existed.
    checker.leaderLogDurable('n1', 1, disk([1]));
    checker.leaderLogDurable('n2', 2, disk([1, 1, 2]));
    expect(() => checker.leaderLogDurable('n3', 3, disk([1, 3]))).toThrow(/leader completeness/);
  });

  test('leader completeness is also checked when the commit is learned after the election', () => {
    const checker = new RaftSafetyChecker();
    checker.leaderLogDurable('n2', 5, disk([1]));
    expect(() => checker.afterPersist('n1', none, disk([1, 1], { term: 2, commit: 2 }), [])).toThrow(/leader completeness/);
  });

  test('state machine safety: replicas apply the same entry at each index', () => {
    const checker = new RaftSafetyChecker();
    checker.observeApply('n1', 1, 1, 111);
    checker.observeApply('n2', 1, 1, 111);
    checker.observeRestore('n3', 1, 111);
    expect(() => checker.observeApply('n3', 1, 2, 222)).toThrow(/state machine safety/);
    expect(() => checker.observeRestore('n3', 1, 999)).toThrow(/state machine safety/);
  });

  test('durability: an acknowledged write must be in the final leader log', () => {
    const checker = new RaftSafetyChecker();
    checker.acknowledge({ index: 2, term: 1, label: 'put k=v' });
    checker.checkDurable('n1', disk([1, 1]));
    expect(() => checker.checkDurable('n2', disk([1]))).toThrow(/durability/);
    expect(() => checker.checkDurable('n2', disk([1, 2]))).toThrow(/durability/);
  });
});
