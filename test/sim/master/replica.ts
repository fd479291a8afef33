/**
 * One master process in the simulation, wired as src/master/main.ts wires a replica: the real
 * MasterStateMachine with the registry part, the real MasterEngine (a LeaderSession per term,
 * allocator inline), the leader advertising its HTTP address — over a SimRaftNode instead of
 * a RaftNode and a virtual clock that stops when the process dies.
 */
import { silentLogger } from '../../../src/lib/log.js';
import type { MasterContext } from '../../../src/master/api/context.js';
import { MasterEngine } from '../../../src/master/leader/engine.js';
import type { EngineSettings, LeaderSession } from '../../../src/master/leader/session.js';
import { encodeCommand, MasterStateMachine, type ApplyResult } from '../../../src/master/state/machine.js';
import type { RaftNode } from '../../../src/raft/driver.js';
import { SimRaftNode, type LogEntry, type SimLog } from './sim-raft.js';
import { VirtualClock } from './sim-time.js';

export type ApplyObserver = (replica: MasterReplica, index: number, entry: LogEntry, result: ApplyResult) => void;

export class MasterReplica {
  readonly state = new MasterStateMachine();
  readonly node: SimRaftNode;
  readonly clock: VirtualClock;
  readonly engine: MasterEngine;
  readonly context: MasterContext;

  constructor(
    readonly id: string,
    readonly httpAddress: string,
    /** Counts this replica's processes (a restart is a new incarnation). */
    readonly incarnation: number,
    log: SimLog,
    settings: Partial<EngineSettings>,
    maxCommitDelayMs: number,
    observe: ApplyObserver,
  ) {
    this.node = new SimRaftNode(id, log, maxCommitDelayMs);
    this.clock = new VirtualClock(log.sim, () => this.node.alive);
    this.engine = new MasterEngine({ clock: this.clock, logger: silentLogger(), settings, allocatorMode: 'inline' });
    this.state.addPart(this.engine.registry);
    this.node.applyEntry = (index, entry) => {
      const result = this.state.apply(entry.data, index);
      observe(this, index, entry, result);
      return result;
    };
    // The sim node has exactly the members of RaftNode that the engine and session use.
    const node = this.node as unknown as RaftNode;
    this.context = { node, state: this.state, logger: silentLogger(), httpAddress: httpAddress, raftAddress: `${id}:raft`, version: 'sim' };
    this.advertiseWhenLeading();
    this.engine.attach(this.context);
  }

  get alive(): boolean {
    return this.node.alive;
  }

  /** The live leader session when this replica leads and its services are ready. */
  get readySession(): LeaderSession | null {
    const session = this.engine.leaderSession;
    return this.node.alive && session?.ready ? session : null;
  }

  /** main.ts's advertiseWhenLeading: followers redirect agents and clients to this address. */
  private advertiseWhenLeading(): void {
    this.node.onLeaderChange((soft, term) => {
      if (soft.role !== 'leader') return;
      const known = this.state.members.get(this.id);
      if (known && known.httpAddress === this.httpAddress) return;
      this.node
        .propose(encodeCommand({ t: 'member.advertise', id: this.id, httpAddress: this.httpAddress, raftAddress: `${this.id}:raft`, term }))
        .catch(() => undefined);
    });
  }
}
