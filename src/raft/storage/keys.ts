/**
 * LevelDB key layout of a Raft store. Every key starts with a one-byte prefix so the kinds of
 * record never interleave; entry keys carry the index as 8 big-endian bytes so that LevelDB's
 * bytewise order is numeric order and a range scan returns the log in sequence.
 *
 *   0x00 'format'        marker proving the directory is a Kairos Raft store
 *   0x01                 hard state
 *   0x02                 snapshot metadata and the name, length and CRC-32 of its data file
 *   0x03                 snapshot data of stores written before snapshots moved to files (read only)
 *   0x10 + u64be index   one log entry
 *   0x20 + utf8 name     app meta records (small values owned by the process, not by Raft)
 */
const PREFIX_FORMAT = 0x00;
const PREFIX_HARD_STATE = 0x01;
const PREFIX_SNAPSHOT_META = 0x02;
const PREFIX_SNAPSHOT_DATA = 0x03;
const PREFIX_ENTRY = 0x10;
const PREFIX_APP_META = 0x20;

const TWO_POW_32 = 2 ** 32;

export const formatKey: Buffer = Buffer.from([PREFIX_FORMAT, ...Buffer.from('format')]);
export const hardStateKey: Buffer = Buffer.from([PREFIX_HARD_STATE]);
export const snapshotMetaKey: Buffer = Buffer.from([PREFIX_SNAPSHOT_META]);
export const snapshotDataKey: Buffer = Buffer.from([PREFIX_SNAPSHOT_DATA]);

/** The value stored under formatKey; a different `version` means a layout this code cannot read. */
export const storeFormat = { format: 'kairos-raft-store', version: 1 } as const;

export function entryKey(index: number): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = PREFIX_ENTRY;
  key.writeUInt32BE(Math.floor(index / TWO_POW_32), 1);
  key.writeUInt32BE(index >>> 0, 5);
  return key;
}

export function isEntryKey(key: Uint8Array): boolean {
  return key.length === 9 && key[0] === PREFIX_ENTRY;
}

export function indexOfEntryKey(key: Uint8Array): number {
  const view = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return view.readUInt32BE(1) * TWO_POW_32 + view.readUInt32BE(5);
}

/** Bounds for a range scan over all entry keys. */
export const entryKeyRange = {
  gte: Buffer.from([PREFIX_ENTRY]),
  lt: Buffer.from([PREFIX_ENTRY + 1]),
};

export function appMetaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([PREFIX_APP_META]), Buffer.from(name, 'utf8')]);
}
