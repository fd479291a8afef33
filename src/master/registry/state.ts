/**
 * The replicated registry (state part `reg`): agents, frameworks and tasks with their lifecycle
 * machines' stored snapshots, moved only by `reg.*` commands through pure xstate steps. Apply
 * never throws and never half-applies: each command is validated (commands.ts) and checked
 * against the state before anything changes. Effects of the machines (launch, kill, updates to
 * frameworks, rescinds, deadlines) go to `effectsListener`; the leader performs them, followers
 * drop them. The two follow-up effects (`updateAgentTasks`, `removeFrameworkTasks`) are consumed
 * here in the same apply.
 */
import { agentMachine, DEFAULT_AGENT_TIMEOUTS, type AgentContext, type AgentEvent, type AgentTimeouts } from '../../actors/agent.machine.js';
import type { AgentTasksCause, Effect, StatusSource } from '../../actors/effects.js';
import { frameworkMachine, type FrameworkContext, type FrameworkEvent } from '../../actors/framework.machine.js';
import { initial, step } from '../../actors/step.js';
import { isTerminalTaskState, type TaskStateName } from '../../actors/task-state.js';
import { taskMachine, type TaskContext } from '../../actors/task.machine.js';
import type { StoredSnapshot } from '../../actors/types.js';
import type { ApplyResult, PartCommand, StatePart } from '../state/part.js';
import { validateRegistryCommand, type LaunchRecord, type RegistryCommand, type StatusRecord } from './commands.js';
import { RegistryTables, taskKey } from './indexes.js';
import { reconcileReportedTasks, reconcileUnchangedTasks, type ReconcileHost } from './reconcile.js';
import {
  addPools,
  agentPools,
  changeReservations,
  fittingReservations,
  frameworkRole,
  poolsFitAlongside,
  poolsOf,
  type Pools,
} from './reservations.js';
import type { ResourceAmounts, ResourceCounts } from './resources.js';
import { usedOnAgent, usedPoolsOnAgent } from './usage.js';
import type { AgentEntry, FrameworkEntry, FrameworkInfoJson, RegistryView, TaskEntry, TaskStatusEntry, WireResource } from './types.js';

export interface RegistryOptions {
  maxCompletedTasksPerFramework?: number;
  /** Status entries kept per task (oldest dropped). */
  maxStatusesPerTask?: number;
  /** Processed uuids remembered per task. */
  maxSeenUuidsPerTask?: number;
  agentTimeouts?: AgentTimeouts;
}

/** What a command changed, for the proposer (the value of a successful ApplyResult). */
export type RegistryResult =
  | { kind: 'agent'; agentId: string }
  /** A re-registration by `digest` that no longer matched when applied: nothing changed. */
  | { kind: 'tasksChanged'; agentId: string }
  | { kind: 'framework'; frameworkId: string }
  | { kind: 'status'; outcome: 'accepted' | 'duplicate' | 'ignored' }
  | { kind: 'done' }
  /** `reg.batch`: one result per command, in order (a refused command changed nothing). */
  | { kind: 'batch'; results: ApplyResult[] };

interface RegistrySnapshot {
  v: 1;
  agents: AgentEntry[];
  frameworks: FrameworkEntry[];
  tasks: TaskEntry[];
  seen: Array<[string, string[]]>;
  frameworkCounter: number;
}

/** A machine effect; kill effects also name the task's framework (task ids are per framework). */
export type RegistryEffect = Effect & { frameworkId?: string };

type EffectsListener = (effects: readonly RegistryEffect[], command: RegistryCommand) => void;

const FAILOVER_TIMEOUT_CAP_MS = 365 * 24 * 3_600_000;

/** The result of a command that changed one agent. */
function agentApplied(agentId: string): ApplyResult {
  return { ok: true, value: { kind: 'agent', agentId } satisfies RegistryResult };
}

/** After a leader change every framework has at least this long to re-subscribe. */
export const LEADER_CHANGE_GRACE_MS = 120_000;

