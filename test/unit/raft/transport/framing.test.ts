/**
 * Goal: frames and chunked messages survive any way TCP may cut the byte stream, and malformed
 * input is refused before it costs memory. Method: fast-check properties encode random payloads
 * and messages, split the concatenated bytes at random points, feed the pieces to the decoder
 * (and reassembler) and compare; example tests cover the oversized prefix, empty frames and
 * chunks that arrive out of sequence.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/lib/errors.js';
import { chunkFrameParts, parseChunk, Reassembler } from '../../../../src/raft/transport/chunking.js';
import { FrameDecoder, frameParts } from '../../../../src/raft/transport/framing.js';
import { decodeMessage, FrameKind, messageFrameParts } from '../../../../src/raft/transport/wire.js';
import { messageArb, plain } from './arbitraries.js';

/** Splits `stream` at the given cut points (taken modulo its length). */
function cut(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((point) => (stream.length === 0 ? 0 : point % stream.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(stream.subarray(start, point));
    start = point;
  }
  pieces.push(stream.subarray(start));
  return pieces;
}

/** Feeds pieces to a decoder; reassembles chunk frames; returns the decoded messages' payloads. */
function receive(pieces: Buffer[], maxFrameBytes: number, maxMessageBytes = 1 << 30): Buffer[] {
  const decoder = new FrameDecoder(maxFrameBytes);
  const reassembler = new Reassembler(maxMessageBytes);
  const out: Buffer[] = [];
  for (const piece of pieces) {
    for (const payload of decoder.push(piece)) {
      if (payload[0] === FrameKind.Chunk) {
        const { header, slice } = parseChunk(payload.subarray(1));
        const whole = reassembler.accept(header, slice);
        if (whole) out.push(whole);
      } else {
        out.push(payload.subarray(1));
      }
    }
  }
  expect(decoder.pendingBytes).toBe(0);
  return out;
}

describe('FrameDecoder', () => {
  it('returns every payload whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.flatMap((payload) => frameParts(7, payload)));
        const received = receive(cut(stream, cuts), 1024);
        expect(received.map((payload) => [...payload])).toEqual(payloads.map((payload) => [...payload]));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a length prefix above the maximum before buffering the frame', () => {
    const decoder = new FrameDecoder(1000);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1001);
    expect(() => decoder.push(header)).toThrow(ProtocolError);
    expect(() => new FrameDecoder(1000).push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/exceeds the maximum of 1000/);
  });

  it('refuses an empty frame', () => {
    expect(() => new FrameDecoder(10).push(Buffer.alloc(4))).toThrow(/empty frame/);
  });
});

describe('messages on the wire', () => {
  it('random messages round-trip through frames, chunked or not, under arbitrary chunking', () => {
    fc.assert(
      fc.property(messageArb, fc.integer({ min: 64, max: 4096 }), fc.array(fc.nat(), { maxLength: 20 }), (message, maxFrameBytes, cuts) => {
        const stream = Buffer.concat(messageFrameParts(message, 42, maxFrameBytes));
        const [body, ...rest] = receive(cut(stream, cuts), maxFrameBytes);
        expect(rest).toEqual([]);
        expect(plain(decodeMessage(body!))).toEqual(plain(message));
      }),
      { numRuns: 300 },
    );
  });

  it('a message bigger than a frame is split into chunk frames within the bound', () => {
    const body = Buffer.alloc(10_000, 3);
    const parts = chunkFrameParts(FrameKind.Chunk, 1, body, 1_000);
    const frames = parts.length / 2;
    expect(frames).toBe(Math.ceil(10_000 / (1_000 - 13)));
    for (let i = 0; i < parts.length; i += 2) expect(parts[i]!.readUInt32BE(0)).toBeLessThanOrEqual(1_000);
  });

  it('rejects malformed messages', () => {
    expect(() => decodeMessage(Buffer.from([0xc1]))).toThrow(ProtocolError);
    expect(() => decodeMessage(Buffer.from([0x93, 1, 2, 3]))).toThrow(/not a 12-field tuple/);
    expect(() => decodeMessage(Buffer.from([0x81, 0xa1, 0x61, 1]))).toThrow(/not a 12-field tuple/);
  });
});

describe('Reassembler', () => {
  const chunksOf = (messageId: number, size: number, maxFrameBytes: number): Array<ReturnType<typeof parseChunk>> => {
    const parts = chunkFrameParts(FrameKind.Chunk, messageId, Buffer.alloc(size, messageId), maxFrameBytes);
    const result = [];
    for (let i = 0; i < parts.length; i += 2) result.push(parseChunk(Buffer.concat([parts[i]!.subarray(5), parts[i + 1]!])));
    return result;
  };

  it('a chunk out of sequence is a protocol error', () => {
    const chunks = chunksOf(1, 500, 100);
    const reassembler = new Reassembler(10_000);
    reassembler.accept(chunks[0]!.header, chunks[0]!.slice);
    expect(() => reassembler.accept(chunks[2]!.header, chunks[2]!.slice)).toThrow(/out of sequence/);
  });

  it('a new message starting discards the partial one', () => {
    const first = chunksOf(1, 500, 100);
    const second = chunksOf(2, 300, 100);
    const reassembler = new Reassembler(10_000);
    reassembler.accept(first[0]!.header, first[0]!.slice);
    expect(reassembler.pendingBytes).toBe(500);
    let whole: Buffer | null = null;
    for (const chunk of second) whole = reassembler.accept(chunk.header, chunk.slice);
    expect(whole).toEqual(Buffer.alloc(300, 2));
    expect(reassembler.pendingBytes).toBe(0);
    expect(() => reassembler.accept(first[1]!.header, first[1]!.slice)).toThrow(/out of sequence/);
  });

  it('a message above the reassembly bound is refused at its first chunk', () => {
    const chunks = chunksOf(1, 5_000, 1_000);
    expect(() => new Reassembler(4_999).accept(chunks[0]!.header, chunks[0]!.slice)).toThrow(/outside 1..4999/);
  });
});
