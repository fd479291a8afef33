/**
 * The master ↔ agent protocol: msgpackr-encoded messages, one per length-prefixed frame
 * (src/raft/transport/framing.ts), over one persistent TCP connection that the agent opens
 * to a master's HTTP port (the only address operators give agents: `--masters h:p,...`).
 * Plain data only, so every message survives msgpackr and JSON.
 *
 * Connecting: the agent sends `GET /agent/v1/connect HTTP/1.1` with `Connection: Upgrade`,
 * `Upgrade: kairos-agent/1`. A follower answers `307` with `Location: //leader-host:port/...`
 * (or `503` while no leader) and closes; the agent follows the hint, else tries its other
 * master addresses (round robin, jittered backoff 100 ms doubling to 5 s). The leader answers
 * `101 Switching Protocols` and from then on the socket carries frames both ways.
 *
 * Flow:
 *  agent → leader:     `hello` (register or re-register; carries the agent's live tasks)
 *                      A re-registering agent may report its tasks by id and state only
 *                      (`known`): every task it runs came from a committed launch, so the
 *                      registry normally holds them all. When it does not hold one of them on
 *                      this agent the leader answers `reportInFull` and the agent says hello
 *                      again with every task's spec (`tasks`), which the registry can adopt.
 *                      Smaller still (added after v1, additive): on a link where the master
 *                      announced `leading` with `digests`, a re-registering agent sends only a
 *                      `digest` of its tasks by id and state (task-digest.ts). When the registry's
 *                      own digest of the agent differs, when proposed or when applied, the
 *                      leader answers `reportKnown` and the agent says hello again with `known`.
 *  leader → agent:     `notLeader { leaderHint }` and closes, when it loses leadership
 *  leader → agent:     `registered { agentId, term, heartbeatIntervalMs }`; the agent then
 *                      re-sends each task's oldest unacknowledged update (Mesos does the same),
 *                      except those the leader lists as `recorded`: a task reported with its
 *                      `pending` uuid, which the registry has recorded already and whose
 *                      framework is not subscribed here. The leader would have nothing to do with
 *                      such a re-send (no Raft round, no one to relay it to): after a takeover,
 *                      before frameworks re-subscribe, that was every agent's every update. Their
 *                      retry timers restart all the same, so they reach the framework as before.
 *  agent → leader:     `heartbeat` every heartbeatIntervalMs; the leader answers `pong`
 *                      unless it is marked `quiet` (the agent heard from the leader within the
 *                      last interval); the agent treats a leader silent for a few intervals as
 *                      gone and reconnects; the leader marks an agent unreachable after N
 *                      missed heartbeats (default 5)
 *  leader → agent:     `runTask`, `killTask`, `ack`, `shutdownFramework`, `frameworkMessage`,
 *                      each with `term`
 *  agent → leader:     `status` (one StatusUpdate; re-sent until `ack` with the same uuid)
 *
 * Standby links (added after v1, additive): an agent registered with the leader also keeps one
 * idle connection to every other master, dialled with the header `Kairos-Link: standby`. Any
 * master answers such a dial `101` and holds the link without reading it. When a master's
 * leader services are ready it sends `leading { term, leaderId }` on every standby link it
 * holds (and at once on one that arrives later); an agent whose term allows it (link-policy.ts
 * `adoptsLeading`) drops its old link and says `hello` on that one. A takeover then needs no new
 * connections: thousands of agents dialling at once overflowed the new leader's listen queue,
 * which Node drains one connection per event-loop turn. A master that does not know the header
 * answers as to any agent (307 or 101) and the agent simply keeps no standby link to it.
 *
 * Fencing: every leader → agent command carries the leader's Raft term. The agent remembers
 * the highest term it has seen (checkpointed) and refuses any command with a lower one
 * (answering `refused`), so a deposed leader cannot cause effects.
 */
import type { StatusUpdate, TaskSpec } from '../agent/types.js';

/** Frame kind byte for protocol messages (one kind; the message's `t` says the rest). */
export const AGENT_FRAME_KIND = 1;
/** Largest frame either side accepts (a re-register with thousands of tasks fits). */
export const AGENT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const AGENT_PROTOCOL_VERSION = 1;

