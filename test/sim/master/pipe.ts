/**
 * An in-memory stand-in for one upgraded master ↔ agent socket: two endpoints, each with the
 * FrameConnection surface the hub and the MasterLink use (`send`, `close`, `isOpen`,
 * `onMessage`, `onClose`). Messages travel through msgpackr (as on the wire, so nothing is
 * shared by reference) and arrive after a seeded delay, in order per direction. A close is
 * seen by the peer after the data sent before it (a FIN behind the bytes); data still in
 * flight towards a closed endpoint is dropped.
 */
import { decode, encode } from '../../../src/lib/codec.js';
import type { AgentMessage } from '../../../src/protocol/messages.js';
import type { Sim } from './sim-time.js';

export interface PipeNet {
  readonly sim: Sim;
  /** One message's (or a close's) travel time in ms. */
  delay(): number;
}

export class Endpoint<In extends AgentMessage, Out extends AgentMessage> {
  onMessage: (message: In) => void = () => {};
  onClose: (error: Error | null) => void = () => {};
  /** Sees every message this endpoint sends (the world keeps stale ones to replay late). */
  tap: ((message: Out) => void) | null = null;
  peer!: Endpoint<Out, In>;
  private closed = false;
  private lastArrival = 0;

  constructor(private readonly net: PipeNet) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  send(message: Out): boolean {
    if (this.closed) return false;
    this.tap?.(message);
    const copy = decode<Out>(encode(message));
    const peer = this.peer;
    this.net.sim.at(this.arrival(), () => {
      if (peer.isOpen) peer.onMessage(copy);
    });
    return true;
  }

  /** Closes this end (its own onClose at once); the peer sees the close after the data. */
  close(error: Error | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(error);
    this.closePeerLater();
  }

  /** The process behind this end died: no onClose here; the peer sees the socket close. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.closePeerLater();
  }

  private closePeerLater(): void {
    const peer = this.peer;
    this.net.sim.at(this.arrival(), () => peer.close(null));
  }

  private arrival(): number {
    this.lastArrival = Math.max(this.lastArrival, this.net.sim.now + this.net.delay());
    return this.lastArrival;
  }
}

/** A connected pair: [agent side, master side]. */
export function pipe<A extends AgentMessage, M extends AgentMessage>(net: PipeNet): [Endpoint<M, A>, Endpoint<A, M>] {
  const agentSide = new Endpoint<M, A>(net);
  const masterSide = new Endpoint<A, M>(net);
  agentSide.peer = masterSide;
  masterSide.peer = agentSide;
  return [agentSide, masterSide];
}
