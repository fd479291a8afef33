/**
 * Commands replicated through the master's Raft log. Each is validated before it is proposed
 * (see validateKv*) and applied by a pure reducer on every replica. Timestamps and ids travel
 * inside commands; the reducer never reads a clock.
 */
import type { NodeId } from '../../raft/core/types.js';

export type MasterCommand =
  | { t: 'kv.put'; key: string; value: Uint8Array }
  | { t: 'kv.delete'; key: string }
  | { t: 'member.advertise'; id: NodeId; httpAddress: string; raftAddress: string; term: number }
  /** Records a replica's Raft address before the membership change that adds it, so that every
   * replica's transport can accept and reach it by the time the change commits. */
  | { t: 'member.add'; id: NodeId; raftAddress: string }
  | { t: 'member.forget'; id: NodeId };

/** Documented limits of the test/benchmark key-value store (over them → 413, nothing written). */
export const KV_MAX_KEY_BYTES = 1024;
export const KV_MAX_VALUE_BYTES = 1024 * 1024;
