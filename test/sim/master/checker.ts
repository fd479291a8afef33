/**
 * The invariants of the master simulation, checked as the world runs:
 *  1. no over-commit — on every replica after every applied entry, the non-terminal tasks of
 *     each agent fit its resources (scalars, and ports inside its ranges, used once); on the
 *     live leader, offered + held + used fit too; on each simulated agent, what it runs fits;
 *  2. task states monotone — per replica, per task: a terminal state is never left and the
 *     located progress rank (staging < starting < running < killing < terminal, from
 *     src/actors/task-state.ts) never goes back;
 *  3. no task forgotten — a task whose launch a replica applied stays in its registry (live or
 *     completed), and every replica gets the same result from the same entry;
 *  4. term fencing — no agent executes a command with a term below the highest it has seen; an
 *     agent is registered only by a session whose (re-)registration committed in that term; a
 *     `runTask` comes only from the session whose term committed that launch, for that agent.
 * Liveness (invariant 5) is checked by the world at the end.
 */
import type { MasterCommand as AgentCommand } from '../../../src/agent/daemon/master-link.js';
import { progressRankOf, isTerminalTaskState, type TaskStateName } from '../../../src/actors/task-state.js';
import { decode } from '../../../src/lib/codec.js';
import type { LeaderSession } from '../../../src/master/leader/session.js';
import { amountsOf, RESOURCE_EPSILON } from '../../../src/master/registry/resources.js';
import type { RegistryState } from '../../../src/master/registry/state.js';
import type { ApplyResult } from '../../../src/master/state/part.js';
import type { WireResource } from '../../../src/protocol/messages.js';
import type { ProbeAgent } from './probe-agent.js';
import type { MasterReplica } from './replica.js';
import type { LogEntry } from './sim-raft.js';

interface Shadow {
  /** Latest state seen per task key, and the highest located rank it reached. */
  readonly tasks: Map<string, { state: TaskStateName; rank: number }>;
  /** Task keys whose launch this replica applied. */
  readonly launched: Set<string>;
  /** Every task key seen, by agent and by framework (terminal ones included). */
  readonly byAgent: Map<string, Set<string>>;
  readonly byFramework: Map<string, Set<string>>;
  applied: number;
}

function newShadow(): Shadow {
  return { tasks: new Map(), launched: new Set(), byAgent: new Map(), byFramework: new Map(), applied: 0 };
}

function addTo(index: Map<string, Set<string>>, id: string, key: string): void {
  let keys = index.get(id);
  if (!keys) index.set(id, (keys = new Set()));
  keys.add(key);
}

/** What one command may change: named tasks, every task of some agents or frameworks, or anything. */
interface Touched {
  keys: Set<string>;
  agents: Set<string>;
  frameworks: Set<string>;
  all: boolean;
}

const keyOf = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;

interface Command {
  t: string;
  [field: string]: unknown;
}

type Ranges = Array<[number, number]>;

export class MasterChecker {
  readonly violations: string[] = [];
  /** Committed launches: task key → where and in which term. */
  readonly launches = new Map<string, { index: number; term: number; agentId: string }>();
  /** Agent id → terms in which its (re-)registration committed. */
  private readonly registrations = new Map<string, Set<number>>();
  /** First result per log index (every replica must get the same). */
  private readonly outcomes: string[] = [];
  private readonly shadows = new Map<MasterReplica, Shadow>();
  /** Agent name → highest term in a command it executed or a registration it accepted. */
  private readonly agentTerms = new Map<string, number>();
  readonly counts = { applied: 0, sweeps: 0, leaderChecks: 0, agentCommands: 0 };
  /** After every applied entry the tasks and agents it can touch are checked; every
   * `sweepEvery`-th entry a replica applies, its whole registry (and on demand). */
  sweepEvery = 50;

  constructor(private readonly now: () => number) {}

  /** A violation found outside the checker (world-level checks). */
  report(message: string): void {
    this.fail(message);
  }

  private fail(message: string): void {
    if (this.violations.length < 50) this.violations.push(`t=${this.now()}ms ${message}`);
  }

  // ---- replicas ----

  /** A replica (re)started from a snapshot or from nothing: what it holds now is its baseline. */
  resetReplica(replica: MasterReplica): void {
    this.shadows.set(replica, newShadow());
    this.sweep(replica, false);
  }

  forgetReplica(replica: MasterReplica): void {
    this.shadows.delete(replica);
  }