export class RegistryState implements StatePart, RegistryView {
  readonly prefix = 'reg';
  /** The leader's hook: effects of each applied command, in order. */
  effectsListener: EffectsListener | null = null;
  onApplied: ((command: PartCommand, result: ApplyResult, index: number) => void) | null = null;
  private readonly tables: RegistryTables;
  private readonly maxStatuses: number;
  private readonly maxSeen: number;
  private readonly agentTimeouts: AgentTimeouts;
  private frameworkCounter = 0;
  /** Effects of the command being applied. */
  private pending: RegistryEffect[] = [];
  /** This reducer as re-registration reconciliation sees it. */
  private readonly reconcileHost: ReconcileHost;

  constructor(options: RegistryOptions = {}) {
    this.tables = new RegistryTables(options.maxCompletedTasksPerFramework ?? 1000);
    this.maxStatuses = options.maxStatusesPerTask ?? 16;
    this.maxSeen = options.maxSeenUuidsPerTask ?? 64;
    this.agentTimeouts = options.agentTimeouts ?? DEFAULT_AGENT_TIMEOUTS;
    this.reconcileHost = {
      tables: this.tables,
      moveTask: (entry, state, reason, source, uuid, nowMs, message) => this.moveTask(entry, state, reason, source, uuid, nowMs, message),
      forFramework: (key, plain, partitionAware) => this.forFramework(key, plain, partitionAware),
      emit: (effect) => this.pending.push(effect),
    };
  }

  // ---- RegistryView ----

  agent(id: string): AgentEntry | undefined {
    return this.tables.agents.get(id);
  }
  agents(): Iterable<AgentEntry> {
    return this.tables.agents.values();
  }
  framework(id: string): FrameworkEntry | undefined {
    return this.tables.frameworks.get(id);
  }
  frameworks(): Iterable<FrameworkEntry> {
    return this.tables.frameworks.values();
  }
  task(frameworkId: string, taskId: string): TaskEntry | undefined {
    return this.tables.tasks.get(taskKey(frameworkId, taskId));
  }
  /**
   * Where the registry stands on a task an agent reports: not held on that agent, held, or held
   * with the agent's update `pending` already recorded (proposing it again would change nothing;
   * the reducer answers `duplicate`). One key for both tables (its hash is computed once): a new
   * leader checks every task of a returning fleet this way.
   */
  reportedTask(agentId: string, frameworkId: string, taskId: string, pending: string | undefined): 'absent' | 'held' | 'recorded' {
    const key = taskKey(frameworkId, taskId);
    if (this.tables.tasks.get(key)?.agentId !== agentId) return 'absent';
    return pending !== undefined && this.isSeenUuid(key, pending) ? 'recorded' : 'held';
  }
  private isSeenUuid(key: string, uuid: string): boolean {
    return this.tables.seenUuids.get(key)?.includes(uuid) ?? false;
  }
  /** Scalar amounts and port count of the framework's live tasks, kept current task by task (read-only). */
  liveCountsOfFramework(frameworkId: string): Readonly<ResourceCounts> {
    return this.tables.liveCountsOfFramework(frameworkId);
  }
  /** Every task the registry holds (live and cached terminal ones), in no particular order. */
  allTasksUnordered(): Iterable<TaskEntry> {
    return this.tables.tasks.values();
  }
  tasksOf(frameworkId: string): { live: TaskEntry[]; completed: TaskEntry[] } {
    const get = (key: string): TaskEntry => this.tables.tasks.get(key)!;
    return { live: this.tables.liveTaskKeysOf(frameworkId).map(get), completed: this.tables.completedTaskKeysOf(frameworkId).map(get) };
  }
  /** The agent's live tasks as a re-registering agent's `digest` (task-digest.ts) would give them,
   * and the frameworks they belong to. */
  taskDigest(agentId: string): { digest: string; frameworkIds: string[] } {
    return this.tables.liveDigestOnAgent(agentId);
  }
  tasksOnAgent(agentId: string): TaskEntry[] {
    return this.tables.liveTaskKeysOnAgent(agentId).map((key) => this.tables.tasks.get(key)!);
  }

  /** Resources held by the agent's non-terminal tasks (shared: do not mutate). */
  usedOnAgent(agentId: string): ResourceAmounts {
    return usedOnAgent(this.tables, agentId);
  }

