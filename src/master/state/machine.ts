/**
 * The master replica's state machine: decodes each committed command and hands it to the part
 * of the state that owns it. Deterministic: same log, same state, on every replica.
 * Snapshots are one msgpackr document holding every part.
 */
import { decode, encode, encodeDocument } from '../../lib/codec.js';
import type { StateMachine } from '../../raft/state-machine.js';
import type { MasterCommand } from './commands.js';
import { KvState } from './kv.js';
import { MembersState, type MemberInfo } from './members.js';

export type ApplyResult = { ok: true } | { ok: false; error: string };

interface SnapshotDocument {
  version: 1;
  kv: Array<[string, Uint8Array]>;
  members: MemberInfo[];
}

export class MasterStateMachine implements StateMachine<ApplyResult> {
  readonly kv = new KvState();
  readonly members = new MembersState();
  /** Called after a command changed the members table (the shell re-points its transport). */
  onMembersChanged: (() => void) | null = null;

  apply(command: Uint8Array): ApplyResult {
    let decoded: MasterCommand;
    try {
      decoded = decode<MasterCommand>(command);
    } catch (error) {
      return { ok: false, error: `undecodable command: ${(error as Error).message}` };
    }
    switch (decoded.t) {
      case 'kv.put':
        this.kv.put(decoded.key, decoded.value);
        return { ok: true };
      case 'kv.delete':
        this.kv.delete(decoded.key);
        return { ok: true };
      case 'member.advertise':
        this.members.advertise({ id: decoded.id, httpAddress: decoded.httpAddress, raftAddress: decoded.raftAddress, term: decoded.term });
        return { ok: true };
      case 'member.add':
        this.members.add(decoded.id, decoded.raftAddress);
        this.onMembersChanged?.();
        return { ok: true };
      case 'member.forget':
        this.members.forget(decoded.id);
        this.onMembersChanged?.();
        return { ok: true };
      default:
        return { ok: false, error: `unknown command type ${JSON.stringify((decoded as { t?: unknown }).t)}` };
    }
  }

  snapshot(): Uint8Array {
    const document: SnapshotDocument = { version: 1, kv: this.kv.toSnapshot(), members: this.members.toSnapshot() };
    return encodeDocument(document);
  }

  restore(data: Uint8Array): void {
    const document = decode<SnapshotDocument>(data);
    this.kv.restore(document.kv);
    this.members.restore(document.members);
    this.onMembersChanged?.();
  }
}

export function encodeCommand(command: MasterCommand): Uint8Array {
  return encode(command);
}