  afterApply(replica: MasterReplica, index: number, entry: LogEntry, result: ApplyResult): void {
    this.counts.applied++;
    const signature = JSON.stringify(result);
    const first = this.outcomes[index];
    if (first === undefined) {
      this.outcomes[index] = signature;
      this.record(decode<Command>(entry.data), result, index, entry.term);
    } else if (first !== signature) {
      this.fail(`replica ${replica.id} got ${signature} from entry ${index}, another got ${first}`);
    }
    const shadow = this.shadowOf(replica);
    const command = decode<Command>(entry.data);
    this.noteLaunches(shadow, command, result);
    if (++shadow.applied % this.sweepEvery === 0) return this.sweep(replica, true);
    const touched: Touched = { keys: new Set(), agents: new Set(), frameworks: new Set(), all: false };
    this.touch(command, touched);
    if (touched.all) return this.sweep(replica, true);
    this.checkTouched(replica, shadow, touched);
  }

  private shadowOf(replica: MasterReplica): Shadow {
    let shadow = this.shadows.get(replica);
    if (!shadow) this.shadows.set(replica, (shadow = newShadow()));
    return shadow;
  }

  private touch(command: Command, out: Touched): void {
    const str = (field: string): string | undefined => (typeof command[field] === 'string' ? (command[field] as string) : undefined);
    switch (command.t) {
      case 'reg.batch':
        for (const inner of command['commands'] as Command[]) this.touch(inner, out);
        return;
      case 'reg.task.launch':
        for (const task of command['tasks'] as Array<{ frameworkId: string; taskId: string; agentId: string }>) {
          out.keys.add(keyOf(task.frameworkId, task.taskId));
          out.agents.add(task.agentId);
        }
        return;
      case 'reg.task.status': {
        const update = command['update'] as { frameworkId: string; taskId: string };
        out.keys.add(keyOf(update.frameworkId, update.taskId));
        out.agents.add(str('agentId')!);
        return;
      }
      case 'reg.task.kill':
        out.keys.add(keyOf(str('frameworkId')!, str('taskId')!));
        return;
      case 'reg.deadline':
        (command['kind'] === 'agent' ? out.agents : out.frameworks).add(str('id')!);
        return;
      case 'reg.leader.changed':
        out.all = true;
        return;
      default:
        if (str('agentId')) out.agents.add(str('agentId')!);
        if (str('frameworkId')) out.frameworks.add(str('frameworkId')!);
        // Anything else of the registry that names neither: look at everything.
        if (command.t.startsWith('reg.') && !str('agentId') && !str('frameworkId') && command.t !== 'reg.framework.subscribe') out.all = true;
    }
  }

  /** Invariants 1–3 for what one entry touched. */
  private checkTouched(replica: MasterReplica, shadow: Shadow, touched: Touched): void {
    const registry = replica.engine.registry;
    const keys = touched.keys;
    for (const agentId of touched.agents) {
      for (const key of shadow.byAgent.get(agentId) ?? []) keys.add(key);
      for (const task of registry.tasksOnAgent(agentId)) keys.add(keyOf(task.frameworkId, task.taskId));
    }
    for (const frameworkId of touched.frameworks) {
      for (const key of shadow.byFramework.get(frameworkId) ?? []) keys.add(key);
      for (const task of registry.tasksOf(frameworkId).live) keys.add(keyOf(task.frameworkId, task.taskId));
    }
    const agents = new Set(touched.agents);
    for (const key of keys) {
      const slash = key.lastIndexOf('/');
      const [frameworkId, taskId] = splitKey(key, slash);
      const task = registry.task(frameworkId, taskId);
      if (!task) {
        if (shadow.launched.has(key)) this.fail(`${replica.id}: task ${key} was launched here and is gone from the registry`);
        continue;
      }
      this.observe(replica, shadow, key, task.agentId, task.frameworkId, task.state, true);
      agents.add(task.agentId);
    }
    for (const agentId of agents) {
      const agent = registry.agent(agentId);
      const live = registry.tasksOnAgent(agentId);
      if (!agent) {
        if (live.length > 0) this.fail(`${replica.id}: ${live.length} live tasks on unknown agent ${agentId}`);
        continue;
      }
      const sum = { cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [] as Ranges };
      for (const task of live) {
        if (isTerminalTaskState(task.state)) this.fail(`${replica.id}: ${task.taskId} is ${task.state} but listed live on ${agentId}`);
        addAmountsTo(sum, task.resources);
      }
      const problem = overCommit(sum, agent.resources);
      if (problem) this.fail(`${replica.id}: agent ${agentId} over-committed: ${problem}`);
    }
  }