  /** Resources held by the agent's non-terminal tasks, by the pool they draw on (shared: do not mutate). */
  usedPoolsOnAgent(agentId: string): Pools {
    return usedPoolsOnAgent(this.tables, agentId);
  }

  /** Number of frameworks ever created here (ids are numbered from it). */
  get frameworkCount(): number {
    return this.frameworkCounter;
  }

  // ---- StatePart ----

  apply(command: PartCommand, _index = 0): ApplyResult {
    const invalid = validateRegistryCommand(command);
    if (invalid) return { ok: false, error: `${invalid.field}: ${invalid.message}` };
    const typed = command as unknown as RegistryCommand;
    if (typed.t === 'reg.batch') return this.applyBatch(typed.commands);
    this.pending = [];
    const result = this.dispatch(typed);
    const effects = this.pending;
    this.pending = [];
    if (result.ok && effects.length > 0) this.effectsListener?.(effects, typed);
    return result;
  }

  /** Each command as if it had its own entry: own result, own effects (listener called per command). */
  private applyBatch(commands: readonly RegistryCommand[]): ApplyResult {
    const results: ApplyResult[] = [];
    for (const inner of commands) {
      this.pending = [];
      const result = this.dispatch(inner);
      const effects = this.pending;
      this.pending = [];
      if (result.ok && effects.length > 0) this.effectsListener?.(effects, inner);
      results.push(result);
    }
    return { ok: true, value: { kind: 'batch', results } satisfies RegistryResult };
  }

  toSnapshot(): RegistrySnapshot {
    return {
      v: 1,
      agents: [...this.tables.agents.values()],
      frameworks: [...this.tables.frameworks.values()],
      tasks: this.tables.tasksInOrder(),
      seen: [...this.tables.seenUuids],
      frameworkCounter: this.frameworkCounter,
    };
  }

  restore(data: unknown): void {
    this.tables.clear();
    this.frameworkCounter = 0;
    if (data === undefined || data === null) return;
    const snapshot = data as RegistrySnapshot;
    for (const agent of snapshot.agents) this.tables.agents.set(agent.id, agent);
    for (const framework of snapshot.frameworks) this.tables.frameworks.set(framework.id, framework);
    for (const task of snapshot.tasks) this.tables.insertTask(task);
    for (const [key, uuids] of snapshot.seen) if (this.tables.tasks.has(key)) this.tables.seenUuids.set(key, uuids);
    this.frameworkCounter = snapshot.frameworkCounter;
  }

  // ---- commands ----

  private dispatch(command: RegistryCommand): ApplyResult {
    switch (command.t) {
      case 'reg.agent.register':
        return this.registerAgent(command);
      case 'reg.agent.reregister':
        return this.reregisterAgent(command);
      case 'reg.agent.unreachable':
        return this.markUnreachable(command.agentId, command.nowMs);
      case 'reg.agent.markGone':
        return this.markGone(command.agentId, command.nowMs);
      case 'reg.framework.subscribe':
        return this.subscribeFramework(command);
      case 'reg.framework.disconnect':
        return this.stepFramework(command.frameworkId, { type: 'framework.disconnected', nowMs: command.nowMs }, (entry) => {
          entry.unregisteredAtMs = command.nowMs;
        });
      case 'reg.framework.teardown':
        return this.stepFramework(command.frameworkId, { type: 'framework.teardown', nowMs: command.nowMs, reason: command.reason }, (entry) => {
          entry.unregisteredAtMs = command.nowMs;
        });
      case 'reg.task.launch':
        return this.launchTasks(command.tasks, command.nowMs);
      case 'reg.task.status':
        return this.taskStatus(command.agentId, command.update, command.source, command.nowMs);
      case 'reg.task.kill':
        return this.killTask(command.frameworkId, command.taskId, command.nowMs);
      case 'reg.reserve':
        return this.changeReservations(command.agentId, 'reserve', command.resources);
      case 'reg.unreserve':
        return this.changeReservations(command.agentId, 'unreserve', command.resources);
      case 'reg.leader.changed':
        return this.leaderChanged(command.nowMs, command.agentIds, command.frameworks ?? command.agentIds === undefined);
      case 'reg.deadline':
        return command.kind === 'agent'
          ? this.stepAgent(command.id, { type: command.event, nowMs: command.nowMs } as AgentEvent)
          : this.stepFramework(command.id, { type: command.event, nowMs: command.nowMs } as FrameworkEvent);
      case 'reg.batch':
        return { ok: false, error: 'a batch cannot hold a batch' };
    }
  }

