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

export function decode<T = unknown>(bytes: Uint8Array): T {
  return unpackr.unpack(bytes) as T;
}
