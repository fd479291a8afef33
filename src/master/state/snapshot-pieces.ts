/**
 * The master's snapshot as a sequence of pieces, so that it can be encoded a piece per
 * event-loop turn: a 100,000-task registry took about a second to encode in one go, a stall
 * longer than a Raft heartbeat gap. The caller must keep the state still between the first and
 * the last piece (the Raft node pauses applying meanwhile), so pieces may hold live references.
 *
 * Format: MAGIC, then frames of [u32 big-endian length][msgpackr document]. The first frame is
 * the manifest (kv, members, and for each part each field's piece count); then one frame per
 * piece in manifest order. Arrays longer than PIECE_ITEMS are split; everything else is one piece.
 * Decoding reassembles the one-document form that `restore` has always read.
 */
import { decode, encodeDocument } from '../../lib/codec.js';
import type { MemberInfo } from './members.js';

export const MAGIC = Buffer.from('KSNAP2\n');
/**
 * Items per piece of a long array. 2,000 registry tasks (≈ 900 KB) took 20 ms to encode on an
 * idle core but 50–210 ms on a loaded leader (placement bench, 2026-11-27), each such piece a
 * stall; 500 keep a piece within the driver's 20 ms slice on a loaded machine.
 */
export const PIECE_ITEMS = 500;

export interface SnapshotDocument {
  version: 1;
  kv: Array<[string, Uint8Array]>;
  members: MemberInfo[];
  /** Each registered part's snapshot, by prefix. */
  parts?: Record<string, unknown>;
}

interface Manifest {
  version: 2;
  kv: SnapshotDocument['kv'];
  members: MemberInfo[];
  /** Per part: its fields with how many pieces each has (-1: the field is not an array, one piece). */
  parts: Array<{ prefix: string; plain: boolean; fields: Array<{ name: string; pieces: number }> }>;
}

/**
 * Encodes `document` a piece per `next()`; the generator's return value is the whole snapshot.
 * A part whose snapshot is not a plain object is one piece.
 */
export function* encodeInPieces(document: SnapshotDocument): Generator<void, Buffer, void> {
  const manifest: Manifest = { version: 2, kv: document.kv, members: document.members, parts: [] };
  const pieces: Array<() => unknown> = [];
  for (const [prefix, value] of Object.entries(document.parts ?? {})) {
    if (!isPlainObject(value)) {
      manifest.parts.push({ prefix, plain: false, fields: [{ name: '', pieces: -1 }] });
      pieces.push(() => value);
      continue;
    }
    const fields: Array<{ name: string; pieces: number }> = [];
    for (const [name, field] of Object.entries(value)) {
      if (!Array.isArray(field)) {
        fields.push({ name, pieces: -1 });
        pieces.push(() => field);
        continue;
      }
      const count = Math.max(1, Math.ceil(field.length / PIECE_ITEMS));
      fields.push({ name, pieces: count });
      for (let i = 0; i < count; i++) pieces.push(() => field.slice(i * PIECE_ITEMS, (i + 1) * PIECE_ITEMS));
    }
    manifest.parts.push({ prefix, plain: true, fields });
  }
  const frames: Buffer[] = [MAGIC, ...frame(encodeDocument(manifest))];
  for (const piece of pieces) {
    yield;
    frames.push(...frame(encodeDocument(piece())));
  }
  return Buffer.concat(frames);
}

/** Decodes a snapshot in either form back into the one-document form. */
export function decodeSnapshot(data: Uint8Array): SnapshotDocument {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return decode<SnapshotDocument>(bytes);
  let at = MAGIC.length;
  const next = (): unknown => {
    if (at + 4 > bytes.length) throw new Error(`snapshot truncated at byte ${at}`);
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) throw new Error(`snapshot frame at byte ${at} runs past the end`);
    const value = decode(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    return value;
  };
  const manifest = next() as Manifest;
  if (manifest.version !== 2) throw new Error(`snapshot manifest version ${String(manifest.version)} is unknown`);
  const parts: Record<string, unknown> = {};
  for (const part of manifest.parts) {
    if (!part.plain) {
      parts[part.prefix] = next();
      continue;
    }
    const value: Record<string, unknown> = {};
    for (const field of part.fields) {
      if (field.pieces < 0) value[field.name] = next();
      else {
        const items: unknown[] = [];
        for (let i = 0; i < field.pieces; i++) for (const item of next() as unknown[]) items.push(item);
        value[field.name] = items;
      }
    }
    parts[part.prefix] = value;
  }
  if (at !== bytes.length) throw new Error(`snapshot has ${bytes.length - at} bytes after its last frame`);
  return { version: 1, kv: manifest.kv, members: manifest.members, parts };
}

function frame(bytes: Buffer): [Buffer, Buffer] {
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(bytes.length, 0);
  return [length, bytes];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
