/**
 * Compact wire form of a Raft message: a positional msgpack array instead of a 12-key map.
 * Keys are the bulk of a small frame (a heartbeat is mostly field names), so a tuple is about half
 * the bytes and encodes/decodes in roughly half the time. Entries are flattened into one array
 * of (term, index, type, data) quadruples. The shape is checked on decode so a confused peer
 * cannot feed the core garbage.
 */
import { decode, encode } from '../../lib/codec.js';
import { ProtocolError } from '../../lib/errors.js';
import type { Entry, EntryType, Message, MessageType, Snapshot } from '../core/types.js';

const typeCodes: MessageType[] = ['app', 'appResp', 'heartbeat', 'heartbeatResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'snap', 'timeoutNow'];
const codeOf = new Map(typeCodes.map((type, code) => [type, code]));

type WireMessage = [
  type: number,
  from: string,
  to: string,
  term: number,
  logTerm: number,
  index: number,
  commit: number,
  entries: Array<number | Uint8Array>,
  reject: 0 | 1,
  rejectHint: number,
  snapshot: Snapshot | null,
  context: Uint8Array | null,
];

export function encodeMessage(message: Message): Buffer {
  const entries: Array<number | Uint8Array> = new Array(message.entries.length * 4);
  let at = 0;
  for (const entry of message.entries) {
    entries[at++] = entry.term;
    entries[at++] = entry.index;
    entries[at++] = entry.type;
    entries[at++] = entry.data;
  }
  const wire: WireMessage = [
    codeOf.get(message.type)!,
    message.from,
    message.to,
    message.term,
    message.logTerm,
    message.index,
    message.commit,
    entries,
    message.reject ? 1 : 0,
    message.rejectHint,
    message.snapshot,
    message.context,
  ];
  return encode(wire);
}

export function decodeMessage(bytes: Uint8Array): Message {
  let wire: unknown;
  try {
    wire = decode(bytes);
  } catch (error) {
    throw new ProtocolError(`undecodable Raft message: ${(error as Error).message}`);
  }
  if (!Array.isArray(wire) || wire.length !== 12) throw new ProtocolError('malformed Raft message: not a 12-field tuple');
  const [typeCode, from, to, term, logTerm, index, commit, flat, reject, rejectHint, snapshot, context] = wire as unknown[];
  const type = typeCodes[typeCode as number];
  const ok =
    type !== undefined && typeof from === 'string' && typeof to === 'string' &&
    isCount(term) && isCount(logTerm) && isCount(index) && isCount(commit) && isCount(rejectHint) &&
    (reject === 0 || reject === 1) && Array.isArray(flat) && flat.length % 4 === 0 &&
    (snapshot === null || isSnapshotShape(snapshot)) && (context === null || context instanceof Uint8Array);
  if (!ok) throw new ProtocolError(`malformed Raft message (type code ${String(typeCode)})`);
  return {
    type,
    from,
    to,
    term,
    logTerm,
    index,
    commit,
    entries: unflattenEntries(flat as unknown[]),
    reject: reject === 1,
    rejectHint,
    snapshot: snapshot as Snapshot | null,
    context: context as Uint8Array | null,
  };
}

function unflattenEntries(flat: unknown[]): Entry[] {
  const entries: Entry[] = new Array(flat.length / 4);
  for (let i = 0, at = 0; at < flat.length; i++, at += 4) {
    const [term, index, type, data] = [flat[at], flat[at + 1], flat[at + 2], flat[at + 3]];
    if (!isCount(term) || !isCount(index) || (type !== 0 && type !== 1) || !(data instanceof Uint8Array)) {
      throw new ProtocolError(`malformed Raft entry at position ${i}`);
    }
    entries[i] = { term, index, type: type as EntryType, data };
  }
  return entries;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isSnapshotShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { meta, data } = value as { meta?: { index?: unknown; term?: unknown; conf?: { voters?: unknown; learners?: unknown } }; data?: unknown };
  return (
    data instanceof Uint8Array && meta !== undefined && isCount(meta.index) && isCount(meta.term) &&
    Array.isArray(meta.conf?.voters) && Array.isArray(meta.conf?.learners)
  );
}
