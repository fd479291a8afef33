/**
 * The registry's tables and the indexes over them (live tasks by agent and by framework, the
 * bounded completed cache), kept consistent by the few methods that change them. Pure data.
 */
import { isTerminalTaskState, type TaskStateName } from '../../actors/task-state.js';
import type { StoredSnapshot } from '../../actors/types.js';
import type { TaskContext } from '../../actors/task.machine.js';
import { TaskDigest } from '../../protocol/task-digest.js';
import type { AgentEntry, FrameworkEntry, TaskEntry } from './types.js';
import { addToCounts, amountsOf, type ResourceCounts } from './resources.js';

/** Task ids are unique within a framework and may not contain a newline. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\n${taskId}`;
}

const EMPTY_DIGEST = new TaskDigest().value();

export class RegistryTables {
  readonly agents = new Map<string, AgentEntry>();
  readonly frameworks = new Map<string, FrameworkEntry>();
  readonly tasks = new Map<string, TaskEntry>();
  /** Processed status-update uuids per task (bounded): a repeat is a no-op. */
  readonly seenUuids = new Map<string, string[]>();
  private readonly liveByAgent = new Map<string, Set<string>>();
  private readonly liveByFramework = new Map<string, Set<string>>();
  /** Terminal tasks per framework, oldest first. */
  private readonly completedByFramework = new Map<string, string[]>();
  /**
   * Sums over an agent's live tasks, memoised until its live set changes: the
   * allocation loop and every launch ask for them, and recomputing walks every task each time.
   * A cached value is exactly what a fresh walk would give (same set, same order), so replicas
   * that reuse it and replicas that recompute it decide alike.
   */
  private readonly sumsByAgent = new Map<string, Map<string, unknown>>();
  private readonly liveCountsByFramework = new Map<string, ResourceCounts>();
  /**
   * Per agent, the digest of its live tasks (task-digest.ts) and how many of them each framework
   * has, kept current task by task: a takeover checks thousands of agents' digests at once, and
   * walking their tasks for it took a fifth of a new leader's time on hellos (profiled).
   */
  private readonly digestsByAgent = new Map<string, { digest: TaskDigest; frameworks: Map<string, number>; value: string | null }>();
  /** Per agent, its live tasks whose kill was requested (a re-registration sends those again):
   * scanning every task of 5,000 returning agents to find the few took ≈ 0.1 s of a new leader. */
  private readonly killRequestedByAgent = new Map<string, Set<string>>();

  constructor(private readonly maxCompletedPerFramework: number) {}

  /** Sorted, so every replica walks them in the same order whatever its history (restore or replay). */
  liveTaskKeysOnAgent(agentId: string): string[] {
    return [...(this.liveByAgent.get(agentId) ?? [])].sort();
  }

  /** Sorted, like liveTaskKeysOnAgent. */
  liveTaskKeysOf(frameworkId: string): string[] {
    return [...(this.liveByFramework.get(frameworkId) ?? [])].sort();
  }

  /** Live tasks on an agent in no particular order (sums only). */
  liveTasksOnAgentUnordered(agentId: string): Iterable<string> {
    return this.liveByAgent.get(agentId) ?? [];
  }

  /** `compute()` over the agent's live tasks, memoised under `name` until that set changes. */
  sumOnAgent<T>(agentId: string, name: string, compute: () => T): T {
    return memo(this.sumsByAgent, agentId, name, compute);
  }

  completedTaskKeysOf(frameworkId: string): string[] {
    return this.completedByFramework.get(frameworkId) ?? [];
  }

  /**
   * Scalar amounts and port counts held by a framework's live tasks, kept up to date task by
   * task (the allocation loop reads every framework's each cycle; re-summing 1,000 tasks of each
   * of 100 frameworks whenever one changed cost half a second). Read-only.
   */
  liveCountsOfFramework(frameworkId: string): Readonly<ResourceCounts> {
    return this.liveCountsByFramework.get(frameworkId) ?? ZERO_COUNTS;
  }

  /** The digest of the agent's live tasks, and the frameworks they belong to (any order). */
  liveDigestOnAgent(agentId: string): { digest: string; frameworkIds: string[] } {
    const sums = this.digestsByAgent.get(agentId);
    if (!sums) return { digest: EMPTY_DIGEST, frameworkIds: [] };
    sums.value ??= sums.digest.value();
    return { digest: sums.value, frameworkIds: [...sums.frameworks.keys()] };
  }

  /** The agent's live tasks whose kill was requested, sorted (every replica sends them alike). */
  killRequestedOnAgent(agentId: string): string[] {
    return [...(this.killRequestedByAgent.get(agentId) ?? [])].sort();
  }

  /** Sets a task's machine snapshot and keeps the kill-request index current. */
  setTaskMachine(task: TaskEntry, machine: StoredSnapshot): void {
    task.machine = machine;
    const key = taskKey(task.frameworkId, task.taskId);
    if (killRequested(task) && this.liveByFramework.get(task.frameworkId)?.has(key)) setOf(this.killRequestedByAgent, task.agentId).add(key);
  }

  /** Adds a new task (live or terminal) to the tables and indexes. */
  insertTask(task: TaskEntry): void {
    const key = taskKey(task.frameworkId, task.taskId);
    this.tasks.set(key, task);
    if (isTerminalTaskState(task.state)) this.complete(key, task);
    else {
      setOf(this.liveByAgent, task.agentId).add(key);
      setOf(this.liveByFramework, task.frameworkId).add(key);
      this.countLive(task, 1);
      this.digestLive(task, task.state, 1);
      if (killRequested(task)) setOf(this.killRequestedByAgent, task.agentId).add(key);
      this.sumsByAgent.delete(task.agentId);
    }
  }

  /**
   * Sets a task's state and keeps the indexes current: a live task keeps its digest entry up to
   * date, and one that just became terminal moves to the completed cache.
   */
  setTaskState(task: TaskEntry, state: TaskStateName): void {
    const previous = task.state;
    task.state = state;
    const key = taskKey(task.frameworkId, task.taskId);
    if (!this.liveByFramework.get(task.frameworkId)?.has(key)) return;
    this.digestLive(task, previous, -1);
    if (!isTerminalTaskState(state)) {
      this.digestLive(task, state, 1);
      return;
    }
    this.liveByAgent.get(task.agentId)?.delete(key);
    this.liveByFramework.get(task.frameworkId)?.delete(key);
    this.countLive(task, -1);
    deleteFrom(this.killRequestedByAgent, task.agentId, key);
    this.sumsByAgent.delete(task.agentId);
    this.complete(key, task);
  }

  private digestLive(task: TaskEntry, state: TaskStateName, sign: 1 | -1): void {
    let sums = this.digestsByAgent.get(task.agentId);
    if (!sums) this.digestsByAgent.set(task.agentId, (sums = { digest: new TaskDigest(), frameworks: new Map(), value: null }));
    sums.value = null;
    if (sign === 1) sums.digest.add(task.frameworkId, task.taskId, state);
    else sums.digest.remove(task.frameworkId, task.taskId, state);
    const count = (sums.frameworks.get(task.frameworkId) ?? 0) + sign;
    if (count > 0) sums.frameworks.set(task.frameworkId, count);
    else sums.frameworks.delete(task.frameworkId);
    if (sums.digest.size === 0) this.digestsByAgent.delete(task.agentId);
  }

  private countLive(task: TaskEntry, sign: 1 | -1): void {
    let counts = this.liveCountsByFramework.get(task.frameworkId);
    if (!counts) this.liveCountsByFramework.set(task.frameworkId, (counts = { ...ZERO_COUNTS }));
    addToCounts(counts, amountsOf(task.resources), sign);
    if (!this.liveByFramework.get(task.frameworkId)?.size) this.liveCountsByFramework.delete(task.frameworkId);
  }

  /** Forgets a terminal task (its id is being launched again). */
  forgetCompleted(frameworkId: string, key: string): void {
    const list = this.completedByFramework.get(frameworkId);
    const at = list?.indexOf(key) ?? -1;
    if (at >= 0) list!.splice(at, 1);
    this.tasks.delete(key);
    this.seenUuids.delete(key);
  }

  private complete(key: string, task: TaskEntry): void {
    const list = this.completedByFramework.get(task.frameworkId) ?? [];
    list.push(key);
    this.completedByFramework.set(task.frameworkId, list);
    while (list.length > this.maxCompletedPerFramework) {
      const dropped = list.shift()!;
      this.tasks.delete(dropped);
      this.seenUuids.delete(dropped);
    }
  }

  clear(): void {
    this.agents.clear();
    this.frameworks.clear();
    this.tasks.clear();
    this.seenUuids.clear();
    this.liveByAgent.clear();
    this.liveByFramework.clear();
    this.completedByFramework.clear();
    this.sumsByAgent.clear();
    this.liveCountsByFramework.clear();
    this.digestsByAgent.clear();
    this.killRequestedByAgent.clear();
  }

  /** Tasks in a canonical snapshot order: live ones by key, then each framework's completed
   * ones (frameworks by id) oldest first — the cache's order is state, so it is kept. */
  tasksInOrder(): TaskEntry[] {
    const live = [...this.liveByFramework.values()].flatMap((keys) => [...keys]).sort();
    const out = live.map((key) => this.tasks.get(key)!);
    const frameworks = [...this.completedByFramework.keys()].sort();
    for (const frameworkId of frameworks) for (const key of this.completedByFramework.get(frameworkId)!) out.push(this.tasks.get(key)!);
    return out;
  }
}

function memo<T>(sums: Map<string, Map<string, unknown>>, owner: string, name: string, compute: () => T): T {
  let byName = sums.get(owner);
  if (!byName) {
    byName = new Map();
    sums.set(owner, byName);
  }
  if (byName.has(name)) return byName.get(name) as T;
  const value = compute();
  byName.set(name, value);
  return value;
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

const ZERO_COUNTS: Readonly<ResourceCounts> = Object.freeze({ cpus: 0, mem: 0, disk: 0, gpus: 0, ports: 0 });

function killRequested(task: TaskEntry): boolean {
  return ((task.machine.context as TaskContext).killRequestCount ?? 0) > 0;
}

function deleteFrom(index: Map<string, Set<string>>, owner: string, key: string): void {
  const keys = index.get(owner);
  if (!keys?.delete(key)) return;
  if (keys.size === 0) index.delete(owner);
}