  private registerAgent(command: Extract<RegistryCommand, { t: 'reg.agent.register' }>): ApplyResult {
    if (this.tables.agents.has(command.agentId)) return { ok: false, error: `agent ${command.agentId} is already registered` };
    const first = initial(agentMachine, { agentId: command.agentId, nowMs: command.nowMs, timeouts: this.agentTimeouts });
    const active = step(agentMachine, first.snapshot, { type: 'agent.registered', nowMs: command.nowMs });
    this.tables.agents.set(command.agentId, {
      id: command.agentId,
      hostname: command.hostname,
      httpAddress: command.httpAddress,
      resources: command.resources,
      attributes: command.attributes,
      registeredAtMs: command.nowMs,
      machine: active.snapshot,
    });
    this.collect([...first.effects, ...active.effects]);
    return agentApplied(command.agentId);
  }

  private reregisterAgent(command: Extract<RegistryCommand, { t: 'reg.agent.reregister' }>): ApplyResult {
    const known = this.tables.agents.get(command.agentId);
    if (known && (known.machine.value === 'gone' || known.machine.value === 'removed')) {
      return { ok: false, error: `agent ${command.agentId} was removed and cannot come back` };
    }
    // By digest: its tasks changed between the proposal and now, or it is new here (and, `asHeld`,
    // has no description here to stand for). Nothing is applied; the leader asks the agent for its
    // tasks by id and state, and that hello describes it.
    const tasksChanged = { ok: true, value: { kind: 'tasksChanged', agentId: command.agentId } satisfies RegistryResult } as const;
    if (command.digest !== undefined && this.tables.liveDigestOnAgent(command.agentId).digest !== command.digest) return tasksChanged;
    if (!known) {
      if (command.asHeld === true) return tasksChanged;
      // An agent the registry has not seen (e.g. it registered with a wiped cluster): admit it.
      const registered = this.registerAgent({ ...command, t: 'reg.agent.register' });
      if (!registered.ok) return registered;
      this.tables.agents.get(command.agentId)!.reregisteredAtMs = command.nowMs;
    } else {
      const moved = step(agentMachine, known.machine as StoredSnapshot<AgentContext>, { type: 'agent.reregistered', nowMs: command.nowMs });
      if (command.asHeld !== true) {
        Object.assign(known, { hostname: command.hostname, httpAddress: command.httpAddress, resources: command.resources, attributes: command.attributes });
      }
      known.reregisteredAtMs = command.nowMs;
      known.machine = moved.snapshot;
      // Dynamic reservations survive re-registration (the registry is their source of truth),
      // unless the agent came back too small to hold them.
      if (command.asHeld !== true && known.dynamicReservations) {
        const kept = fittingReservations(command.resources, known.dynamicReservations);
        if (kept.length > 0) known.dynamicReservations = kept;
        else delete known.dynamicReservations;
      }
      this.collect(moved.effects);
    }
    if (command.digest !== undefined) reconcileUnchangedTasks(this.reconcileHost, command.agentId);
    else reconcileReportedTasks(this.reconcileHost, command.agentId, command.tasks, command.nowMs, command.known);
    return agentApplied(command.agentId);
  }

  private markUnreachable(agentId: string, nowMs: number): ApplyResult {
    const entry = this.tables.agents.get(agentId);
    if (!entry) return { ok: false, error: `unknown agent ${agentId}` };
    if (entry.machine.value !== 'active') return { ok: false, error: `agent ${agentId} is ${entry.machine.value}, not active` };
    let snapshot = entry.machine as StoredSnapshot<AgentContext>;
    const effects: Effect[] = [];
    // The leader counts missed heartbeats in memory; the machine sees them all at once.
    for (let i = 0; i <= snapshot.context.timeouts.maxMissedHeartbeats && snapshot.value === 'active'; i++) {
      const moved = step(agentMachine, snapshot, { type: 'agent.heartbeatMissed', nowMs });
      snapshot = moved.snapshot;
      effects.push(...moved.effects);
    }
    if (snapshot.value !== 'unreachable') return { ok: false, error: `agent ${agentId} did not become unreachable` };
    entry.machine = snapshot;
    this.collect(effects);
    return agentApplied(agentId);
  }

