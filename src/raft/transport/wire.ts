/**
 * The peer protocol on top of frames. An outbound connection opens with HELLO (cluster id, sender
 * and intended receiver); the receiver answers WELCOME or REJECT and then only reads MESSAGE and
 * CHUNK frames: each connection carries traffic one way. Message bodies use the shared msgpackr
 * codec and are shape-checked on arrival, so a confused peer cannot feed the Raft core garbage.
 */
import { decode, encode } from '../../lib/codec.js';
import { ProtocolError } from '../../lib/errors.js';
import type { Message, NodeId } from '../core/types.js';
import { chunkFrameParts } from './chunking.js';
import { decodeMessage as decodeMessageTuple, encodeMessage } from './message-codec.js';
import { frameParts, payloadBytesFor } from './framing.js';

export const FrameKind = { Hello: 1, Welcome: 2, Reject: 3, Message: 4, Chunk: 5 } as const;

export const PROTOCOL_VERSION = 1;

export interface Hello {
  version: number;
  clusterId: string;
  from: NodeId;
  to: NodeId;
}

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
  const body = encodeMessage(message);
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

/** Decodes and shape-checks a Raft message (compact tuple form, see message-codec.ts). */
export function decodeMessage(body: Uint8Array): Message {
  return decodeMessageTuple(body);
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
