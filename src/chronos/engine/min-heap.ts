/**
 * A binary min-heap of (instant, job name) pairs: the engine's one ordered view of every job's
 * next fire. Parallel arrays keep 100,000 entries compact. Entries are never removed from the
 * middle: the engine marks a job's current instant elsewhere and drops outdated entries as
 * they surface (lazy deletion), so a reschedule is one O(log n) push.
 */
export class FireHeap {
  private readonly times: number[] = [];
  private readonly names: string[] = [];

  get size(): number {
    return this.times.length;
  }

  clear(): void {
    this.times.length = 0;
    this.names.length = 0;
  }

  push(atMs: number, name: string): void {
    this.times.push(atMs);
    this.names.push(name);
    this.siftUp(this.times.length - 1);
  }

  /** Earliest instant, or null when empty. */
  peekTime(): number | null {
    return this.times.length === 0 ? null : (this.times[0] as number);
  }

  peekName(): string | null {
    return this.names.length === 0 ? null : (this.names[0] as string);
  }

  /** Removes the earliest entry. */
  pop(): void {
    const lastTime = this.times.pop();
    const lastName = this.names.pop();
    if (this.times.length === 0 || lastTime === undefined || lastName === undefined) return;
    this.times[0] = lastTime;
    this.names[0] = lastName;
    this.siftDown(0);
  }

  private siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((this.times[parent] as number) <= (this.times[index] as number)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(start: number): void {
    const length = this.times.length;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < length && (this.times[left] as number) < (this.times[smallest] as number)) smallest = left;
      if (right < length && (this.times[right] as number) < (this.times[smallest] as number)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const time = this.times[a] as number;
    this.times[a] = this.times[b] as number;
    this.times[b] = time;
    const name = this.names[a] as string;
    this.names[a] = this.names[b] as string;
    this.names[b] = name;
  }
}
