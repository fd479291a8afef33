/**
 * Encoding of the values a Raft store keeps (shared msgpackr codec) and strict decoding: every
 * decoder checks the shape of what it read, so a damaged value is reported as such instead of
 * flowing into the Raft core as a half-valid object. Decoders throw a plain Error describing
 * the problem; the store wraps it into a StorageError naming the directory and the key.
 */
import { decode, encode } from '../../lib/codec.js';
import { EntryType, type Entry, type HardState, type SnapshotMeta } from '../core/types.js';
import type { SnapshotFileRef } from './snapshot-files.js';

export function encodeEntry(entry: Entry): Buffer {
  return encode({ term: entry.term, index: entry.index, type: entry.type, data: entry.data });
}

export function decodeEntry(bytes: Uint8Array): Entry {
  const value = decodeRecord(bytes, 'entry');
  const term = naturalField(value, 'term');
  const index = naturalField(value, 'index');
  const type = value['type'];
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) throw new Error(`entry type ${String(type)} is unknown`);
  const data = value['data'];
  if (!(data instanceof Uint8Array)) throw new Error('entry data is not bytes');
  return { term, index, type, data };
}

export function encodeHardState(hardState: HardState): Buffer {
  return encode({ term: hardState.term, vote: hardState.vote, commit: hardState.commit });
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const value = decodeRecord(bytes, 'hard state');
  const vote = value['vote'];
  if (vote === null || typeof vote === 'string') {
    return { term: naturalField(value, 'term'), vote, commit: naturalField(value, 'commit') };
  }
  throw new Error('hard state vote is neither a node id nor null');
}

/**
 * The snapshot record: its metadata and, since snapshots moved to files, where its data is
 * (without `file`: the form of stores that kept the data in LevelDB, which tests still write).
 */
export function encodeSnapshotRecord(meta: SnapshotMeta, file?: SnapshotFileRef): Buffer {
  return encode({
    index: meta.index,
    term: meta.term,
    conf: { voters: meta.conf.voters, learners: meta.conf.learners },
    ...(file ? { data: { file: file.file, bytes: file.bytes, crc32: file.crc32 } } : {}),
  });
}

/** The data file a snapshot record names, or null for a record whose data is kept in LevelDB. */
export function decodeSnapshotFileRef(bytes: Uint8Array): SnapshotFileRef | null {
  const data = decodeRecord(bytes, 'snapshot metadata')['data'];
  if (data === undefined) return null;
  if (typeof data !== 'object' || data === null) throw new Error('snapshot data reference is not a record');
  const ref = data as Record<string, unknown>;
  const file = ref['file'];
  if (typeof file !== 'string' || !/^[0-9a-f]{16}-[0-9a-f]{16}\.snap$/.test(file)) throw new Error(`snapshot file name ${JSON.stringify(file)} is not one this store writes`);
  return { file, bytes: naturalField(ref, 'bytes'), crc32: naturalField(ref, 'crc32') };
}

export function decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
  const value = decodeRecord(bytes, 'snapshot metadata');
  const conf = value['conf'];
  if (typeof conf !== 'object' || conf === null) throw new Error('snapshot metadata has no configuration');
  const voters = stringArray((conf as Record<string, unknown>)['voters'], 'voters');
  const learners = stringArray((conf as Record<string, unknown>)['learners'], 'learners');
  return { index: naturalField(value, 'index'), term: naturalField(value, 'term'), conf: { voters, learners } };
}

function decodeRecord(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (error) {
    throw new Error(`${what} does not decode (${bytes.length} bytes): ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} decodes to ${Array.isArray(value) ? 'an array' : typeof value}, not a record`);
  }
  return value as Record<string, unknown>;
}

function naturalField(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`field '${field}' is ${JSON.stringify(value)}, not a non-negative integer`);
  }
  return value;
}

function stringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`configuration '${field}' is not a list of node ids`);
  }
  return value as string[];
}
