/**
 * Frameworks in the order a policy wants to offer to them: a heap of roles, and inside each
 * role a heap of its frameworks (Mesos's role sorter and per-role framework sorters).
 *
 * `pickAny` walks roles in order and frameworks in order inside each role until `accept`
 * takes one; `pickInRole` does the same inside one role (used for a role's reservations).
 * Items that were looked at are popped and pushed back afterwards, so an accepted framework
 * whose key grew (DRF share after an offer) lands in its new place. The cost is
 * O((skipped + 1) · log n) per pick: skips come only from filters and constraints, so a cycle
 * stays O((agents + frameworks) · log frameworks) when those are sparse.
 *
 * Pure: no I/O.
 */
import { IndexedHeap, type LessThan } from './heap.js';
import type { ClusterView } from './types.js';

/** How a policy orders frameworks; both callbacks read live keys. */
export interface QueueOrder {
  readonly frameworkLess: LessThan;
  /**
   * Orders roles: negative when `a` goes first, positive when `b` does. Zero (or absent) falls
   * back to the roles' best frameworks, then the role index — absent gives a flat order over
   * all frameworks, as round-robin wants.
   */
  readonly roleCompare?: (a: number, b: number) => number;
}

export type Accept = (framework: number) => boolean;

export class FrameworkQueue {
  private readonly roles: IndexedHeap;
  /** Per role: its members (framework indices) and a heap over member positions. */
  private readonly members: Int32Array[];
  private readonly heaps: IndexedHeap[];
  private readonly heldRoles: Int32Array;
  private readonly heldMembers: Int32Array;
  private readonly closed: Uint8Array;

  /**
   * @param isQueued which frameworks take part (not suppressed, for instance)
   */
  constructor(view: ClusterView, order: QueueOrder, isQueued: (framework: number) => boolean) {
    const memberCounts = new Int32Array(view.roleCount);
    for (let framework = 0; framework < view.frameworkCount; framework++) {
      if (isQueued(framework)) memberCounts[view.frameworkRole[framework]!]! += 1;
    }
    this.members = Array.from(memberCounts, (count) => new Int32Array(count));
    const filled = new Int32Array(view.roleCount);
    for (let framework = 0; framework < view.frameworkCount; framework++) {
      if (!isQueued(framework)) continue;
      const role = view.frameworkRole[framework]!;
      this.members[role]![filled[role]!++] = framework;
    }
    this.heaps = this.members.map((members) => {
      const heap = new IndexedHeap(members.length, (a, b) => order.frameworkLess(members[a]!, members[b]!));
      for (let position = 0; position < members.length; position++) heap.push(position);
      return heap;
    });
    const roleCompare = order.roleCompare;
    const frameworkLess = order.frameworkLess;
    const roleLess: LessThan =
      roleCompare === undefined
        ? (a, b) => this.topFirst(frameworkLess, a, b)
        : (a, b) => {
            const compared = roleCompare(a, b);
            return compared === 0 ? this.topFirst(frameworkLess, a, b) : compared < 0;
          };
    this.roles = new IndexedHeap(view.roleCount, roleLess);
    this.closed = new Uint8Array(view.roleCount);
    for (let role = 0; role < view.roleCount; role++) {
      if (this.members[role]!.length > 0) this.roles.push(role);
    }
    this.heldRoles = new Int32Array(view.roleCount);
    this.heldMembers = new Int32Array(view.frameworkCount);
  }

  private topFirst(frameworkLess: LessThan, a: number, b: number): boolean {
    const topA = this.members[a]![this.heaps[a]!.peek()]!;
    const topB = this.members[b]![this.heaps[b]!.peek()]!;
    if (frameworkLess(topA, topB)) return true;
    if (frameworkLess(topB, topA)) return false;
    return a < b;
  }

  /** True when no role has frameworks left to offer to. */
  get isEmpty(): boolean {
    return this.roles.size === 0;
  }

  /** Takes a role out of the walk for the rest of the cycle (its quota is met, say). */
  closeRole(role: number): void {
    this.closed[role] = 1;
    this.roles.remove(role);
  }

  /**
   * Walks all roles and frameworks in order; returns the framework `accept` took, or -1.
   * `acceptsRole` lets a whole role be skipped in O(1) (nothing on this agent is allocatable to
   * it), so an agent nobody can take costs O(roles), not O(frameworks).
   */
  pickAny(accept: Accept, acceptsRole: (role: number) => boolean): number {
    let held = 0;
    let found = -1;
    while (this.roles.size > 0) {
      const role = this.roles.pop();
      this.heldRoles[held++] = role;
      if (!acceptsRole(role)) continue;
      found = this.walkRole(role, accept);
      if (found !== -1) break;
    }
    for (let index = 0; index < held; index++) {
      const role = this.heldRoles[index]!;
      if (this.closed[role] === 0) this.roles.push(role);
    }
    return found;
  }

  /** Walks one role's frameworks in order; returns the framework `accept` took, or -1. */
  pickInRole(role: number, accept: Accept): number {
    if (this.closed[role] === 1 || this.members[role] === undefined) return -1;
    const found = this.walkRole(role, accept);
    if (found !== -1) this.roles.update(role);
    return found;
  }

  private walkRole(role: number, accept: Accept): number {
    const heap = this.heaps[role]!;
    const members = this.members[role]!;
    let held = 0;
    let found = -1;
    while (heap.size > 0) {
      const position = heap.pop();
      this.heldMembers[held++] = position;
      if (accept(members[position]!)) {
        found = members[position]!;
        break;
      }
    }
    for (let index = 0; index < held; index++) heap.push(this.heldMembers[index]!);
    return found;
  }
}
