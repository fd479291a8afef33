/**
 * The master replica's state machine: decodes each committed command and hands it to the part
 * of the state that owns it. Deterministic: same log, same state, on every replica.
 * Snapshots hold every part, encoded a piece at a time (snapshot-pieces.ts).
 */
import { decode, encode } from '../../lib/codec.js';
import { decodeSnapshot, encodeInPieces } from './snapshot-pieces.js';
import type { StateMachine } from '../../raft/state-machine.js';
import type { MasterCommand } from './commands.js';
import { KvState } from './kv.js';
import { MembersState } from './members.js';
import type { ApplyResult, PartCommand, StatePart } from './part.js';

export type { ApplyResult };

export class MasterStateMachine implements StateMachine<ApplyResult> {
  readonly kv = new KvState();
  readonly members = new MembersState();
  /** Called after a command changed the members table (the shell re-points its transport). */
  onMembersChanged: (() => void) | null = null;
  private readonly parts = new Map<string, StatePart>();

  /** Registers a state part before the node starts (every replica registers the same parts). */
  addPart(part: StatePart): void {
    if (this.parts.has(part.prefix)) throw new Error(`state part ${part.prefix} registered twice`);
    this.parts.set(part.prefix, part);
  }

  part<T extends StatePart>(prefix: string): T {
    const part = this.parts.get(prefix);
    if (!part) throw new Error(`no state part ${prefix}`);
    return part as T;
  }

  apply(command: Uint8Array, index = 0): ApplyResult {
    let decoded: MasterCommand;
    try {
      decoded = decode<MasterCommand>(command);
    } catch (error) {
      return { ok: false, error: `undecodable command: ${(error as Error).message}` };
    }
    const type = typeof (decoded as { t?: unknown }).t === 'string' ? (decoded as { t: string }).t : '';
    const dot = type.indexOf('.');
    const part = dot > 0 ? this.parts.get(type.slice(0, dot)) : undefined;
    if (part) {
      const generic = decoded as unknown as PartCommand;
      const result = part.apply(generic, index);
      part.onApplied?.(generic, result, index);
      return result;
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
    const steps = this.snapshotInPieces();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /** The snapshot a piece per `next()`: the state must not change until the generator is done. */
  snapshotInPieces(): Generator<void, Uint8Array, void> {
    const parts: Record<string, unknown> = {};
    for (const [prefix, part] of this.parts) parts[prefix] = part.toSnapshot();
    return encodeInPieces({ version: 1, kv: this.kv.toSnapshot(), members: this.members.toSnapshot(), parts });
  }

  restore(data: Uint8Array): void {
    const document = decodeSnapshot(data);
    this.kv.restore(document.kv);
    this.members.restore(document.members);
    for (const [prefix, part] of this.parts) part.restore(document.parts?.[prefix]);
    this.onMembersChanged?.();
  }
}

export function encodeCommand(command: MasterCommand): Uint8Array {
  return encode(command);
}
