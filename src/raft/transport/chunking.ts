/**
 * Messages larger than one frame (InstallSnapshot carrying a big state machine) travel as a run
 * of CHUNK frames: [u32 messageId][u32 totalBytes][u32 offset] followed by a slice of the encoded
 * message. A sender writes a message's chunks back to back on one connection, so the receiver
 * keeps at most one partial message per connection, bounded by `maxMessageBytes`; a new message
 * starting (offset 0) or the connection closing discards the partial one.
 */
import { ProtocolError } from '../../lib/errors.js';
import { FRAME_HEADER_BYTES } from './framing.js';

export const CHUNK_HEADER_BYTES = 12;

export interface ChunkHeader {
  messageId: number;
  totalBytes: number;
  offset: number;
}

/**
 * Frame parts for `bytes` split into chunks whose frames stay within `maxFrameBytes`
 * (payload = kind byte + chunk header + slice). Slices share memory with `bytes`.
 */
export function chunkFrameParts(kind: number, messageId: number, bytes: Uint8Array, maxFrameBytes: number): Buffer[] {
  const sliceBytes = maxFrameBytes - 1 - CHUNK_HEADER_BYTES;
  if (sliceBytes <= 0) throw new ProtocolError(`max frame size ${maxFrameBytes} is too small for chunking`);
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Buffer[] = [];
  for (let offset = 0; offset < source.length; offset += sliceBytes) {
    const slice = source.subarray(offset, Math.min(source.length, offset + sliceBytes));
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + CHUNK_HEADER_BYTES);
    header.writeUInt32BE(1 + CHUNK_HEADER_BYTES + slice.length, 0);
    header[FRAME_HEADER_BYTES] = kind;
    header.writeUInt32BE(messageId >>> 0, FRAME_HEADER_BYTES + 1);
    header.writeUInt32BE(source.length, FRAME_HEADER_BYTES + 5);
    header.writeUInt32BE(offset, FRAME_HEADER_BYTES + 9);
    parts.push(header, slice);
  }
  return parts;
}

/** Parses a CHUNK frame body (after the kind byte). */
export function parseChunk(body: Buffer): { header: ChunkHeader; slice: Buffer } {
  if (body.length < CHUNK_HEADER_BYTES) throw new ProtocolError(`chunk frame of ${body.length} bytes is shorter than its header`);
  return {
    header: { messageId: body.readUInt32BE(0), totalBytes: body.readUInt32BE(4), offset: body.readUInt32BE(8) },
    slice: body.subarray(CHUNK_HEADER_BYTES),
  };
}

/** Rebuilds chunked messages arriving on one connection. */
export class Reassembler {
  private partial: { messageId: number; buffer: Buffer; received: number } | null = null;

  constructor(private readonly maxMessageBytes: number) {}

  /** Adds a chunk; returns the whole message's bytes when this chunk completes it. */
  accept(header: ChunkHeader, slice: Buffer): Buffer | null {
    const { messageId, totalBytes, offset } = header;
    if (totalBytes === 0 || totalBytes > this.maxMessageBytes) {
      throw new ProtocolError(`chunked message of ${totalBytes} bytes is outside 1..${this.maxMessageBytes}`, { totalBytes });
    }
    if (offset === 0) {
      // A sender that reconnected or gave up on a message starts over: forget the partial one.
      this.partial = { messageId, buffer: Buffer.allocUnsafe(totalBytes), received: 0 };
    }
    const partial = this.partial;
    if (!partial || partial.messageId !== messageId || partial.received !== offset || partial.buffer.length !== totalBytes) {
      throw new ProtocolError(`chunk out of sequence: message ${messageId} offset ${offset}`, { messageId, offset });
    }
    if (slice.length === 0 || offset + slice.length > totalBytes) {
      throw new ProtocolError(`chunk of ${slice.length} bytes at offset ${offset} does not fit a ${totalBytes}-byte message`);
    }
    slice.copy(partial.buffer, offset);
    partial.received += slice.length;
    if (partial.received < totalBytes) return null;
    this.partial = null;
    return partial.buffer;
  }

  /** Bytes held for an incomplete message. */
  get pendingBytes(): number {
    return this.partial?.buffer.length ?? 0;
  }

  discard(): void {
    this.partial = null;
  }
}
