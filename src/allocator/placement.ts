/**
 * Placing pending tasks (the Chronos queue of due runs) on agents: the shared loop behind each
 * policy's `placeTasks`. The policy decides the task order and the agent order (a heap keyed by
 * idle time, priority or spare capacity); this module walks the agent heap for each task until
 * an agent fits it, charges the agent, and lets the policy re-key it.
 *
 * A task of role r may use the agent's unreserved free resources plus r's reservation there;
 * it draws on the reservation first so unreserved capacity stays open to everyone. Tasks that
 * fit nowhere stay unplaced (-1) and are retried next cycle. A task bigger than the largest
 * free agent is rejected without walking the heap.
 *
 * Pure: no I/O, no clock.
 */
import { satisfiesConstraints } from './eligibility.js';
import { IndexedHeap, type LessThan } from './heap.js';
import { RESOURCE_EPSILON, ResourceLedger } from './ledger.js';
import { KIND_COUNT, SHARE_KIND_COUNT, type ClusterView, type PendingTaskBatch } from './types.js';

/** Called after a task lands on an agent, so the policy can re-key the agent. */
export type PlacementHook = (agent: number, task: number) => void;

export class TaskPlacer {
  readonly ledger: ResourceLedger;
  readonly agentIndex: Int32Array;
  /** Per agent: Σ over scalar kinds of free / cluster total, a spare-capacity score. */
  readonly spare: Float64Array;
  private readonly heap: IndexedHeap;
  private readonly held: Int32Array;
  private readonly largestFree = new Float64Array(KIND_COUNT);
  private readonly fromPool = new Float64Array(KIND_COUNT);
  private readonly fromReservation = new Float64Array(KIND_COUNT);

  constructor(
    private readonly view: ClusterView,
    private readonly tasks: PendingTaskBatch,
    agentOrder: (placer: TaskPlacer) => LessThan,
    private readonly hook: PlacementHook,
  ) {
    this.ledger = new ResourceLedger(view);
    this.agentIndex = new Int32Array(tasks.count).fill(-1);
    this.spare = new Float64Array(view.agentCount);
    this.heap = new IndexedHeap(view.agentCount, agentOrder(this));
    this.held = new Int32Array(view.agentCount);
    for (let agent = 0; agent < view.agentCount; agent++) {
      if (view.agentActive[agent] !== 1) continue;
      this.spare[agent] = this.spareOf(agent);
      this.noteLargestFree(agent);
      this.heap.push(agent);
    }
  }

  private freeOf(agent: number, kind: number, entry: number): number {
    const pool = this.ledger.unreservedFree[agent * KIND_COUNT + kind]!;
    return entry === -1 ? pool : pool + this.ledger.reservationFree[entry * KIND_COUNT + kind]!;
  }

  private spareOf(agent: number): number {
    let score = 0;
    for (let kind = 0; kind < SHARE_KIND_COUNT; kind++) {
      const total = this.ledger.clusterTotal[kind]!;
      if (total > 0) score += this.ledger.unreservedFree[agent * KIND_COUNT + kind]! / total;
    }
    return score;
  }

  private noteLargestFree(agent: number): void {
    const view = this.view;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      let free = this.ledger.unreservedFree[agent * KIND_COUNT + kind]!;
      const end = view.reservationStart[agent + 1]!;
      for (let entry = view.reservationStart[agent]!; entry < end; entry++) {
        free += this.ledger.reservationFree[entry * KIND_COUNT + kind]!;
      }
      this.largestFree[kind] = Math.max(this.largestFree[kind]!, free);
    }
  }

  private fits(task: number, agent: number, entry: number): boolean {
    const need = this.tasks.resources;
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      if (need[task * KIND_COUNT + kind]! > this.freeOf(agent, kind, entry) + RESOURCE_EPSILON) return false;
    }
    return satisfiesConstraints(this.view, this.tasks.constraints, task, agent);
  }

  private tooBigForAnyAgent(task: number): boolean {
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      if (this.tasks.resources[task * KIND_COUNT + kind]! > this.largestFree[kind]! + RESOURCE_EPSILON) return true;
    }
    return false;
  }

  /** Places `task` on the first agent in heap order that fits it; returns the agent or -1. */
  place(task: number): number {
    if (this.tooBigForAnyAgent(task)) return -1;
    const role = this.view.frameworkRole[this.tasks.frameworkIndex[task]!]!;
    let held = 0;
    let found = -1;
    while (this.heap.size > 0) {
      const agent = this.heap.pop();
      this.held[held++] = agent;
      const entry = this.ledger.reservationOf(agent, role);
      if (this.fits(task, agent, entry)) {
        this.charge(task, agent, entry);
        found = agent;
        break;
      }
    }
    for (let index = 0; index < held; index++) this.heap.push(this.held[index]!);
    return found;
  }

  private charge(task: number, agent: number, entry: number): void {
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      const need = this.tasks.resources[task * KIND_COUNT + kind]!;
      const reserved = entry === -1 ? 0 : this.ledger.reservationFree[entry * KIND_COUNT + kind]!;
      this.fromReservation[kind] = Math.min(need, reserved);
      this.fromPool[kind] = need - this.fromReservation[kind]!;
    }
    this.ledger.charge(agent, this.tasks.frameworkIndex[task]!, entry, this.fromPool, this.fromReservation);
    this.agentIndex[task] = agent;
    this.spare[agent] = this.spareOf(agent);
    // The agent is popped (held) here, so re-keying it before it is pushed back is safe.
    this.hook(agent, task);
  }
}

/** Agent order: most spare capacity first, ties by index. */
export function spareFirst(placer: TaskPlacer): LessThan {
  const spare = placer.spare;
  return (a, b) => spare[a]! > spare[b]! || (spare[a] === spare[b] && a < b);
}

/** Tasks in `order`, each placed in turn; the result for PlacementBatch. */
export function placeInOrder(placer: TaskPlacer, order: Int32Array): Int32Array {
  for (const task of order) placer.place(task);
  return placer.agentIndex;
}
