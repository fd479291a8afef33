/**
 * Virtual time for the simulator: one clock in milliseconds and a queue of timed events.
 *
 * There is no wall clock anywhere in the simulation. Everything that happens — a node's tick, a
 * message arriving, a disk write completing, a client waking up, a fault — is an event with a
 * virtual due time; the world pops them in (time, insertion order) order, so a seed replays
 * exactly. Each node ticks at its own rate (see tickIntervalMs) to model clock drift.
 */

/** A binary min-heap of events ordered by due time, ties broken by scheduling order. */
export class SimClock<Event> {
  private nowMs = 0;
  private sequence = 0;
  private readonly heap: Array<{ at: number; seq: number; event: Event }> = [];

  get now(): number {
    return this.nowMs;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Schedules `event` `delayMs` from now (never in the past). */
  after(delayMs: number, event: Event): void {
    this.at(this.nowMs + Math.max(0, delayMs), event);
  }

  at(timeMs: number, event: Event): void {
    const item = { at: Math.max(timeMs, this.nowMs), seq: this.sequence++, event };
    const heap = this.heap;
    heap.push(item);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!earlier(heap[child]!, heap[parent]!)) break;
      [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
      child = parent;
    }
  }

  /** Due time of the next event, or Infinity. */
  peekTime(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  /** Removes the next event and moves the clock to its due time. */
  pop(): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(heap);
    }
    this.nowMs = top.at;
    return top.event;
  }
}

interface Timed {
  at: number;
  seq: number;
}

function earlier(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function siftDown(heap: Timed[]): void {
  let parent = 0;
  for (;;) {
    const left = 2 * parent + 1;
    const right = left + 1;
    let smallest = parent;
    if (left < heap.length && earlier(heap[left]!, heap[smallest]!)) smallest = left;
    if (right < heap.length && earlier(heap[right]!, heap[smallest]!)) smallest = right;
    if (smallest === parent) return;
    [heap[parent], heap[smallest]] = [heap[smallest]!, heap[parent]!];
    parent = smallest;
  }
}

/**
 * A node's tick length: the nominal length scaled by its drift (e.g. drift 0.1 = 10 % slow,
 * -0.1 = 10 % fast). Nodes with different drifts disagree on how long an election timeout is.
 */
export function tickIntervalMs(nominalTickMs: number, drift: number): number {
  return nominalTickMs * (1 + drift);
}
