/**
 * The replicated registry's records, as every replica holds them after applying the Raft log
 * (src/master/registry/ owns the reducer; this file is the read contract the HTTP APIs, the
 * leader's services and Chronos code against). Plain data; times are epoch milliseconds that
 * travelled inside commands.
 */
import type { StoredSnapshot } from '../../actors/types.js';
import type { TaskStateName } from '../../actors/task-state.js';
import type { ReportedTask, WireResource } from '../../protocol/messages.js';
import type { TaskSpec } from '../../agent/types.js';
import type { ResourceAmounts } from './resources.js';

export type { WireResource };

export interface AgentEntry {
  id: string;
  hostname: string;
  /** host:port of the agent's HTTP server. */
  httpAddress: string;
  resources: WireResource[];
  attributes: Record<string, string>;
  registeredAtMs: number;
  reregisteredAtMs?: number;
  /**
   * Dynamic reservations (RESERVE / `/master/reserve`), merged by role and principal and sorted;
   * absent when none. Static ones are the agent's resources that carry a role.
   */
  dynamicReservations?: DynamicReservation[];
  /** agent machine snapshot (src/actors/agent.machine.ts): registering/active/disconnected/unreachable/gone/removed. */
  machine: StoredSnapshot;
}

/** Resources of one agent dynamically reserved to `role` (each resource carries the role). */
export interface DynamicReservation {
  role: string;
  /** Who reserved them (the framework's or operator's principal), when known. */
  principal?: string;
  resources: WireResource[];
}

/** Mesos FrameworkInfo as the scheduler sent it (JSON), kept whole for /master/state. */
export interface FrameworkInfoJson {
  user: string;
  name: string;
  id?: { value: string };
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type: string }>;
  labels?: unknown;
  [key: string]: unknown;
}

export interface FrameworkEntry {
  id: string;
  info: FrameworkInfoJson;
  registeredAtMs: number;
  reregisteredAtMs?: number;
  unregisteredAtMs?: number;
  /** framework machine snapshot: subscribed/disconnected/failedOver/tornDown. */
  machine: StoredSnapshot;
  /** Built-in frameworks (Chronos) never time out and are not shown as HTTP frameworks. */
  internal?: boolean;
}

export interface TaskStatusEntry {
  state: TaskStateName;
  /** Seconds (double), as Mesos JSON shows status timestamps. */
  timestamp: number;
  uuid?: string;
  message?: string;
  reason?: string;
  source?: 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';
  healthy?: boolean;
  exitStatus?: number;
}

export interface TaskEntry {
  taskId: string;
  frameworkId: string;
  agentId: string;
  name: string;
  resources: WireResource[];
  /** What the agent was told to run. */
  spec: TaskSpec;
  /** The TaskInfo JSON the framework sent (for /master/state: labels, container, health_check…). */
  info?: Record<string, unknown>;
  state: TaskStateName;
  /** Oldest first; bounded. */
  statuses: TaskStatusEntry[];
  /** task machine snapshot. */
  machine: StoredSnapshot;
}

/** Read access to the registry (every replica; only the leader's is authoritative). */
export interface RegistryView {
  agent(id: string): AgentEntry | undefined;
  agents(): Iterable<AgentEntry>;
  framework(id: string): FrameworkEntry | undefined;
  frameworks(): Iterable<FrameworkEntry>;
  task(frameworkId: string, taskId: string): TaskEntry | undefined;
  /** Live (non-terminal) tasks of a framework, then its completed ones (bounded cache). */
  tasksOf(frameworkId: string): { live: TaskEntry[]; completed: TaskEntry[] };
  tasksOnAgent(agentId: string): TaskEntry[];
  /** Every task held (live and cached terminal ones), in no particular order. */
  allTasksUnordered(): Iterable<TaskEntry>;
  /** Resources held by the agent's live tasks (memoised; read-only). */
  usedOnAgent(agentId: string): ResourceAmounts;
}

export type { ReportedTask };
