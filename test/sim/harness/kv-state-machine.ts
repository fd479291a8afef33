/**
 * The simulator's replicated state machine: a string key/value map fed committed entries.
 *
 * Commands are codec-encoded `{op:'put', key, value}` or `{op:'get', key, id}` (a read through the
 * log). Besides the map it keeps a running digest of every entry it applied (index, term, type,
 * bytes), so the checkers can compare whole applied histories across replicas in O(1): two
 * replicas at the same applied index with equal digests applied the same sequence. Snapshots
 * carry the digest, so a replica restored from one is checked the same way.
 */
import { decode, encode } from '../../../src/lib/codec.js';
import { assert } from '../../../src/lib/assert.js';
import { EntryType } from '../../../src/raft/core/types.js';
import type { Entry } from '../../../src/raft/core/types.js';

export type KvCommand = { op: 'put'; key: string; value: string } | { op: 'get'; key: string; id: string };

export function encodeKvCommand(command: KvCommand): Uint8Array {
  return encode(command);
}

export function decodeKvCommand(data: Uint8Array): KvCommand {
  const value = decode<KvCommand>(data);
  assert(typeof value === 'object' && value !== null && (value.op === 'put' || value.op === 'get'), 'malformed KV command');
  return value;
}

interface KvSnapshotData {
  index: number;
  digest: number;
  pairs: Array<[string, string]>;
}

export class KvStateMachine {
  private readonly values = new Map<string, string>();
  appliedIndex = 0;
  /** Hash chain over every applied entry. */
  digest = 0;

  /**
   * Applies one committed entry (which must be the next index). Returns the command's result:
   * for a get, the value read (null when absent); otherwise null.
   */
  apply(entry: Entry): string | null {
    assert(entry.index === this.appliedIndex + 1, `KV apply gap: applied ${this.appliedIndex}, next ${entry.index}`);
    this.appliedIndex = entry.index;
    this.digest = chainDigest(this.digest, entry);
    if (entry.type !== EntryType.Normal || entry.data.length === 0) return null;
    const command = decodeKvCommand(entry.data);
    if (command.op === 'put') {
      this.values.set(command.key, command.value);
      return null;
    }
    return this.values.get(command.key) ?? null;
  }

  read(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  snapshot(): Uint8Array {
    const data: KvSnapshotData = { index: this.appliedIndex, digest: this.digest, pairs: [...this.values] };
    return encode(data);
  }

  restore(bytes: Uint8Array): void {
    const data = decode<KvSnapshotData>(bytes);
    this.values.clear();
    for (const [key, value] of data.pairs) this.values.set(key, value);
    this.appliedIndex = data.index;
    this.digest = data.digest;
  }
}

/** The index and digest a snapshot was taken at (for the checkers). */
export function snapshotDigest(bytes: Uint8Array): { index: number; digest: number } {
  const data = decode<KvSnapshotData>(bytes);
  return { index: data.index, digest: data.digest };
}

/** FNV-1a over the previous digest and the entry's identity and bytes. */
export function chainDigest(previous: number, entry: Entry): number {
  let hash = (previous ^ 0x811c9dc5) >>> 0;
  hash = mix(hash, entry.index);
  hash = mix(hash, entry.term);
  hash = mix(hash, entry.type);
  const data = entry.data;
  for (let k = 0; k < data.length; k++) hash = Math.imul(hash ^ data[k]!, 0x01000193) >>> 0;
  return hash;
}

function mix(hash: number, value: number): number {
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((value >>> shift) & 0xff), 0x01000193) >>> 0;
  // Indexes and terms stay far below 2^32 in a simulation; fold the high part in anyway.
  return Math.imul(h ^ Math.floor(value / 4294967296), 0x01000193) >>> 0;
}
