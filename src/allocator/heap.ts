/**
 * An indexed binary min-heap over small integer ids (agents, frameworks, roles, tasks).
 *
 * The order comes from a `less(a, b)` callback that reads the caller's key arrays, so keys
 * live next to the rest of the typed data and nothing is boxed. The heap remembers each id's
 * position, which makes `update(id)` (re-sift after the caller changed its key) and `has(id)`
 * O(log n) and O(1). The caller must not change the key of an id that is in the heap without
 * calling `update` — the allocator pops an id, changes its key, and pushes it back.
 *
 * Pure: no I/O.
 */
import { assert } from '../lib/assert.js';

export type LessThan = (a: number, b: number) => boolean;

export class IndexedHeap {
  private readonly items: Int32Array;
  /** position[id] = index in `items`, or -1 when absent. */
  private readonly position: Int32Array;
  private length = 0;

  /** @param capacity ids range over [0, capacity). */
  constructor(
    capacity: number,
    private readonly less: LessThan,
  ) {
    this.items = new Int32Array(capacity);
    this.position = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.length;
  }

  has(id: number): boolean {
    return this.position[id] !== -1;
  }

  /** The smallest id, or -1 when empty. */
  peek(): number {
    return this.length === 0 ? -1 : this.items[0]!;
  }

  push(id: number): void {
    assert(this.position[id] === -1, `heap already holds ${id}`);
    this.items[this.length] = id;
    this.position[id] = this.length;
    this.length += 1;
    this.siftUp(this.length - 1);
  }

  /** Removes and returns the smallest id, or -1 when empty. */
  pop(): number {
    if (this.length === 0) return -1;
    const top = this.items[0]!;
    this.removeAt(0);
    return top;
  }

  remove(id: number): void {
    const at = this.position[id]!;
    if (at !== -1) this.removeAt(at);
  }

  /** Restores order after the caller changed `id`'s key. */
  update(id: number): void {
    const at = this.position[id]!;
    if (at === -1) return;
    this.siftDown(this.siftUp(at));
  }

  private removeAt(at: number): void {
    const removed = this.items[at]!;
    this.length -= 1;
    this.position[removed] = -1;
    if (at === this.length) return;
    const last = this.items[this.length]!;
    this.items[at] = last;
    this.position[last] = at;
    this.siftDown(this.siftUp(at));
  }

  /** Moves the item at `at` up while it is smaller than its parent; returns its new index. */
  private siftUp(at: number): number {
    const items = this.items;
    const id = items[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = items[parentAt]!;
      if (!this.less(id, parent)) break;
      items[at] = parent;
      this.position[parent] = at;
      at = parentAt;
    }
    items[at] = id;
    this.position[id] = at;
    return at;
  }

  private siftDown(at: number): void {
    const items = this.items;
    const id = items[at]!;
    for (;;) {
      const leftAt = 2 * at + 1;
      if (leftAt >= this.length) break;
      const rightAt = leftAt + 1;
      let childAt = leftAt;
      if (rightAt < this.length && this.less(items[rightAt]!, items[leftAt]!)) childAt = rightAt;
      const child = items[childAt]!;
      if (!this.less(child, id)) break;
      items[at] = child;
      this.position[child] = at;
      at = childAt;
    }
    items[at] = id;
    this.position[id] = at;
  }
}
