/**
 * Building messages: every field filled (the wire format has no optional fields), plus the
 * leadership-transfer marker a forced vote carries.
 */
import type { Message, MessageType, NodeId } from './types.js';

export interface MessageFields {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm?: number;
  index?: number;
  commit?: number;
  entries?: Message['entries'];
  reject?: boolean;
  rejectHint?: number;
  snapshot?: Message['snapshot'];
  context?: Message['context'];
}

const noEntries: Message['entries'] = [];

export function makeMessage(fields: MessageFields): Message {
  return {
    type: fields.type,
    from: fields.from,
    to: fields.to,
    term: fields.term,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    commit: fields.commit ?? 0,
    entries: fields.entries ?? noEntries,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
    snapshot: fields.snapshot ?? null,
    context: fields.context ?? null,
  };
}

/** Context of a vote forced by leadership transfer: it overrides leader stickiness. */
export const TRANSFER_CONTEXT: Uint8Array = new Uint8Array([0x6b, 0x74, 0x72, 0x61, 0x6e, 0x73, 0x66, 0x65, 0x72]); // "ktransfer"

export function isTransferContext(context: Uint8Array | null): boolean {
  if (context === null || context.length !== TRANSFER_CONTEXT.length) return false;
  for (let k = 0; k < context.length; k++) if (context[k] !== TRANSFER_CONTEXT[k]) return false;
  return true;
}

/** Messages that carry a vote request (real or pre-vote). */
export function isVoteRequest(type: MessageType): boolean {
  return type === 'vote' || type === 'preVote';
}

/** Messages only a leader of `term` sends. */
export function isLeaderMessage(type: MessageType): boolean {
  return type === 'app' || type === 'heartbeat' || type === 'snap' || type === 'timeoutNow';
}
