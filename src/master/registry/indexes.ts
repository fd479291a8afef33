/**
 * The registry's tables and the indexes over them (live tasks by agent and by framework, the
 * bounded completed cache), kept consistent by the few methods that change them. Pure data.
 */
import { isTerminalTaskState } from '../../actors/task-state.js';
import type { AgentEntry, FrameworkEntry, TaskEntry } from './types.js';
import { addToCounts, amountsOf, type ResourceCounts } from './resources.js';

/** Task ids are unique within a framework and may not contain a newline. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\n${taskId}`;
}

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

  /** Adds a new task (live or terminal) to the tables and indexes. */
  insertTask(task: TaskEntry): void {
    const key = taskKey(task.frameworkId, task.taskId);
    this.tasks.set(key, task);
    if (isTerminalTaskState(task.state)) this.complete(key, task);
    else {
      setOf(this.liveByAgent, task.agentId).add(key);
      setOf(this.liveByFramework, task.frameworkId).add(key);
      this.countLive(task, 1);
      this.sumsByAgent.delete(task.agentId);
    }
  }

  private countLive(task: TaskEntry, sign: 1 | -1): void {
    let counts = this.liveCountsByFramework.get(task.frameworkId);
    if (!counts) this.liveCountsByFramework.set(task.frameworkId, (counts = { ...ZERO_COUNTS }));
    addToCounts(counts, amountsOf(task.resources), sign);
    if (!this.liveByFramework.get(task.frameworkId)?.size) this.liveCountsByFramework.delete(task.frameworkId);
  }

  /** Call after a task's state changed: a task that just became terminal moves to the cache. */
  taskChanged(task: TaskEntry): void {
    if (!isTerminalTaskState(task.state)) return;
    const key = taskKey(task.frameworkId, task.taskId);
    if (!this.liveByFramework.get(task.frameworkId)?.has(key)) return;
    this.liveByAgent.get(task.agentId)?.delete(key);
    this.liveByFramework.get(task.frameworkId)?.delete(key);
    this.countLive(task, -1);
    this.sumsByAgent.delete(task.agentId);
    this.complete(key, task);
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
