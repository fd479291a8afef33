/**
 * One pass over the registry that the operator endpoints share: agents, frameworks and tasks
 * grouped the way Mesos reports them (registered vs unreachable agents; active vs completed
 * frameworks; live, unreachable and completed tasks), plus what each agent and framework uses.
 * Pure: the caller passes the registry and the facts about this master.
 */
import { TERMINAL_TASK_STATES } from '../../../actors/task-state.js';
import type { AgentEntry, FrameworkEntry, RegistryView, TaskEntry, WireResource } from '../../registry/types.js';
import type { OfferView } from '../context.js';

/** What the operator endpoints say about this master replica. */
export interface MasterFacts {
  /** Replica id (Raft node id). */
  id: string;
  /** host:port this replica serves HTTP on. */
  httpAddress: string;
  version: string;
  startedAtMs: number;
  nowMs: number;
  elected: boolean;
  /** When this replica last became leader (if it leads). */
  electedAtMs?: number;
  /** host:port of the leader's HTTP server, null while none is known. */
  leaderHttpAddress: string | null;
}

export interface FrameworkView {
  entry: FrameworkEntry;
  live: TaskEntry[];
  unreachable: TaskEntry[];
  completed: TaskEntry[];
  used: WireResource[];
  /** The leader's outstanding offers to this framework. */
  offers: OfferView[];
  offered: WireResource[];
}

export interface AgentView {
  entry: AgentEntry;
  used: WireResource[];
  liveTasks: TaskEntry[];
  /** Resources of this agent in outstanding offers. */
  offered: WireResource[];
}

export interface ClusterView {
  /** Registered agents: active plus deactivated (disconnected / registering). */
  agents: AgentView[];
  unreachableAgents: AgentEntry[];
  goneAgents: AgentEntry[];
  frameworks: FrameworkView[];
  completedFrameworks: FrameworkView[];
  /** Every outstanding offer (the leader's; empty elsewhere). */
  offers: OfferView[];
}

const REGISTERED_AGENT_STATES = new Set(['registering', 'active', 'disconnected']);

export function isTerminal(task: TaskEntry): boolean {
  return TERMINAL_TASK_STATES.has(task.state);
}

export function clusterView(registry: RegistryView, offers: readonly OfferView[] = []): ClusterView {
  const usedByAgent = new Map<string, TaskEntry[]>();
  const offersOf = (key: 'frameworkId' | 'agentId', id: string): OfferView[] => offers.filter((offer) => offer[key] === id);
  const frameworks: FrameworkView[] = [];
  const completedFrameworks: FrameworkView[] = [];
  for (const entry of registry.frameworks()) {
    const { live: nonTerminal, completed } = registry.tasksOf(entry.id);
    const live = nonTerminal.filter((t) => t.state !== 'TASK_UNREACHABLE');
    const unreachable = nonTerminal.filter((t) => t.state === 'TASK_UNREACHABLE');
    for (const task of live) usedByAgent.set(task.agentId, [...(usedByAgent.get(task.agentId) ?? []), task]);
    const offered = offersOf('frameworkId', entry.id);
    const view: FrameworkView = { entry, live, unreachable, completed, used: live.flatMap((t) => t.resources), offers: offered, offered: offered.flatMap((o) => o.resources) };
    (entry.machine.value === 'tornDown' ? completedFrameworks : frameworks).push(view);
  }
  const agents: AgentView[] = [];
  const unreachableAgents: AgentEntry[] = [];
  const goneAgents: AgentEntry[] = [];
  for (const entry of registry.agents()) {
    const state = entry.machine.value;
    if (REGISTERED_AGENT_STATES.has(state)) {
      const liveTasks = usedByAgent.get(entry.id) ?? [];
      agents.push({ entry, liveTasks, used: liveTasks.flatMap((t) => t.resources), offered: offersOf('agentId', entry.id).flatMap((o) => o.resources) });
    } else if (state === 'unreachable') unreachableAgents.push(entry);
    else goneAgents.push(entry);
  }
  return { agents, unreachableAgents, goneAgents, frameworks, completedFrameworks, offers: [...offers] };
}

export function isActiveAgent(agent: AgentEntry): boolean {
  return agent.machine.value === 'active';
}

export function isConnectedFramework(framework: FrameworkEntry): boolean {
  return framework.machine.value === 'subscribed';
}

/** Every task of the view: live, unreachable and completed, framework by framework. */
export function allTasks(view: ClusterView): TaskEntry[] {
  return [...view.frameworks, ...view.completedFrameworks].flatMap((f) => [...f.live, ...f.unreachable, ...f.completed]);
}

export function hostOf(address: string): string {
  const at = address.lastIndexOf(':');
  return (at < 0 ? address : address.slice(0, at)).replace(/^\[|\]$/g, '');
}

export function portOf(address: string): number {
  const at = address.lastIndexOf(':');
  return at < 0 ? 0 : Number(address.slice(at + 1));
}
