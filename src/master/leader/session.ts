/**
 * One leadership term of this replica: the leader's live services, started once the replica
 * leads and has applied everything before its term (read barrier), stopped when it loses
 * leadership. It performs the registry's effects (launch, kill, framework updates, rescinds,
 * deadline timers), runs the agent hub, the allocation loop and scheduler heartbeats, and
 * serves the SchedulerPort. A stopped session does nothing: every command it sends to an agent
 * carries its term, which agents refuse once they have seen a newer one.
 */
import { randomUUID } from 'node:crypto';
import type { Effect } from '../../actors/effects.js';
import { isTerminalTaskState } from '../../actors/task-state.js';
import type { Deadline, EntityRef } from '../../actors/types.js';
import type { StatusUpdate } from '../../agent/types.js';
import type { AllocatorPool } from '../../allocator/pool.js';
import type { PolicyName } from '../../allocator/types.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { encode } from '../../lib/codec.js';
import { ConflictError, NotLeaderError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { RaftNode } from '../../raft/driver.js';
import { AgentHub, type AgentConnection, type HubHost } from '../agents/hub.js';
import { validateRegistryCommand, type RegistryCommand } from '../registry/commands.js';
import type { RegistryEffect, RegistryResult, RegistryState } from '../registry/state.js';
import type { AgentEntry, FrameworkEntry } from '../registry/types.js';
import type { ApplyResult } from '../state/part.js';
import { AllocationLoop } from './allocation.js';
import { DeadlineTimers } from './deadlines.js';
import { failureEvent, heartbeatEvent, masterInfoOf, rescindEvent, updateEvent, type MasterInfoJson } from './events.js';
import { OfferBook, type Offer } from './offers.js';
import type { RoleSettings } from './role-settings.js';
import { BATCH_LIMIT, ProposalBatcher, REREGISTER_BATCH_LIMIT } from './proposal-batcher.js';
import { LeaderScheduler } from './scheduler.js';
import type { SchedulerPort } from './scheduler-port.js';
import { Subscriptions } from './subscriptions.js';

/** Accepted launches waiting to be recorded beyond which no new offers are made (≈ 1–2 s of recording). */
const MAX_LAUNCHING_TASKS = 2_000;

/** Agents per `reg.leader.changed` entry when a new leader takes over. */
const LEADER_CHANGE_SLICE = 100;

export interface EngineSettings {
  /** Agent heartbeat interval (`--agent-heartbeat-ms`, default 1 s). */
  agentHeartbeatMs: number;
  /** Missed heartbeats before an agent is unreachable (`--agent-max-missed-heartbeats`, default 15). */
  maxMissedHeartbeats: number;
  /** HEARTBEAT events to schedulers (≤ 5 s, mesos-api.md §0 C3). */
  schedulerHeartbeatMs: number;
  allocationIntervalMs: number;
  /** Least gap between event-triggered allocation cycles (`--allocation-batch-ms`). */
  allocationBatchMs: number;
  allocator: PolicyName;
  /** Default `refuse_seconds` of DECLINE and of unused resources of an ACCEPT. */
  defaultRefuseSeconds: number;
  /** Role weights, priorities and quota guarantees (`--roles`). */
  roles: Readonly<Record<string, RoleSettings>>;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  agentHeartbeatMs: 1_000,
  maxMissedHeartbeats: 15,
  schedulerHeartbeatMs: 5_000,
  allocationIntervalMs: 1_000,
  allocationBatchMs: 100,
  allocator: 'drf',
  defaultRefuseSeconds: 5,
  roles: {},
};

export interface SessionDeps {
  node: RaftNode;
  registry: RegistryState;
  pool: AllocatorPool;
  clock: Clock;
  logger: Logger;
  settings: EngineSettings;
  term: number;
  httpAddress: string;
  version: string;
}

/**
 * How long the hub waits for an agent's status update or re-registration to be applied. A lost
 * leadership rejects the wait at once, so this bounds only a slow log: behind a burst (2,500
 * ACCEPTs launching 100,000 tasks, applied over several seconds) the requests' 5 s gave up on
 * most updates that were then recorded all the same, and their frameworks heard of them only
 * by reconciling, 30 s later.
 */
export const AGENT_PROPOSAL_TIMEOUT_MS = 60_000;

export class LeaderSession implements HubHost {
  readonly term: number;
  /** Mesos master id of this leadership: prefixes framework ids. */
  readonly masterId: string;
  readonly masterInfo: MasterInfoJson;
  readonly offers: OfferBook;
  readonly subscriptions = new Subscriptions();
  readonly hub: AgentHub;
  readonly allocation: AllocationLoop;
  readonly port: SchedulerPort;
  private readonly deadlines: DeadlineTimers;
  private heartbeatTimer: TimerHandle | null = null;
  private readyFlag = false;
  private stopped = false;

  constructor(private readonly deps: SessionDeps) {
    this.term = deps.term;
    this.masterId = `${randomUUID()}`;
    this.masterInfo = masterInfoOf(this.masterId, deps.httpAddress, deps.version);
    this.offers = new OfferBook(deps.term);
    this.hub = new AgentHub(this);
    this.deadlines = new DeadlineTimers(deps.clock, (entity, deadline) => this.deadlineDue(entity, deadline));
    this.allocation = new AllocationLoop({
      registry: deps.registry,
      offers: this.offers,
      pool: deps.pool,
      policy: deps.settings.allocator,
      clock: deps.clock,
      logger: deps.logger,
      intervalMs: deps.settings.allocationIntervalMs,
      batchMs: deps.settings.allocationBatchMs,
      offerableFrameworks: () => this.offerableFrameworks(),
      isAgentOfferable: (agent) => agent.machine.value === 'active' && this.hub.isConnected(agent.id),
      deliver: (frameworkId, offers) => this.scheduler.deliverOffers(frameworkId, offers),
      // Offers are the admission tokens of launches: while many accepted launches still wait to
      // be recorded through Raft, make no new ones (a deeper queue only delays every other
      // proposal, SUBSCRIBEs and status updates included). Recording ends re-trigger a cycle.
      holdOffers: () => this.scheduler.launchingTasks >= MAX_LAUNCHING_TASKS,
      roles: deps.settings.roles,
    });
    this.scheduler = new LeaderScheduler(this);
    this.port = this.scheduler;
  }

  readonly scheduler: LeaderScheduler;

  get registry(): RegistryState {
    return this.deps.registry;
  }
  get clock(): Clock {
    return this.deps.clock;
  }
  get logger(): Logger {
    return this.deps.logger;
  }
  get settings(): EngineSettings {
    return this.deps.settings;
  }
  get leaderId(): string {
    return this.deps.node.id;
  }
  get agentHeartbeatMs(): number {
    return this.deps.settings.agentHeartbeatMs;
  }
  get maxMissedHeartbeats(): number {
    return this.deps.settings.maxMissedHeartbeats;
  }
  /** True once state is caught up and the services run; false again once stopped. */
  get ready(): boolean {
    return this.readyFlag && !this.stopped;
  }
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Catches up (read barrier), ends the previous term's sessions in the registry and starts the
   * services. `onServing` runs once the services take calls and agent links: right after the
   * entries that end the previous term's sessions are proposed, not once they are applied.
   * Anything proposed from then on lands behind them in the log, so it is applied after them
   * all the same; meanwhile the new leader already reads the fleet's hellos (applying 5,000
   * agents' session ends took it a quarter of a second under load, its followers as long).
   * Resolves once those entries are applied; rejects (the engine retries) if they fail.
   */
  async start(onServing: () => void = () => {}): Promise<void> {
    await this.deps.node.readBarrier();
    if (this.stopped) return;
    // The previous term's sessions end in slices of agents (one entry each), so no replica
    // applies the whole fleet in one go; the frameworks go with the first slice.
    const nowMs = this.clock.nowMs();
    const active = [...this.registry.agents()].filter((agent) => agent.machine.value === 'active').map((agent) => agent.id);
    const slices: string[][] = [];
    for (let at = 0; at < active.length; at += LEADER_CHANGE_SLICE) slices.push(active.slice(at, at + LEADER_CHANGE_SLICE));
    if (slices.length === 0) slices.push([]);
    const ended = Promise.all(slices.map((agentIds, i) => this.propose({ t: 'reg.leader.changed', nowMs, agentIds, frameworks: i === 0 })));
    // Effects of those entries arrive once ready (deadlines of the agents they disconnect).
    this.allocation.start();
    this.scheduleHeartbeats();
    this.readyFlag = true;
    this.logger.info({ term: this.term, agents: active.length }, 'leader services started');
    onServing();
    await ended;
    if (this.stopped) return;
    // Deadlines the registry held before this term (an agent already unreachable, a framework
    // already disconnected); arming one already armed does nothing.
    for (const agent of this.registry.agents()) this.armDeadline({ kind: 'agent', id: agent.id }, agent.machine.context.deadline);
    for (const framework of this.registry.frameworks()) this.armDeadline({ kind: 'framework', id: framework.id }, framework.machine.context.deadline);
    // Missed heartbeats count only for agents whose previous session has ended: before that an
    // agent the old leader held is still `active` here without having had a chance to return.
    this.hub.start();
  }

  /** Ends the term's services; `leaderHint` (the new leader's HTTP address) is passed to agents. */
  stop(reason: string, leaderHint: string | null = null): void {
    if (this.stopped) return;
    this.stopped = true;
    this.readyFlag = false;
    this.heartbeatTimer?.cancel();
    this.deadlines.stop();
    this.allocation.stop();
    this.hub.stop(leaderHint);
    this.subscriptions.closeAll(reason);
  }

  acceptAgent(connection: AgentConnection): void {
    this.hub.accept(connection);
  }

  /** Validates, proposes and waits for apply; a command the reducer refuses is a ConflictError.
   * Task status updates are coalesced: those proposed in the same event-loop turn share one
   * Raft entry (`reg.batch`), each still answered with its own result. */
  async propose(command: RegistryCommand, options: { timeoutMs?: number } = {}): Promise<RegistryResult> {
    const problem = validateRegistryCommand(command);
    if (problem) throw new ValidationError(problem.field, `${problem.field}: ${problem.message}`);
    if (this.stopped) throw new NotLeaderError(null, 'this replica no longer leads');
    if (command.t === 'reg.task.status') return this.statusBatcher.propose(command);
    if (command.t === 'reg.agent.reregister') return (command.digest !== undefined ? this.digestReregisterBatcher : this.reregisterBatcher).propose(command);
    return this.proposeOne(command, options.timeoutMs);
  }

  private async proposeOne(command: RegistryCommand, timeoutMs?: number): Promise<RegistryResult> {
    const result = (await this.deps.node.propose(encode(command), timeoutMs)) as ApplyResult;
    if (!result.ok) throw new ConflictError(result.error);
    return result.value as RegistryResult;
  }

  private readonly statusBatcher = this.batcher(BATCH_LIMIT);
  /** A takeover brings the whole fleet back at once; each re-registration reconciles an agent's
   * tasks, so fewer share an entry than status updates do. */
  private readonly reregisterBatcher = this.batcher(REREGISTER_BATCH_LIMIT);
  /** A re-registration by digest reconciles no tasks (apply is a lookup and the agent's step), so
   * as many share an entry as status updates do. */
  private readonly digestReregisterBatcher = this.batcher(BATCH_LIMIT);

  private batcher(limit: number): ProposalBatcher {
    return new ProposalBatcher(
      (command) => this.proposeOne(command, AGENT_PROPOSAL_TIMEOUT_MS),
      (commands) => this.proposeOne({ t: 'reg.batch', commands, nowMs: Math.max(...commands.map((c) => c.nowMs)) }, AGENT_PROPOSAL_TIMEOUT_MS),
      limit,
    );
  }

  canForwardTo(frameworkId: string): boolean {
    return this.subscriptions.get(frameworkId) !== undefined;
  }

  forwardAgentUpdate(agentId: string, update: StatusUpdate): boolean {
    // Updates re-sent to a framework that is not back yet: building events nobody receives was a
    // quarter of a new leader's time on them (profiled).
    if (!this.canForwardTo(update.frameworkId)) return false;
    const framework = this.registry.framework(update.frameworkId);
    return this.subscriptions.send(
      update.frameworkId,
      updateEvent(update.taskId, agentId, {
        state: update.state,
        timestampSeconds: update.timestampMs / 1000,
        source: 'SOURCE_EXECUTOR',
        uuid: update.uuid,
        message: update.message,
        reason: update.reason,
        healthy: update.healthy,
      }, framework?.info),
    );
  }

  agentsChanged(): void {
    this.allocation.trigger();
  }

  agentLinkClosed(agentId: string): void {
    this.rescindAgentOffers(agentId);
  }

  offerableFrameworks(): FrameworkEntry[] {
    const out: FrameworkEntry[] = [];
    for (const subscription of this.subscriptions.all()) {
      const framework = this.registry.framework(subscription.frameworkId);
      if (framework && framework.machine.value === 'subscribed' && !this.offers.isSuppressed(framework.id)) out.push(framework);
    }
    return out;
  }

  isAgentOfferable(agent: AgentEntry): boolean {
    return agent.machine.value === 'active' && this.hub.isConnected(agent.id);
  }

  /** Effects of applied registry commands (the engine forwards them only to a live session). */
  handleEffects(effects: readonly RegistryEffect[]): void {
    if (this.stopped) return;
    for (const effect of effects) {
      try {
        this.perform(effect);
      } catch (error) {
        this.logger.warn({ err: error, effect: effect.type, key: effect.key }, 'effect failed');
      }
    }
  }

  private perform(effect: RegistryEffect): void {
    switch (effect.type) {
      case 'launchTask': {
        const task = this.registry.task(effect.frameworkId, effect.taskId);
        if (task) this.hub.send(effect.agentId, { t: 'runTask', task: task.spec, resources: task.resources });
        return;
      }
      case 'killTask': {
        const task = effect.frameworkId ? this.registry.task(effect.frameworkId, effect.taskId) : undefined;
        const frameworkId = effect.frameworkId ?? task?.frameworkId;
        if (frameworkId === undefined) return;
        this.hub.send(effect.agentId, {
          t: 'killTask',
          frameworkId,
          taskId: effect.taskId,
          ...(task?.spec.killGracePeriodMs !== undefined ? { gracePeriodMs: task.spec.killGracePeriodMs } : {}),
        });
        return;
      }
      case 'sendStatusUpdate': {
        // A task that ended freed its resources: offer them soon (Mesos allocates on
        // recoverResources too), not only at the next interval. Triggers coalesce into a batch.
        if (isTerminalTaskState(effect.state)) this.allocation.trigger();
        // Agent updates are relayed by the hub with their uuid; these are the master's own.
        if (effect.uuid !== null) return;
        const task = this.registry.task(effect.frameworkId, effect.taskId);
        const last = task?.statuses[task.statuses.length - 1];
        this.subscriptions.send(
          effect.frameworkId,
          updateEvent(effect.taskId, effect.agentId, {
            state: effect.state,
            timestampSeconds: effect.timestampMs / 1000,
            source: 'SOURCE_MASTER',
            reason: effect.reason,
            message: last?.state === effect.state ? last.message : undefined,
          }, this.registry.framework(effect.frameworkId)?.info),
        );
        return;
      }
      case 'rescindOffers':
        if (effect.scope.kind === 'agent') this.rescindAgentOffers(effect.scope.id);
        else this.offers.forgetFramework(effect.scope.id);
        return;
      case 'messageAgent':
        if (effect.message === 'shutdown') this.hub.send(effect.agentId, { t: 'shutdown', reason: 'agent removed by the operator' });
        return;
      case 'scheduleDeadline':
        this.armDeadline(effect.entity, effect.deadline);
        return;
      case 'notify':
        this.notify(effect);
        return;
      default:
        return;
    }
  }

  private notify(effect: Extract<Effect, { type: 'notify' }>): void {
    if (effect.topic === 'agentUnreachable') this.subscriptions.broadcast(failureEvent(effect.subject.id));
    if (effect.topic === 'frameworkRemoved') {
      this.hub.broadcast({ t: 'shutdownFramework', frameworkId: effect.subject.id });
      const subscription = this.subscriptions.remove(effect.subject.id);
      subscription?.sink.close('framework removed');
    }
    if (effect.topic === 'agentActivated') this.allocation.trigger();
  }

  rescindAgentOffers(agentId: string): void {
    for (const offer of this.offers.offersOfAgent(agentId)) this.rescind(offer);
  }

  rescind(offer: Offer): void {
    if (!this.offers.remove(offer.id)) return;
    this.subscriptions.send(offer.frameworkId, rescindEvent(offer.id));
  }

  private armDeadline(entity: EntityRef, deadline: Deadline | null): void {
    if (deadline) this.deadlines.arm(entity, deadline);
  }

  private deadlineDue(entity: EntityRef, deadline: Deadline): void {
    if (this.stopped || (entity.kind !== 'agent' && entity.kind !== 'framework')) return;
    this.propose({ t: 'reg.deadline', kind: entity.kind, id: entity.id, event: deadline.event, nowMs: Math.max(this.clock.nowMs(), deadline.atMs) }).catch(
      (error: Error) => this.logger.debug({ err: error, entity, event: deadline.event }, 'deadline not applied'),
    );
  }

  private scheduleHeartbeats(): void {
    if (this.stopped) return;
    this.heartbeatTimer = this.clock.setTimer(this.settings.schedulerHeartbeatMs, () => {
      this.subscriptions.broadcast(heartbeatEvent());
      this.scheduleHeartbeats();
    });
  }
}
