/**
 * Where each master replica serves HTTP, as each leader advertised it in the log. Followers use
 * it to redirect clients to the leader (307), which is why it is replicated: a replica that just
 * restarted learns the current leader's address from the log, not from a side channel.
 */
import type { NodeId } from '../../raft/core/types.js';

export interface MemberInfo {
  id: NodeId;
  /** Empty until the member has led once (only leaders advertise their HTTP address). */
  httpAddress: string;
  raftAddress: string;
  /** Term in which the member last advertised itself. */
  term: number;
}

export class MembersState {
  private readonly members = new Map<NodeId, MemberInfo>();

  get(id: NodeId): MemberInfo | undefined {
    return this.members.get(id);
  }

  all(): MemberInfo[] {
    return [...this.members.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  advertise(info: MemberInfo): void {
    this.members.set(info.id, info);
  }

  add(id: NodeId, raftAddress: string): void {
    const known = this.members.get(id);
    this.members.set(id, { id, httpAddress: known?.httpAddress ?? '', raftAddress, term: known?.term ?? 0 });
  }

  forget(id: NodeId): void {
    this.members.delete(id);
  }

  toSnapshot(): MemberInfo[] {
    return this.all();
  }

  restore(members: MemberInfo[]): void {
    this.members.clear();
    for (const member of members) this.members.set(member.id, member);
  }
}
