/**
 * Agents' standby links held by this master (protocol: src/protocol/messages.ts). Every master
 * holds them, leader or not; they carry nothing until this master's leader services are ready.
 * Then each link is told `leading { term, leaderId }` and handed to the session's hub, which
 * takes the agent's `hello` on it as on any upgraded link. A link that arrives while a session
 * is ready is handed over at once.
 */
import type { AgentConnection } from './hub.js';

/**
 * Links announced per event-loop turn: each is one write syscall, and Raft must keep its turns.
 * Not fewer: each later turn also reads the hellos the earlier slices brought, and at 250 a turn
 * a takeover of 5,000 agents took ≈ 4 s to announce, so some agents gave up waiting and dialled.
 */
const ANNOUNCE_SLICE = 1_000;

/** The part of a leader session the pool hands links to. */
export interface StandbyAdopter {
  readonly term: number;
  readonly leaderId: string;
  /** Still the live, ready session (a slice may run after it stopped). */
  readonly ready: boolean;
  acceptAgent(connection: AgentConnection): void;
}

export class StandbyPool {
  private readonly links = new Set<AgentConnection>();
  private adopter: StandbyAdopter | null = null;
  private closed = false;

  /** Links held now (metrics and tests). */
  get size(): number {
    return this.links.size;
  }

  /** A freshly upgraded standby link. */
  add(connection: AgentConnection): void {
    if (this.closed) {
      connection.close();
      return;
    }
    if (this.adopter?.ready) {
      this.handOver(connection, this.adopter);
      return;
    }
    // Nothing is expected on a standby link before `leading`; a peer that talks is not an agent
    // of this protocol version.
    connection.onMessage = () => connection.close();
    connection.onClose = () => this.links.delete(connection);
    this.links.add(connection);
  }

  /** This master's leader services are ready: announce them on every held link, a slice per turn. */
  announce(adopter: StandbyAdopter): void {
    if (this.closed) return;
    this.adopter = adopter;
    const waiting = [...this.links];
    const slice = (from: number): void => {
      if (this.adopter !== adopter || !adopter.ready) return;
      const to = Math.min(waiting.length, from + ANNOUNCE_SLICE);
      for (let i = from; i < to; i++) {
        const connection = waiting[i]!;
        if (this.links.has(connection)) this.handOver(connection, adopter);
      }
      if (to < waiting.length) setImmediate(() => slice(to));
    };
    slice(0);
  }

  /** Leadership (or the session) ended: links arriving from now on wait for the next one. */
  retire(adopter: StandbyAdopter): void {
    if (this.adopter === adopter) this.adopter = null;
  }

  /** The master is shutting down: close every held link. */
  close(): void {
    this.closed = true;
    this.adopter = null;
    for (const connection of [...this.links]) connection.close();
    this.links.clear();
  }

  private handOver(connection: AgentConnection, adopter: StandbyAdopter): void {
    this.links.delete(connection);
    if (!connection.isOpen) return;
    // The hub's handlers first, so the agent's hello (its answer) finds them.
    adopter.acceptAgent(connection);
    connection.send({ t: 'leading', term: adopter.term, leaderId: adopter.leaderId, digests: true });
  }
}
