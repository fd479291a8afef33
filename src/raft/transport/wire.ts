/**
 * The peer protocol on top of frames. An outbound connection opens with HELLO (cluster id, sender
 * and intended receiver); the receiver answers WELCOME or REJECT and then only reads MESSAGE and
 * CHUNK frames: each connection carries traffic one way. Message bodies use the shared msgpackr
 * codec and are shape-checked on arrival, so a confused peer cannot feed the Raft core garbage.
 */
import { decode, encode } from '../../lib/codec.js';
import { ProtocolError } from '../../lib/errors.js';
import type { Message, MessageType, NodeId } from '../core/types.js';
import { chunkFrameParts } from './chunking.js';
import { frameParts, payloadBytesFor } from './framing.js';

export const FrameKind = { Hello: 1, Welcome: 2, Reject: 3, Message: 4, Chunk: 5 } as const;

export const PROTOCOL_VERSION = 1;

export interface Hello {
  version: number;
  clusterId: string;
  from: NodeId;
  to: NodeId;
}

const messageTypes = new Set<MessageType>(['app', 'appResp', 'heartbeat', 'heartbeatResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'snap', 'timeoutNow']);

export function helloFrame(hello: Hello): Buffer[] {
  return frameParts(FrameKind.Hello, encode(hello));
}

export function welcomeFrame(from: NodeId): Buffer[] {
  return frameParts(FrameKind.Welcome, encode({ from }));
}

export function rejectFrame(reason: string): Buffer[] {
  return frameParts(FrameKind.Reject, encode({ reason }));
}

/**
 * Frame parts for one message: a single MESSAGE frame, or CHUNK frames when the encoded message
 * does not fit in `maxFrameBytes`.
 */
export function messageFrameParts(message: Message, messageId: number, maxFrameBytes: number): Buffer[] {
  const body = encode(message);
  if (payloadBytesFor(body.length) <= maxFrameBytes) return frameParts(FrameKind.Message, body);
  return chunkFrameParts(FrameKind.Chunk, messageId, body, maxFrameBytes);
}

export function decodeHello(body: Buffer): Hello {
  const value = decodeBody(body, 'hello');
  const { version, clusterId, from, to } = value;
  if (typeof version !== 'number' || typeof clusterId !== 'string' || typeof from !== 'string' || typeof to !== 'string') {
    throw new ProtocolError('malformed hello frame');
  }
  return { version, clusterId, from, to };
}

export function decodeReason(body: Buffer): string {
  const reason = decodeBody(body, 'reject').reason;
  return typeof reason === 'string' ? reason : 'no reason given';
}

/** Decodes and shape-checks a Raft message. */
export function decodeMessage(body: Uint8Array): Message {
  const value = decodeBody(body, 'message');
  const ok =
    typeof value.type === 'string' && messageTypes.has(value.type as MessageType) &&
    typeof value.from === 'string' && typeof value.to === 'string' &&
    isCount(value.term) && isCount(value.logTerm) && isCount(value.index) && isCount(value.commit) && isCount(value.rejectHint) &&
    typeof value.reject === 'boolean' &&
    Array.isArray(value.entries) && value.entries.every(isEntryShape) &&
    (value.snapshot === null || isSnapshotShape(value.snapshot)) &&
    (value.context === null || value.context instanceof Uint8Array);
  if (!ok) throw new ProtocolError(`malformed Raft message (type ${String(value.type)})`);
  return value as unknown as Message;
}

function decodeBody(body: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = decode(body);
  } catch (error) {
    throw new ProtocolError(`${what} frame does not decode: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what} frame is not a record`);
  return value as Record<string, unknown>;
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isEntryShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return isCount(entry['term']) && isCount(entry['index']) && (entry['type'] === 0 || entry['type'] === 1) && entry['data'] instanceof Uint8Array;
}

function isSnapshotShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as { meta?: Record<string, unknown>; data?: unknown };
  const conf = snapshot.meta?.['conf'] as Record<string, unknown> | undefined;
  return (
    snapshot.data instanceof Uint8Array && isCount(snapshot.meta?.['index']) && isCount(snapshot.meta?.['term']) &&
    Array.isArray(conf?.['voters']) && Array.isArray(conf?.['learners'])
  );
}