  /** Idempotent, as Mesos's: marking a gone agent gone again changes nothing. A removed agent
   * (its registry entry expired) is not there to mark. */
  private markGone(agentId: string, nowMs: number): ApplyResult {
    const entry = this.tables.agents.get(agentId);
    if (!entry || entry.machine.value === 'removed') return { ok: false, error: `unknown agent ${agentId}` };
    if (entry.machine.value === 'gone') return agentApplied(agentId);
    return this.stepAgent(agentId, { type: 'agent.markedGone', nowMs });
  }

  private stepAgent(agentId: string, event: AgentEvent): ApplyResult {
    const entry = this.tables.agents.get(agentId);
    if (!entry) return { ok: false, error: `unknown agent ${agentId}` };
    const moved = step(agentMachine, entry.machine as StoredSnapshot<AgentContext>, event);
    if (!moved.handled) return { ok: false, error: `agent ${agentId} (${entry.machine.value}) ignores ${event.type}` };
    entry.machine = moved.snapshot;
    this.collect(moved.effects);
    return agentApplied(agentId);
  }

  private subscribeFramework(command: Extract<RegistryCommand, { t: 'reg.framework.subscribe' }>): ApplyResult {
    // Built-in frameworks (Chronos) re-subscribe in-process on every leader and never time out.
    const failoverTimeoutMs = command.internal
      ? FAILOVER_TIMEOUT_CAP_MS
      : Math.min(FAILOVER_TIMEOUT_CAP_MS, Math.round((command.info.failover_timeout ?? 0) * 1000));
    const known = command.frameworkId === null ? undefined : this.tables.frameworks.get(command.frameworkId);
    if (known) {
      if (known.machine.value === 'tornDown') return { ok: false, error: 'Framework has been removed' };
      const moved = step(frameworkMachine, known.machine as StoredSnapshot<FrameworkContext>, {
        type: 'framework.subscribed', nowMs: command.nowMs, failoverTimeoutMs,
      });
      if (!moved.handled) return { ok: false, error: `framework ${known.id} cannot subscribe now` };
      // `user` and `checkpoint` cannot change on re-subscription (mesos-api.md §2.4).
      known.info = { ...command.info, id: { value: known.id }, user: known.info.user, checkpoint: known.info.checkpoint ?? false };
      known.machine = moved.snapshot;
      known.reregisteredAtMs = command.nowMs;
      delete known.unregisteredAtMs;
      this.collect(moved.effects);
      return { ok: true, value: { kind: 'framework', frameworkId: known.id } satisfies RegistryResult };
    }
    let id = command.frameworkId;
    if (id === null) {
      this.frameworkCounter += 1;
      id = `${command.idPrefix}-${String(this.frameworkCounter).padStart(4, '0')}`;
    }
    const first = initial(frameworkMachine, { frameworkId: id, nowMs: command.nowMs, failoverTimeoutMs });
    const entry: FrameworkEntry = {
      id,
      info: { ...command.info, id: { value: id } },
      registeredAtMs: command.nowMs,
      machine: first.snapshot,
      ...(command.internal ? { internal: true } : {}),
    };
    this.tables.frameworks.set(id, entry);
    this.collect(first.effects);
    return { ok: true, value: { kind: 'framework', frameworkId: id } satisfies RegistryResult };
  }

