/**
 * Goal: the compact tuple codec for Raft messages round-trips every message exactly and refuses
 * malformed input with a ProtocolError (a confused peer cannot feed the core garbage).
 * Method: fast-check over random messages; hand-made malformed tuples.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../src/lib/codec.js';
import { ProtocolError } from '../../../src/lib/errors.js';
import type { Message } from '../../../src/raft/core/types.js';
import { decodeMessage, encodeMessage } from '../../../src/raft/transport/message-codec.js';

const count = fc.nat({ max: 2 ** 40 });
const entry = fc.record({ term: count, index: count, type: fc.constantFrom(0 as const, 1 as const), data: fc.uint8Array({ maxLength: 64 }) });
const message: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom('app', 'appResp', 'heartbeat', 'heartbeatResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'snap', 'timeoutNow'),
  from: fc.string({ maxLength: 8 }),
  to: fc.string({ maxLength: 8 }),
  term: count,
  logTerm: count,
  index: count,
  commit: count,
  entries: fc.array(entry, { maxLength: 5 }),
  reject: fc.boolean(),
  rejectHint: count,
  snapshot: fc.option(
    fc.record({
      meta: fc.record({ index: count, term: count, conf: fc.record({ voters: fc.array(fc.string({ maxLength: 3 })), learners: fc.array(fc.string({ maxLength: 3 })) }) }),
      data: fc.uint8Array({ maxLength: 64 }),
    }),
    { nil: null },
  ),
  context: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }),
});

describe('Raft message tuple codec', () => {
  test.prop([message])('round-trips', (m) => {
    const back = decodeMessage(encodeMessage(m));
    expect({ ...back, entries: back.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })) }).toEqual({
      ...m,
      entries: m.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })),
      snapshot: m.snapshot ? { ...m.snapshot, data: Buffer.from(m.snapshot.data) } : null,
      context: m.context ? Buffer.from(m.context) : null,
    });
  });

  it('is smaller than the map encoding', () => {
    const m: Message = { type: 'heartbeat', from: 'm1', to: 'm2', term: 3, logTerm: 0, index: 0, commit: 10, entries: [], reject: false, rejectHint: 0, snapshot: null, context: null };
    expect(encodeMessage(m).length * 2).toBeLessThan(encode(m).length);
  });

  it.each([
    ['a map', encode({ type: 'app' })],
    ['an unknown type code', encode([99, 'a', 'b', 1, 0, 0, 0, [], 0, 0, null, null])],
    ['a negative term', encode([0, 'a', 'b', -1, 0, 0, 0, [], 0, 0, null, null])],
    ['a ragged entry list', encode([0, 'a', 'b', 1, 0, 0, 0, [1, 2, 0], 0, 0, null, null])],
    ['an entry with a bad type', encode([0, 'a', 'b', 1, 0, 0, 0, [1, 2, 7, new Uint8Array(1)], 0, 0, null, null])],
    ['garbage bytes', Buffer.from([0xc1])],
  ])('refuses %s', (_what, bytes) => {
    expect(() => decodeMessage(bytes)).toThrow(ProtocolError);
  });
});