  private observe(replica: MasterReplica, shadow: Shadow, key: string, agentId: string, frameworkId: string, state: TaskStateName, compare: boolean): void {
    addTo(shadow.byAgent, agentId, key);
    addTo(shadow.byFramework, frameworkId, key);
    this.checkMonotone(replica, shadow, key, state, compare);
  }

  private record(command: Command, result: ApplyResult, index: number, term: number): void {
    if (!result.ok) return;
    if (command.t === 'reg.batch') {
      const results = (result.value as { results: ApplyResult[] }).results;
      (command['commands'] as Command[]).forEach((inner, i) => this.record(inner, results[i]!, index, term));
      return;
    }
    if (command.t === 'reg.task.launch') {
      for (const task of command['tasks'] as Array<{ frameworkId: string; taskId: string; agentId: string }>) {
        this.launches.set(`${task.frameworkId}/${task.taskId}`, { index, term, agentId: task.agentId });
      }
    }
    if (command.t === 'reg.agent.register' || command.t === 'reg.agent.reregister') {
      const agentId = command['agentId'] as string;
      let terms = this.registrations.get(agentId);
      if (!terms) this.registrations.set(agentId, (terms = new Set()));
      terms.add(term);
    }
  }

  private noteLaunches(shadow: Shadow, command: Command, result: ApplyResult): void {
    if (!result.ok) return;
    if (command.t === 'reg.task.launch') {
      for (const task of command['tasks'] as Array<{ frameworkId: string; taskId: string }>) shadow.launched.add(`${task.frameworkId}/${task.taskId}`);
    }
  }

  /** Invariants 1–3 over one replica's whole registry. */
  sweep(replica: MasterReplica, compare: boolean): void {
    this.counts.sweeps++;
    const shadow = this.shadowOf(replica);
    const registry = replica.engine.registry;
    const present = new Set<string>();
    const perAgent = new Map<string, { cpus: number; mem: number; disk: number; gpus: number; ports: Ranges; tasks: number }>();
    for (const framework of registry.frameworks()) {
      const { live, completed } = registry.tasksOf(framework.id);
      for (const [list, terminal] of [[live, false], [completed, true]] as const) {
        for (const task of list) {
          const key = keyOf(task.frameworkId, task.taskId);
          present.add(key);
          if (isTerminalTaskState(task.state) !== terminal) this.fail(`${replica.id}: ${key} is ${task.state} but listed as ${terminal ? 'completed' : 'live'}`);
          this.observe(replica, shadow, key, task.agentId, task.frameworkId, task.state, compare);
          if (isTerminalTaskState(task.state)) continue;
          const amounts = amountsOf(task.resources);
          let sum = perAgent.get(task.agentId);
          if (!sum) perAgent.set(task.agentId, (sum = { cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [], tasks: 0 }));
          sum.cpus += amounts.cpus;
          sum.mem += amounts.mem;
          sum.disk += amounts.disk;
          sum.gpus += amounts.gpus;
          sum.ports.push(...amounts.ports);
          sum.tasks++;
        }
      }
    }
    for (const key of shadow.launched) if (!present.has(key)) this.fail(`${replica.id}: task ${key} was launched here and is gone from the registry`);
    for (const [agentId, used] of perAgent) {
      const agent = registry.agent(agentId);
      if (!agent) {
        this.fail(`${replica.id}: ${used.tasks} live tasks on unknown agent ${agentId}`);
        continue;
      }
      const problem = overCommit(used, agent.resources);
      if (problem) this.fail(`${replica.id}: agent ${agentId} over-committed: ${problem}`);
    }
  }

  private checkMonotone(replica: MasterReplica, shadow: Shadow, key: string, state: TaskStateName, compare: boolean): void {
    const before = shadow.tasks.get(key);
    const rank = progressRankOf(state);
    if (!before) {
      shadow.tasks.set(key, { state, rank: rank ?? 0 });
      return;
    }
    if (before.state === state) return;
    if (compare && isTerminalTaskState(before.state)) this.fail(`${replica.id}: ${key} left terminal ${before.state} for ${state}`);
    else if (compare && rank !== null && rank < before.rank) this.fail(`${replica.id}: ${key} went back from rank ${before.rank} (${before.state}) to ${state}`);
    shadow.tasks.set(key, { state, rank: Math.max(before.rank, rank ?? 0) });
  }

