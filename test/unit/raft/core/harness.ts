/**
 * A tiny hand-driven network of RaftCores for unit tests (the randomized simulator lives in
 * test/sim). Each node has an in-memory store that follows the Ready contract exactly, and a
 * toy state machine (the list of applied Normal entries, as strings). Messages wait in one FIFO
 * queue until a test delivers them; a drop filter models partitions. After every Ready the
 * harness checks election safety: at most one leader per term.
 */
import { expect } from 'vitest';
import { SeededRng } from '../../../../src/lib/rng.js';
import { bootstrapEntries } from '../../../../src/raft/core/membership.js';
import { RaftCore } from '../../../../src/raft/core/raft.js';
import { defaultRaftConfig, EntryType } from '../../../../src/raft/core/types.js';
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  RaftConfig,
  ReadState,
  Ready,
  Snapshot,
} from '../../../../src/raft/core/types.js';

export const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
export const dec = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

export interface MemStore {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export interface NodeOptions extends Partial<Omit<RaftConfig, 'id'>> {
  seed?: number;
}

export const testConfig: Omit<RaftConfig, 'id'> = {
  ...defaultRaftConfig,
  electionTicks: 10,
  heartbeatTicks: 1,
};

export class Net {
  readonly cores = new Map<NodeId, RaftCore>();
  readonly stores = new Map<NodeId, MemStore>();
  /** Applied Normal entries (non-empty data) per node, as text. */
  readonly applied = new Map<NodeId, string[]>();
  /** The log index of each applied string (parallel to `applied`). */
  readonly appliedIndexes = new Map<NodeId, number[]>();
  readonly readStates = new Map<NodeId, ReadState[]>();
  readonly queue: Message[] = [];
  /** Every message that left a node, in order (tests count them). */
  readonly sent: Message[] = [];
  drop: (m: Message) => boolean = () => false;
  /** Apply at most this many committed entries per Ready (advance(ready, index)); the rest wait. */
  applyAtMost = Number.POSITIVE_INFINITY;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly options = new Map<NodeId, NodeOptions>();
  private readonly bootstrapConfs = new Map<NodeId, ConfState>();

  constructor(ids: NodeId[], options: NodeOptions = {}) {
    for (const [k, id] of ids.entries()) {
      // Distinct seeds per node, so that their election timeouts differ.
      this.addNode(id, { voters: ids, learners: [] }, { ...options, seed: (options.seed ?? 1) * 1000 + k });
    }
  }