  private stepFramework(frameworkId: string, event: FrameworkEvent, onChange?: (entry: FrameworkEntry) => void): ApplyResult {
    const entry = this.tables.frameworks.get(frameworkId);
    if (!entry) return { ok: false, error: `unknown framework ${frameworkId}` };
    const moved = step(frameworkMachine, entry.machine as StoredSnapshot<FrameworkContext>, event);
    if (!moved.handled) return { ok: false, error: `framework ${frameworkId} (${entry.machine.value}) ignores ${event.type}` };
    entry.machine = moved.snapshot;
    onChange?.(entry);
    this.collect(moved.effects);
    return { ok: true, value: { kind: 'framework', frameworkId } satisfies RegistryResult };
  }

  // ---- reservations ----

  /** `reg.reserve` / `reg.unreserve`: the agent's dynamic reservations change whole or not at all. */
  private changeReservations(agentId: string, change: 'reserve' | 'unreserve', resources: readonly WireResource[]): ApplyResult {
    const agent = this.reservableAgent(agentId);
    if (typeof agent === 'string') return { ok: false, error: agent };
    const problem = changeReservations(agent, change, this.usedPoolsOnAgent(agentId), resources);
    if (problem) return { ok: false, error: problem };
    return agentApplied(agentId);
  }

  /** The agent whose reservations may change, or why not: it must be known and not removed. */
  private reservableAgent(agentId: string): AgentEntry | string {
    const agent = this.tables.agents.get(agentId);
    if (!agent) return `agentId: unknown agent ${agentId}`;
    if (agent.machine.value === 'gone' || agent.machine.value === 'removed') return `agentId: agent ${agentId} is ${agent.machine.value}`;
    return agent;
  }

  private leaderChanged(nowMs: number, agentIds: readonly string[] | undefined, frameworks: boolean): ApplyResult {
    for (const entry of frameworks ? this.tables.frameworks.values() : []) {
      if (entry.machine.value !== 'subscribed') continue;
      this.stepFramework(entry.id, { type: 'framework.leaderChanged', nowMs });
      // A leader change is not the scheduler's failure: give it time to find the new leader even
      // with the default failover_timeout of 0, instead of tearing its tasks down at once.
      const context = entry.machine.context as FrameworkContext;
      const graceUntil = nowMs + LEADER_CHANGE_GRACE_MS;
      if (context.deadline && context.deadline.atMs < graceUntil) {
        entry.machine = { value: entry.machine.value, context: { ...context, deadline: { ...context.deadline, atMs: graceUntil } } };
      }
    }
    const agents = agentIds === undefined ? this.tables.agents.values() : agentIds.flatMap((id) => this.tables.agents.get(id) ?? []);
    for (const entry of agents) {
      if (entry.machine.value !== 'active') continue;
      this.stepAgent(entry.id, { type: 'agent.leaderChanged', nowMs });
    }
    return { ok: true, value: { kind: 'done' } satisfies RegistryResult };
  }

  // ---- tasks ----

  /** Why a launch cannot happen, or null; checks the whole batch before anything changes. */
  private launchProblem(tasks: readonly LaunchRecord[]): string | null {
    const seen = new Set<string>();
    const taken = new Map<string, Pools>();
    for (const task of tasks) {
      const key = taskKey(task.frameworkId, task.taskId);
      if (seen.has(key)) return `task ${task.taskId} appears twice`;
      seen.add(key);
      const existing = this.tables.tasks.get(key);
      if (existing && !isTerminalTaskState(existing.state)) return `task ${task.taskId} already exists`;
      const framework = this.tables.frameworks.get(task.frameworkId);
      if (!framework || framework.machine.value === 'tornDown') return `framework ${task.frameworkId} is not registered`;
      const agent = this.tables.agents.get(task.agentId);
      if (!agent || agent.machine.value !== 'active') return `agent ${task.agentId} is not active`;
      // Each task must fit next to the agent's live tasks and the batch's earlier tasks, pool by
      // pool (unreserved, and each role's reservation); a port is used by one task at a time.
      const needs = poolsOf(task.resources);
      const role = frameworkRole(framework.info);
      for (const reservedRole of needs.reserved.keys()) {
        if (reservedRole !== role) return `task ${task.taskId} uses resources reserved for role ${reservedRole}, not its framework's role ${role}`;
      }
      const already = taken.get(task.agentId) ?? this.usedPoolsOnAgent(task.agentId);
      if (!poolsFitAlongside(already, needs, agentPools(agent))) return `tasks do not fit on agent ${task.agentId}`;
      taken.set(task.agentId, addPools(already, needs));
    }
    return null;
  }