  /** Invariant 1 on the live leader: offered + held + used ≤ capacity, ports used once. */
  checkLeader(session: LeaderSession, registry: RegistryState): void {
    this.counts.leaderChecks++;
    for (const agent of registry.agents()) {
      const used = registry.tasksOnAgent(agent.id).map((task) => amountsOf(task.resources));
      const offers = session.offers.offersOfAgent(agent.id).map((offer) => offer.amounts);
      const committed = session.offers.committedOnAgent(agent.id);
      const all = [...used, committed];
      const sum = { cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [] as Ranges };
      for (const amounts of all) {
        sum.cpus += amounts.cpus;
        sum.mem += amounts.mem;
        sum.disk += amounts.disk;
        sum.gpus += amounts.gpus;
      }
      for (const amounts of [...used, ...offers]) sum.ports.push(...amounts.ports);
      const problem = overCommit(sum, agent.resources);
      if (problem) this.fail(`leader term ${session.term}: agent ${agent.id} offered+used over capacity: ${problem}`);
    }
  }

  // ---- agents ----

  agentRegistered(agent: ProbeAgent, agentId: string, term: number): void {
    this.raiseAgentTerm(agent, term, 'registered');
    if (!this.registrations.get(agentId)?.has(term)) this.fail(`agent ${agent.name} (${agentId}) accepted 'registered' of term ${term} but no registration of it committed in that term`);
  }

  agentCommand(agent: ProbeAgent, command: AgentCommand): void {
    this.counts.agentCommands++;
    this.raiseAgentTerm(agent, command.term, command.t);
    if (command.t === 'runTask') {
      const key = `${command.task.frameworkId}/${command.task.taskId}`;
      const launch = this.launches.get(key);
      if (!launch) this.fail(`agent ${agent.name} runs ${key}, whose launch never committed`);
      else if (launch.term !== command.term) this.fail(`agent ${agent.name} runs ${key} on a term-${command.term} command; the launch committed in term ${launch.term}`);
      else if (launch.agentId !== agent.agentId) this.fail(`agent ${agent.name} (${agent.agentId}) runs ${key}, launched on ${launch.agentId}`);
    }
  }

  /** Invariant 1 on the agent: the tasks it runs fit what it has. */
  agentRanTask(agent: ProbeAgent): void {
    const body = agent.describe() as { tasks: Array<{ state: TaskStateName; resources?: WireResource[] }> };
    const sum = { cpus: 0, mem: 0, disk: 0, gpus: 0, ports: [] as Ranges };
    for (const task of body.tasks) {
      if (isTerminalTaskState(task.state)) continue;
      const amounts = amountsOf(task.resources);
      sum.cpus += amounts.cpus;
      sum.mem += amounts.mem;
      sum.disk += amounts.disk;
      sum.gpus += amounts.gpus;
      sum.ports.push(...amounts.ports);
    }
    const problem = overCommit(sum, agent.resources);
    if (problem) this.fail(`agent ${agent.name} runs more than it has: ${problem}`);
  }

  private raiseAgentTerm(agent: ProbeAgent, term: number, what: string): void {
    const highest = this.agentTerms.get(agent.name) ?? 0;
    if (term < highest) this.fail(`agent ${agent.name} executed ${what} of term ${term} after seeing term ${highest}`);
    else this.agentTerms.set(agent.name, term);
  }
}

function splitKey(key: string, slash: number): [string, string] {
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function addAmountsTo(sum: { cpus: number; mem: number; disk: number; gpus: number; ports: Ranges }, resources: readonly WireResource[]): void {
  const amounts = amountsOf(resources);
  sum.cpus += amounts.cpus;
  sum.mem += amounts.mem;
  sum.disk += amounts.disk;
  sum.gpus += amounts.gpus;
  sum.ports.push(...amounts.ports);
}

/** Why `used` does not fit `capacity` (scalars with Mesos's epsilon; ports inside and disjoint), or null. */
export function overCommit(used: { cpus: number; mem: number; disk: number; gpus: number; ports: Ranges }, capacity: readonly WireResource[]): string | null {
  const total = amountsOf(capacity);
  for (const kind of ['cpus', 'mem', 'disk', 'gpus'] as const) {
    if (used[kind] > total[kind] + RESOURCE_EPSILON) return `${kind} ${used[kind]} > ${total[kind]}`;
  }
  const ports = [...used.ports].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < ports.length; i++) {
    const [begin, end] = ports[i]!;
    if (i > 0 && begin <= ports[i - 1]![1]) return `port ${begin} used twice`;
    if (!total.ports.some(([b, e]) => begin >= b && end <= e)) return `ports ${begin}-${end} outside the agent's ranges`;
  }
  return null;
}