  /** Adds a fresh node with the given bootstrap configuration (empty for a joining node). */
  addNode(id: NodeId, bootstrapConf: ConfState, options: NodeOptions = {}): RaftCore {
    const store: MemStore = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] };
    this.stores.set(id, store);
    this.options.set(id, options);
    this.bootstrapConfs.set(id, bootstrapConf);
    this.readStates.set(id, []);
    return this.build(id, bootstrapConf);
  }

  /** Replaces a node's stored state and restarts it from there (for hand-made logs). */
  load(id: NodeId, store: MemStore): RaftCore {
    this.stores.set(id, store);
    return this.restart(id);
  }

  /** Crash and restart: a new core from exactly what the store holds; volatile state is lost. */
  restart(id: NodeId): RaftCore {
    this.readStates.set(id, []);
    return this.build(id, this.bootstrapConfs.get(id)!);
  }

  private build(id: NodeId, bootstrapConf: ConfState): RaftCore {
    const store = this.stores.get(id)!;
    const { seed = 1, ...overrides } = this.options.get(id)!;
    const config: RaftConfig = { ...testConfig, ...overrides, id };
    const core = new RaftCore(
      config,
      {
        hardState: { ...store.hardState },
        snapshot: store.snapshot,
        entries: store.entries.slice(),
        bootstrapConf,
      },
      new SeededRng(seed),
    );
    this.restoreMachine(id, store.snapshot);
    this.cores.set(id, core);
    return core;
  }

  private restoreMachine(id: NodeId, snapshot: Snapshot | null): void {
    const items = snapshot === null ? [] : decodeMachine(snapshot.data);
    this.applied.set(id, items.map(([, text]) => text));
    this.appliedIndexes.set(id, items.map(([index]) => index));
  }

  /**
   * What a shell does to snapshot: encode the state machine at the applied index, save it with
   * the configuration, drop stored entries through it, then tell the core.
   */
  compactNode(id: NodeId): void {
    const core = this.core(id);
    const status = core.status();
    const store = this.stores.get(id)!;
    const index = status.appliedIndex;
    if (index <= (store.snapshot?.meta.index ?? 0)) return;
    const term = store.entries.find((e) => e.index === index)?.term;
    if (term === undefined) return;
    const texts = this.applied.get(id)!;
    const indexes = this.appliedIndexes.get(id)!;
    const data = encodeMachine(texts.map((text, k) => [indexes[k]!, text]));
    store.snapshot = { meta: { index, term, conf: status.conf }, data };
    store.entries = store.entries.filter((e) => e.index > index);
    core.compact(index, data);
  }

  core(id: NodeId): RaftCore {
    return this.cores.get(id)!;
  }

  /** Runs one Ready of `id` through the contract: send, persist, send after persist, apply. */
  processReady(id: NodeId): void {
    const core = this.core(id);
    if (!core.hasReady()) return;
    this.handleReady(id, core.ready());
  }

  /** The contract steps for a Ready a test took itself (to inspect it first). */
  handleReady(id: NodeId, ready: Ready): void {
    const core = this.core(id);
    this.checkElectionSafety(id);
    this.enqueue(ready.messages);
    this.persist(id, ready);
    this.enqueue(ready.messagesAfterPersist);
    if (ready.snapshot !== null) this.restoreMachine(id, ready.snapshot);
    const machine = this.applied.get(id)!;
    const indexes = this.appliedIndexes.get(id)!;
    const applying = ready.committedEntries.slice(0, this.applyAtMost);
    for (const entry of applying) {
      expect(entry.index, 'applied out of order').toBeGreaterThan(indexes.at(-1) ?? 0);
      if (entry.type === EntryType.Normal && entry.data.length > 0) {
        machine.push(dec(entry.data));
        indexes.push(entry.index);
      }
    }
    this.readStates.get(id)!.push(...ready.readStates);
    if (applying.length === ready.committedEntries.length) core.advance(ready);
    else core.advance(ready, applying.at(-1)?.index ?? core.status().appliedIndex);
  }

  private persist(id: NodeId, ready: Ready): void {
    const store = this.stores.get(id)!;
    if (ready.hardState !== null) store.hardState = { ...ready.hardState };
    if (ready.snapshot !== null) {
      store.snapshot = ready.snapshot;
      store.entries = [];
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      store.entries = store.entries.filter((e) => e.index < first.index).concat(ready.entries);
    }
  }

  private enqueue(messages: Message[]): void {
    for (const m of messages) {
      this.sent.push(m);
      if (!this.drop(m)) this.queue.push(m);
    }
  }

  private checkElectionSafety(id: NodeId): void {
    const status = this.core(id).status();
    if (status.role !== 'leader') return;
    const previous = this.leaderOfTerm.get(status.term);
    expect(previous ?? id, `two leaders in term ${status.term}`).toBe(id);
    this.leaderOfTerm.set(status.term, id);
  }

  /** Delivers every queued message (in order) to live nodes; returns how many were delivered. */
  deliverAll(): number {
    const batch = this.queue.splice(0, this.queue.length);
    for (const m of batch) this.cores.get(m.to)?.step(m);
    return batch.length;
  }

  /** Ready/deliver until quiet. Throws if it does not settle (a livelock is a bug too). */
  stabilize(maxRounds = 200): void {
    for (let round = 0; round < maxRounds; round++) {
      for (const id of this.cores.keys()) this.processReady(id);
      if (this.deliverAll() === 0 && ![...this.cores.values()].some((c) => c.hasReady())) return;
    }
    throw new Error('network did not stabilize');
  }

  tick(id: NodeId, times = 1): void {
    for (let k = 0; k < times; k++) this.core(id).tick();
  }

  /** Ticks every node once and stabilizes, `times` times. */
  tickAll(times = 1): void {
    for (let k = 0; k < times; k++) {
      for (const core of this.cores.values()) core.tick();
      this.stabilize();
    }
  }

  /** Makes `id` leader by an explicit campaign (pre-vote included when configured). */
  elect(id: NodeId): void {
    this.core(id).campaign();
    this.stabilize();
    expect(this.core(id).status().role).toBe('leader');
  }

  isolate(id: NodeId): void {
    this.drop = (m) => m.from === id || m.to === id;
  }

  heal(): void {
    this.drop = () => false;
  }

  leaders(): NodeId[] {
    return [...this.cores.entries()].filter(([, c]) => c.status().role === 'leader').map(([id]) => id);
  }

  propose(id: NodeId, text: string): void {
    const result = this.core(id).propose(enc(text));
    expect(result.ok).toBe(true);
  }
}

/** The toy state machine's snapshot: its applied (index, text) pairs. */
function encodeMachine(items: Array<[number, string]>): Uint8Array {
  return enc(JSON.stringify(items));
}

function decodeMachine(data: Uint8Array): Array<[number, string]> {
  return JSON.parse(dec(data)) as Array<[number, string]>;
}

/** Messages of one type from `from` to `to` among `messages`. */
export function messagesOf(messages: Message[], type: Message['type'], from?: NodeId, to?: NodeId): Message[] {
  return messages.filter((m) => m.type === type && (from === undefined || m.from === from) && (to === undefined || m.to === to));
}

/**
 * A store holding the bootstrap entries of `voters` (indexes 1..n, term 1) followed by one entry
 * per element of `terms`, with data "e<index>"; hard state at `term`, committed through `commit`
 * (default: the bootstrap entries).
 */
export function storeWithLog(voters: NodeId[], terms: number[], term: number, commit = voters.length): MemStore {
  const entries: Entry[] = bootstrapEntries({ voters, learners: [] });
  for (const t of terms) {
    const index = entries.length + 1;
    entries.push({ term: t, index, type: EntryType.Normal, data: enc(`e${index}`) });
  }
  return { hardState: { term, vote: null, commit }, snapshot: null, entries };
}
