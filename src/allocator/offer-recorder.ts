/**
 * Collects the offers of one cycle into growable typed arrays and packs them as an OfferBatch.
 * Two grants to the same (framework, agent) in one cycle — the quota stage and then the fair
 * share stage — merge into one offer, as Mesos sends one offer per framework per agent. Each
 * agent's offers form a short linked list (one per role at most), so finding the offer to
 * merge into needs no hashing.
 *
 * Pure: no I/O.
 */
import { KIND_COUNT, type OfferBatch } from './types.js';

export class OfferRecorder {
  private count = 0;
  private frameworkIndex: Int32Array;
  private agentIndex: Int32Array;
  private resources: Float64Array;
  private reserved: Float64Array;
  /** Per agent: its latest offer, or -1; `nextOfSameAgent[offer]` links to the one before. */
  private readonly headOfAgent: Int32Array;
  private nextOfSameAgent: Int32Array;

  constructor(agentCount: number, initialCapacity: number) {
    const capacity = Math.max(16, initialCapacity);
    this.headOfAgent = new Int32Array(agentCount).fill(-1);
    this.nextOfSameAgent = new Int32Array(capacity);
    this.frameworkIndex = new Int32Array(capacity);
    this.agentIndex = new Int32Array(capacity);
    this.resources = new Float64Array(capacity * KIND_COUNT);
    this.reserved = new Float64Array(capacity * KIND_COUNT);
  }

  /** Adds `unreserved + reserved` to the offer of `framework` on `agent`. */
  record(framework: number, agent: number, unreserved: Float64Array, reserved: Float64Array): void {
    let offer = this.headOfAgent[agent]!;
    while (offer !== -1 && this.frameworkIndex[offer] !== framework) offer = this.nextOfSameAgent[offer]!;
    if (offer === -1) {
      if (this.count === this.frameworkIndex.length) this.grow();
      offer = this.count++;
      this.frameworkIndex[offer] = framework;
      this.agentIndex[offer] = agent;
      this.nextOfSameAgent[offer] = this.headOfAgent[agent]!;
      this.headOfAgent[agent] = offer;
    }
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      this.resources[offer * KIND_COUNT + kind]! += unreserved[kind]! + reserved[kind]!;
      this.reserved[offer * KIND_COUNT + kind]! += reserved[kind]!;
    }
  }

  private grow(): void {
    const capacity = this.frameworkIndex.length * 2;
    const frameworkIndex = new Int32Array(capacity);
    frameworkIndex.set(this.frameworkIndex);
    const agentIndex = new Int32Array(capacity);
    agentIndex.set(this.agentIndex);
    const resources = new Float64Array(capacity * KIND_COUNT);
    resources.set(this.resources);
    const reserved = new Float64Array(capacity * KIND_COUNT);
    reserved.set(this.reserved);
    const nextOfSameAgent = new Int32Array(capacity);
    nextOfSameAgent.set(this.nextOfSameAgent);
    this.nextOfSameAgent = nextOfSameAgent;
    this.frameworkIndex = frameworkIndex;
    this.agentIndex = agentIndex;
    this.resources = resources;
    this.reserved = reserved;
  }

  /** The offers, trimmed to size (fresh buffers, safe to transfer). */
  build(): OfferBatch {
    return {
      count: this.count,
      frameworkIndex: this.frameworkIndex.slice(0, this.count),
      agentIndex: this.agentIndex.slice(0, this.count),
      resources: this.resources.slice(0, this.count * KIND_COUNT),
      reserved: this.reserved.slice(0, this.count * KIND_COUNT),
    };
  }
}