  private launchTasks(tasks: readonly LaunchRecord[], nowMs: number): ApplyResult {
    const problem = this.launchProblem(tasks);
    if (problem) return { ok: false, error: problem };
    for (const task of tasks) {
      const key = taskKey(task.frameworkId, task.taskId);
      // A terminal task of the same id is forgotten when the id is reused.
      if (this.tables.tasks.has(key)) this.tables.forgetCompleted(task.frameworkId, key);
      const first = initial(taskMachine, { taskId: task.taskId, frameworkId: task.frameworkId, agentId: task.agentId, nowMs });
      this.tables.insertTask({
        taskId: task.taskId,
        frameworkId: task.frameworkId,
        agentId: task.agentId,
        name: task.name,
        resources: task.resources,
        spec: task.spec,
        ...(task.info ? { info: task.info } : {}),
        state: 'TASK_STAGING',
        statuses: [],
        machine: first.snapshot,
      });
      this.collect(first.effects);
    }
    return { ok: true, value: { kind: 'done' } satisfies RegistryResult };
  }

  private taskStatus(agentId: string, update: StatusRecord, source: 'agent' | 'master', nowMs: number): ApplyResult {
    const key = taskKey(update.frameworkId, update.taskId);
    const entry = this.tables.tasks.get(key);
    if (!entry) return { ok: false, error: `unknown task ${update.taskId} of framework ${update.frameworkId}` };
    if (entry.agentId !== agentId) return { ok: false, error: `task ${update.taskId} is not on agent ${agentId}` };
    if (update.uuid !== null && this.isSeenUuid(key, update.uuid)) return { ok: true, value: { kind: 'status', outcome: 'duplicate' } satisfies RegistryResult };
    const moved = this.moveTask(entry, update.state, update.reason ?? null, source, update.uuid, nowMs, update.message, update);
    // Only an accepted update is remembered: a re-sent ignored one (say TASK_KILLED after the
    // registry recorded TASK_LOST) must be ignored again, not forwarded as a "duplicate".
    if (moved && update.uuid !== null) {
      const seen = this.tables.seenUuids.get(key) ?? [];
      seen.push(update.uuid);
      if (seen.length > this.maxSeen) seen.shift();
      this.tables.seenUuids.set(key, seen);
    }
    return { ok: true, value: { kind: 'status', outcome: moved ? 'accepted' : 'ignored' } satisfies RegistryResult };
  }

  private killTask(frameworkId: string, taskId: string, nowMs: number): ApplyResult {
    const entry = this.tables.tasks.get(taskKey(frameworkId, taskId));
    if (!entry || isTerminalTaskState(entry.state)) return { ok: false, error: `no live task ${taskId} of framework ${frameworkId}` };
    const moved = step(taskMachine, entry.machine as StoredSnapshot<TaskContext>, { type: 'task.killRequested', nowMs, reason: 'framework' });
    if (!moved.handled) return { ok: false, error: `task ${taskId} cannot be killed now` };
    this.tables.setTaskMachine(entry, moved.snapshot);
    this.collect(moved.effects, frameworkId);
    return { ok: true, value: { kind: 'done' } satisfies RegistryResult };
  }