/** Mesos Resource JSON (scalar or ranges), as frameworks see it in offers. */
export interface WireResource {
  name: string;
  type: 'SCALAR' | 'RANGES' | 'SET';
  scalar?: { value: number };
  ranges?: { range: Array<{ begin: number; end: number }> };
  set?: { item: string[] };
  role?: string;
  reservation?: { principal?: string; labels?: unknown };
}

/** A task the agent is running (or has just finished) as reported when it (re-)registers. */
export interface ReportedTask {
  spec: TaskSpec;
  /** Latest state the agent knows (wire name, e.g. TASK_RUNNING). */
  state: StatusUpdate['state'];
  /** Resources the master gave the task (echoed back so a new leader can account them). */
  resources?: WireResource[];
  /** uuid of the task's oldest unacknowledged update, the one re-sent after registering (added
   * after v1, additive; see `recorded`). */
  pending?: string;
}

/** A task reported by id and state only. */
export interface KnownTask {
  frameworkId: string;
  taskId: string;
  state: StatusUpdate['state'];
  /** As ReportedTask's. */
  pending?: string;
}

export type AgentToMaster =
  | {
      t: 'hello';
      version: number;
      /** Absent on first registration; the leader assigns one. */
      agentId?: string;
      hostname: string;
      /** host:port of the agent's HTTP server (files API, /state). */
      httpAddress: string;
      resources: WireResource[];
      attributes: Record<string, string>;
      /** Non-terminal tasks (and terminal ones whose updates are unacknowledged). */
      tasks: ReportedTask[];
      /** More such tasks, by id and state only (added after v1, additive; see above). */
      known?: KnownTask[];
      /** All its tasks as one task-digest.ts digest, with `tasks` empty and no `known` (added
       * after v1, additive; sent only to a master that announced `digests`). */
      digest?: string;
      /** Highest leader term this agent has seen (a master with a lower term must not lead it). */
      highestTerm: number;
    }
  /** `quiet`: no pong wanted (absent from older agents, which are answered every time). */
  | { t: 'heartbeat'; agentId: string; seq: number; quiet?: true }
  | { t: 'status'; agentId: string; update: StatusUpdate }
  /** Answer to a fenced command from a stale term (for logs and tests). */
  | { t: 'refused'; agentId: string; term: number; highestTerm: number; what: string };

export type MasterToAgent =
  /** `recorded` (added after v1, additive): uuids among the hello's `pending` that this leader has
   * recorded already and has no subscribed framework to relay to. The agent does not re-send those
   * now; their retry timers restart as for the rest. */
  /** `unrelayed` (added after v1, additive; only in answer to a `digest`): the frameworks of the
   * agent's tasks that have no stream on this leader. The matching digest showed the registry holds
   * every task in the state the agent has, so the agent does not re-send those frameworks' pending
   * updates now; their retry timers restart as for the rest, as with `recorded`. */
  | { t: 'registered'; agentId: string; term: number; heartbeatIntervalMs: number; leaderId: string; recorded?: string[]; unrelayed?: string[] }
  | { t: 'notLeader'; leaderHint: string | null }
  /** On a standby link: this master now leads `term` and takes hellos on this link. `digests`
   * (added after v1, additive): it takes a hello whose tasks come as a `digest`. */
  | { t: 'leading'; term: number; leaderId: string; digests?: true }
  | { t: 'pong'; term: number; seq: number }
  | { t: 'runTask'; term: number; task: TaskSpec; resources: WireResource[] }
  | { t: 'killTask'; term: number; frameworkId: string; taskId: string; gracePeriodMs?: number }
  | { t: 'ack'; term: number; taskId: string; uuid: string }
  | { t: 'shutdownFramework'; term: number; frameworkId: string }
  /** A scheduler's MESSAGE for an executor (best effort, like Mesos); `data` is base64. There
   * are no custom executors, so the agent logs it. Added after v1 (additive). */
  | { t: 'frameworkMessage'; term: number; frameworkId: string; executorId: string; data: string }
  /** Answer to a `hello` whose `known` tasks the registry does not all hold: say hello again with
   * every task in full. Added after v1 (additive). */
  | { t: 'reportInFull' }
  /** Answer to a `hello` whose `digest` differs from the registry's: say hello again with the
   * tasks by id and state (`known`). Added after v1 (additive). */
  | { t: 'reportKnown' }
  /** The leader refuses this agent (e.g. its id was marked gone); the agent logs it and exits. */
  | { t: 'shutdown'; term: number; reason: string };

export type AgentMessage = AgentToMaster | MasterToAgent;
