/**
 * The one msgpackr configuration shared by the wire protocol, Raft entries and snapshots.
 * Records (shared structures) are off: frames must decode on their own, without state carried
 * between messages, so that a reconnect or a replayed log never needs a structure table.
 */
import { Packr, Unpackr } from 'msgpackr';

const options = { useRecords: false, moreTypes: false, int64AsType: 'number' as const };
const packr = new Packr(options);
const unpackr = new Unpackr(options);

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

/**
 * For large documents with many objects of the same shape (snapshots): msgpackr records write each
 * shape's keys once per document instead of once per object — about half the bytes of plain
 * msgpack for a task table. Still self-contained: the record definitions travel inside the
 * document, and `decode` reads it without any shared state.
 */
const documentPackr = new Packr({ useRecords: true, moreTypes: false, int64AsType: 'number' as const });

export function encodeDocument(value: unknown): Buffer {
  return documentPackr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return unpackr.unpack(bytes) as T;
}