  /** Steps one task to `state`; false when the machine refuses (stale or illegal). */
  private moveTask(
    entry: TaskEntry,
    state: TaskStateName,
    reason: string | null,
    source: StatusSource,
    uuid: string | null,
    nowMs: number,
    message?: string,
    extra?: Pick<StatusRecord, 'healthy' | 'exitStatus' | 'timestampMs'>,
  ): boolean {
    const moved = step(taskMachine, entry.machine as StoredSnapshot<TaskContext>, {
      type: 'task.statusUpdate', nowMs, state, reason, source, uuid,
    });
    if (!moved.handled) return false;
    const status: TaskStatusEntry = {
      state,
      timestamp: (extra?.timestampMs ?? nowMs) / 1000,
      source: source === 'agent' ? 'SOURCE_AGENT' : source === 'executor' ? 'SOURCE_EXECUTOR' : 'SOURCE_MASTER',
      ...(uuid !== null ? { uuid } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(reason !== null ? { reason } : {}),
      ...(extra?.healthy !== undefined ? { healthy: extra.healthy } : {}),
      ...(extra?.exitStatus !== undefined ? { exitStatus: extra.exitStatus } : {}),
    };
    this.tables.setTaskMachine(entry, moved.snapshot);
    entry.statuses = [...entry.statuses, status].slice(-this.maxStatuses);
    this.tables.setTaskState(entry, state);
    this.collect(moved.effects, entry.frameworkId);
    return true;
  }

  /** The state a master-decided change takes for the task's framework (mesos-api.md C8). */
  private forFramework(key: string, plain: TaskStateName, partitionAware: TaskStateName): TaskStateName {
    const task = this.tables.tasks.get(key)!;
    return isPartitionAware(this.tables.frameworks.get(task.frameworkId)?.info) ? partitionAware : plain;
  }

  // ---- effects ----

  /** Queues effects for the leader, consuming the reducer's own follow-ups at once. */
  private collect(effects: readonly Effect[], frameworkId?: string): void {
    for (const effect of effects) {
      if (effect.type === 'updateAgentTasks') this.updateAgentTasks(effect.agentId, effect.cause, effect.key);
      else if (effect.type === 'removeFrameworkTasks') this.removeFrameworkTasks(effect.frameworkId);
      else if (effect.type === 'killTask' && frameworkId !== undefined) this.pending.push({ ...effect, frameworkId });
      else this.pending.push(effect);
    }
  }

  private updateAgentTasks(agentId: string, cause: AgentTasksCause, _key: string): void {
    const nowMs = (this.tables.agents.get(agentId)?.machine.context as AgentContext | undefined)?.lastChangeMs ?? 0;
    for (const key of this.tables.liveTaskKeysOnAgent(agentId)) {
      const task = this.tables.tasks.get(key)!;
      switch (cause) {
        case 'disconnected':
          if (this.tables.frameworks.get(task.frameworkId)?.info.checkpoint !== true) {
            this.moveTask(task, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', 'master', null, nowMs, 'agent disconnected');
          }
          break;
        case 'unreachable':
          this.moveTask(task, this.forFramework(key, 'TASK_LOST', 'TASK_UNREACHABLE'), 'REASON_AGENT_UNREACHABLE', 'master', null, nowMs, 'agent unreachable');
          break;
        case 'goneByOperator':
          this.moveTask(task, this.forFramework(key, 'TASK_LOST', 'TASK_GONE_BY_OPERATOR'), 'REASON_AGENT_REMOVED_BY_OPERATOR', 'master', null, nowMs, 'agent marked gone');
          break;
        case 'removed':
          this.moveTask(task, this.forFramework(key, 'TASK_LOST', 'TASK_GONE'), 'REASON_AGENT_REMOVED', 'master', null, nowMs, 'agent removed');
          break;
        case 'reregistered':
          break;
      }
    }
  }

  /** A removed framework's tasks are killed on their agents and end as TASK_KILLED at once. */
  private removeFrameworkTasks(frameworkId: string): void {
    const nowMs = (this.tables.frameworks.get(frameworkId)?.machine.context as FrameworkContext | undefined)?.lastChangeMs ?? 0;
    for (const key of this.tables.liveTaskKeysOf(frameworkId)) {
      const task = this.tables.tasks.get(key)!;
      const kill = step(taskMachine, task.machine as StoredSnapshot<TaskContext>, { type: 'task.killRequested', nowMs, reason: 'frameworkRemoved' });
      if (kill.handled) {
        this.tables.setTaskMachine(task, kill.snapshot);
        this.collect(kill.effects, frameworkId);
      }
      this.moveTask(task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', 'master', null, nowMs, 'framework removed');
    }
  }
}

/** True when the framework declared the PARTITION_AWARE capability. */
export function isPartitionAware(info: FrameworkInfoJson | undefined): boolean {
  return info?.capabilities?.some((capability) => capability.type === 'PARTITION_AWARE') ?? false;
}
