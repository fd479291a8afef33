/**
 * The simulated network: messages in flight are plain data with a delivery time.
 *
 * Faults, all drawn from the world's seeded Rng: per-message loss, duplication (the copy arrives
 * later), a random delay (which also reorders), symmetric and one-way partitions (checked both
 * when a message is sent and when it would arrive), and clogging — a clogged link holds its
 * messages until it is unclogged, then releases them with fresh delays (FoundationDB's
 * swizzle-clog). No sockets, no timers: the caller schedules deliveries on the SimClock.
 */
import type { Rng } from '../../../src/lib/rng.js';
import type { Message, NodeId } from '../../../src/raft/core/types.js';

export interface NetworkFaults {
  /** Probability that a message is dropped. */
  lossRate: number;
  /** Probability that a message is delivered twice. */
  duplicateRate: number;
  delayMinMs: number;
  delayMaxMs: number;
}

export const perfectNetwork: NetworkFaults = { lossRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 3 };

/** A message on the wire. */
export interface Envelope {
  kind: 'deliver';
  message: Message;
}

export interface NetworkStats {
  sent: number;
  lost: number;
  cut: number;
  duplicated: number;
  delivered: number;
}

export class SimNetwork {
  faults: NetworkFaults;
  readonly stats: NetworkStats = { sent: 0, lost: 0, cut: 0, duplicated: 0, delivered: 0 };
  /** Links that drop everything, as "from>to". */
  private readonly cutLinks = new Set<string>();
  /** Links that hold everything until unclogged. */
  private readonly clogged = new Map<string, Message[]>();

  constructor(
    private readonly rng: Rng,
    faults: NetworkFaults,
    /** Called to put a message in flight: deliver it `delayMs` from now. */
    private readonly schedule: (delayMs: number, envelope: Envelope) => void,
  ) {
    this.faults = faults;
  }

  send(message: Message): void {
    this.stats.sent++;
    if (this.isCut(message.from, message.to)) {
      this.stats.cut++;
      return;
    }
    if (this.rng.next() < this.faults.lossRate) {
      this.stats.lost++;
      return;
    }
    this.launch(message);
    if (this.rng.next() < this.faults.duplicateRate) {
      this.stats.duplicated++;
      this.launch(message);
    }
  }

  /**
   * A message reached its delivery time: returns it if it may be handed to the node, or null
   * if the link was cut meanwhile (or it is clogged: then it waits for the unclog).
   */
  arrive(envelope: Envelope): Message | null {
    const { from, to } = envelope.message;
    if (this.isCut(from, to)) {
      this.stats.cut++;
      return null;
    }
    const held = this.clogged.get(linkKey(from, to));
    if (held !== undefined) {
      held.push(envelope.message);
      return null;
    }
    this.stats.delivered++;
    return envelope.message;
  }

  /** Cuts every link between different groups, both ways (nodes in no group keep their links). */
  partition(groups: NodeId[][]): void {
    for (let a = 0; a < groups.length; a++) {
      for (let b = 0; b < groups.length; b++) {
        if (a === b) continue;
        for (const from of groups[a]!) for (const to of groups[b]!) this.cutLinks.add(linkKey(from, to));
      }
    }
  }

  /** One-way partition: `from` can no longer reach `to` (the reverse direction still works). */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.cutLinks.add(linkKey(from, to));
  }

  isolate(node: NodeId, everyone: readonly NodeId[]): void {
    this.partition([[node], everyone.filter((id) => id !== node)]);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cutLinks.size > 0 && this.cutLinks.has(linkKey(from, to));
  }

  clog(from: NodeId, to: NodeId): void {
    const key = linkKey(from, to);
    if (!this.clogged.has(key)) this.clogged.set(key, []);
  }

  unclog(from: NodeId, to: NodeId): void {
    const key = linkKey(from, to);
    const held = this.clogged.get(key);
    if (held === undefined) return;
    this.clogged.delete(key);
    for (const message of held) this.launch(message);
  }

  cloggedLinks(): Array<[NodeId, NodeId]> {
    return [...this.clogged.keys()].map((key) => key.split('>') as [NodeId, NodeId]);
  }

  /** Removes every partition and clog (held messages are released). */
  heal(): void {
    this.cutLinks.clear();
    for (const [from, to] of this.cloggedLinks()) this.unclog(from, to);
  }

  hasFaultyLinks(): boolean {
    return this.cutLinks.size > 0 || this.clogged.size > 0;
  }

  private launch(message: Message): void {
    const { delayMinMs, delayMaxMs } = this.faults;
    const delay = delayMinMs + this.rng.next() * (delayMaxMs - delayMinMs);
    this.schedule(delay, { kind: 'deliver', message: copyMessage(message) });
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

/**
 * Each delivery gets its own message object, as a real transport would decode a fresh one; the
 * entry payloads are shared because no one mutates them.
 */
function copyMessage(message: Message): Message {
  return {
    ...message,
    entries: message.entries.length === 0 ? message.entries : message.entries.map((entry) => ({ ...entry })),
  };
}
