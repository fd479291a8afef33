/**
 * Length-prefixed frames on a byte stream: a 4-byte big-endian payload length, then the payload.
 * The first payload byte is the frame kind (wire.ts). The decoder accepts arbitrary chunking
 * (partial frames, several frames per chunk) and enforces the maximum frame size on the length
 * prefix, before buffering anything, so a hostile or confused peer cannot make us allocate.
 * Frames are produced as lists of buffers (header + body) so writers can hand them to writev
 * without copying large bodies.
 */
import { ProtocolError } from '../../lib/errors.js';

export const FRAME_HEADER_BYTES = 4;

/** A frame ready for the socket: the 4-byte length prefix + kind byte, then the body. */
export function frameParts(kind: number, body: Uint8Array): Buffer[] {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1);
  header.writeUInt32BE(body.length + 1, 0);
  header[FRAME_HEADER_BYTES] = kind;
  return [header, Buffer.from(body.buffer, body.byteOffset, body.byteLength)];
}

/** Payload length of a frame whose body has `bodyBytes` bytes (kind byte included). */
export function payloadBytesFor(bodyBytes: number): number {
  return bodyBytes + 1;
}

/** Splits a byte stream back into frame payloads (kind byte first). One decoder per connection. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length of the frame being read, or -1 while reading a length prefix. */
  private expected = -1;

  constructor(private readonly maxFrameBytes: number) {}

  /** Returns the complete payloads now available. Throws ProtocolError on an oversized or empty frame. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const payloads: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          throw new ProtocolError(`frame of ${length} bytes exceeds the maximum of ${this.maxFrameBytes}`, { length, maxFrameBytes: this.maxFrameBytes });
        }
        if (length === 0) throw new ProtocolError('empty frame (no kind byte)');
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      payloads.push(this.take(this.expected));
      this.expected = -1;
    }
    return payloads;
  }

  /** Bytes received but not yet returned as a payload. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Removes `count` bytes from the front; zero-copy when they lie in one chunk. */
  private take(count: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= count) {
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const used = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    this.buffered -= count;
    return out;
  }
}
