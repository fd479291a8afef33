/**
 * Test support: fast-check arbitraries for Raft messages, and a comparison helper that treats
 * Buffer and Uint8Array alike (msgpackr decodes bytes as Buffer).
 */
import fc from 'fast-check';
import type { Entry, Message, MessageType, Snapshot } from '../../../../src/raft/core/types.js';

const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const nodeId = fc.constantFrom('a', 'b', 'c', 'node-4', 'ünïcode');
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

const entryArb: fc.Arbitrary<Entry> = fc.record({ term: count, index: count, type: fc.constantFrom(0 as const, 1 as const), data: bytes(64) });

const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  meta: fc.record({ index: count, term: count, conf: fc.record({ voters: fc.array(nodeId, { maxLength: 5 }), learners: fc.array(nodeId, { maxLength: 2 }) }) }),
  data: bytes(2048),
});

const messageTypes: MessageType[] = ['app', 'appResp', 'heartbeat', 'heartbeatResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'snap', 'timeoutNow'];

export const messageArb: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...messageTypes),
  from: nodeId,
  to: nodeId,
  term: count,
  logTerm: count,
  index: count,
  commit: count,
  entries: fc.array(entryArb, { maxLength: 8 }),
  reject: fc.boolean(),
  rejectHint: count,
  snapshot: fc.option(snapshotArb, { nil: null }),
  context: fc.option(bytes(16), { nil: null }),
});

/** Deep-converts byte arrays to plain number arrays so Buffer and Uint8Array compare equal. */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return value;
}

/** A message with routing fields set and everything else empty. */
export function simpleMessage(from: string, to: string, overrides: Partial<Message> = {}): Message {
  return { type: 'app', from, to, term: 1, logTerm: 0, index: 0, commit: 0, entries: [], reject: false, rejectHint: 0, snapshot: null, context: null, ...overrides };
}
