/**
 * Properties of the pure building blocks, checked with fast-check against simple reference
 * models: the quorum commit index is the k-th largest match, vote tallies agree with counting,
 * the in-flight window behaves like a bounded FIFO, the log's conflict search and size-capped
 * slices meet their specifications, and membership replay equals step-by-step application.
 * A last property runs short random schedules on a 3-node harness and checks that every
 * node's applied sequence is a prefix of the longest (state machine safety).
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { RaftLog } from '../../../../src/raft/core/log.js';
import { applyConfChange, encodeConfChange, replayConfChanges } from '../../../../src/raft/core/membership.js';
import { Inflights } from '../../../../src/raft/core/progress.js';
import { committedIndex, voteResult } from '../../../../src/raft/core/quorum.js';
import { EntryType } from '../../../../src/raft/core/types.js';
import type { ConfChange, ConfState, Entry } from '../../../../src/raft/core/types.js';
import { Net } from './harness.js';

const matches = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 9 });

describe('quorum', () => {
  test.prop([matches])('committed index = k-th largest match, k = majority', (values) => {
    const voters = values.map((_, k) => `n${k}`);
    const got = committedIndex(voters, (id) => values[Number(id.slice(1))]!);
    const sorted = [...values].sort((a, b) => b - a);
    expect(got).toBe(sorted[Math.floor(values.length / 2)]);
    // A majority has matched it, and no larger value has a majority.
    const atLeast = values.filter((v) => v >= got).length;
    expect(atLeast).toBeGreaterThan(values.length / 2);
    expect(values.filter((v) => v > got).length).toBeLessThanOrEqual(values.length / 2);
  });

  test.prop([fc.array(fc.constantFrom<boolean | undefined>(true, false, undefined), { minLength: 1, maxLength: 9 })])(
    'vote result agrees with counting',
    (ballots) => {
      const voters = ballots.map((_, k) => `n${k}`);
      const votes = new Map<string, boolean>();
      ballots.forEach((b, k) => b !== undefined && votes.set(`n${k}`, b));
      const granted = ballots.filter((b) => b === true).length;
      const open = ballots.filter((b) => b === undefined).length;
      const majority = Math.floor(voters.length / 2) + 1;
      const expected = granted >= majority ? 'won' : granted + open < majority ? 'lost' : 'pending';
      expect(voteResult(voters, votes)).toBe(expected);
    },
  );
});

describe('inflights', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const) }),
    fc.record({ kind: fc.constant('free' as const), upTo: fc.nat({ max: 60 }) }),
    fc.record({ kind: fc.constant('freeFirst' as const) }),
  );
  test.prop([fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60 })])(
    'behaves like a bounded FIFO of increasing last indexes',
    (capacity, ops) => {
      const window = new Inflights(capacity);
      const model: number[] = [];
      let next = 1;
      for (const o of ops) {
        if (o.kind === 'add') {
          if (model.length === capacity) continue;
          window.add(next);
          model.push(next++);
        } else if (o.kind === 'free') {
          window.freeLE(o.upTo);
          while (model.length > 0 && model[0]! <= o.upTo) model.shift();
        } else {
          window.freeFirstOne();
          model.shift();
        }
        expect(window.size()).toBe(model.length);
        expect(window.full()).toBe(model.length === capacity);
      }
    },
  );
});

function logFromTerms(terms: number[]): RaftLog {
  const entries: Entry[] = terms.map((term, k) => ({ term, index: k + 1, type: EntryType.Normal, data: new Uint8Array(k % 4) }));
  return new RaftLog(null, entries, 0);
}

const nondecreasingTerms = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 })
  .map((steps) => steps.reduce<number[]>((acc, s) => [...acc, (acc.at(-1) ?? 0) + (s === 1 ? 1 : 0) || 1], []));

describe('log', () => {
  test.prop([nondecreasingTerms, fc.nat({ max: 40 }), fc.nat({ max: 6 })])(
    'findConflictByTerm returns the largest index <= i whose term is <= t',
    (terms, index, term) => {
      const log = logFromTerms(terms);
      const got = log.findConflictByTerm(index, term);
      let expected = 0;
      for (let i = Math.min(index, terms.length); i >= 1; i--) {
        if (terms[i - 1]! <= term) {
          expected = i;
          break;
        }
      }
      expect(got.index).toBe(expected);
      expect(got.term).toBe(expected === 0 ? 0 : terms[expected - 1]);
    },
  );

  test.prop([nondecreasingTerms, fc.nat({ max: 30 }), fc.nat({ max: 30 }), fc.nat({ max: 8 })])(
    'slice returns a contiguous prefix within the byte cap (at least one entry)',
    (terms, a, b, maxBytes) => {
      const log = logFromTerms(terms);
      const lo = 1 + (a % terms.length);
      const hi = lo + (b % (terms.length - lo + 2));
      const got = log.slice(lo, hi, maxBytes);
      if (hi === lo) {
        expect(got).toEqual([]);
        return;
      }
      expect(got.length).toBeGreaterThanOrEqual(1);
      got.forEach((e, k) => expect(e.index).toBe(lo + k));
      const bytes = got.reduce((sum, e) => sum + e.data.byteLength, 0);
      if (got.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
      expect(got.at(-1)!.index).toBeLessThan(hi);
    },
  );

  test.prop([nondecreasingTerms, fc.nat({ max: 30 }), fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 10 })])(
    'maybeAppend leaves the log equal to prefix + leader entries',
    (terms, at, newTermsRaw) => {
      const log = logFromTerms(terms);
      const prev = at % (terms.length + 1);
      const prevTerm = prev === 0 ? 0 : terms[prev - 1]!;
      const base = Math.max(prevTerm, 1);
      const newTerms = newTermsRaw.map((t) => base + t).sort((x, y) => x - y);
      const entries = newTerms.map((term, k) => ({ term, index: prev + 1 + k, type: EntryType.Normal, data: new Uint8Array() }));
      const lastNew = log.maybeAppend(prev, prevTerm, 0, entries);
      expect(lastNew).toBe(prev + entries.length);
      for (const e of entries) expect(log.term(e.index)).toBe(e.term);
      for (let i = 1; i <= prev; i++) expect(log.term(i)).toBe(terms[i - 1]);
    },
  );
});

describe('membership', () => {
  const change = fc.record({
    type: fc.constantFrom<ConfChange['type']>('addVoter', 'addLearner', 'removeNode'),
    nodeId: fc.constantFrom('a', 'b', 'c', 'd'),
  });
  test.prop([fc.array(change, { maxLength: 12 })])('replaying entries equals applying changes one by one', (changes) => {
    const start: ConfState = { voters: ['a'], learners: [] };
    const entries: Entry[] = changes.map((c, k) => ({ term: 1, index: k + 1, type: EntryType.ConfChange, data: encodeConfChange(c) }));
    const stepwise = changes.reduce((conf, c) => applyConfChange(conf, c), start);
    const replayed = replayConfChanges(start, entries);
    expect(replayed).toEqual(stepwise);
    // Never both a voter and a learner.
    for (const id of replayed.voters) expect(replayed.learners).not.toContain(id);
  });
});

describe('state machine safety on random schedules', () => {
  const action = fc.oneof(
    fc.record({ kind: fc.constant('tick' as const), node: fc.constantFrom('1', '2', '3') }),
    fc.record({ kind: fc.constant('propose' as const), node: fc.constantFrom('1', '2', '3') }),
    fc.record({ kind: fc.constant('deliver' as const) }),
    fc.record({ kind: fc.constant('ready' as const), node: fc.constantFrom('1', '2', '3') }),
    fc.record({ kind: fc.constant('partition' as const), node: fc.constantFrom('1', '2', '3', 'none') }),
    fc.record({ kind: fc.constant('restart' as const), node: fc.constantFrom('1', '2', '3') }),
  );
  test.prop([fc.nat(), fc.array(action, { minLength: 50, maxLength: 400 })], { numRuns: 60 })(
    'applied sequences are prefixes of one another',
    (seed, actions) => {
      const net = new Net(['1', '2', '3'], { seed: seed % 1000, electionTicks: 4, heartbeatTicks: 1 });
      let proposals = 0;
      for (const a of actions) {
        if (a.kind === 'tick') net.tick(a.node, 3);
        else if (a.kind === 'propose') net.core(a.node).propose(new TextEncoder().encode(`v${proposals++}`));
        else if (a.kind === 'deliver') net.deliverAll();
        else if (a.kind === 'ready') net.processReady(a.node);
        else if (a.kind === 'restart') net.restart(a.node);
        else if (a.node === 'none') net.heal();
        else net.isolate(a.node);
      }
      net.heal();
      for (let k = 0; k < 60; k++) net.tickAll();
      const sequences = ['1', '2', '3'].map((id) => net.applied.get(id)!);
      const longest = sequences.reduce((a, b) => (a.length >= b.length ? a : b));
      for (const s of sequences) expect(longest.slice(0, s.length)).toEqual(s);
      expect(net.leaders()).toHaveLength(1);
    },
  );
});
