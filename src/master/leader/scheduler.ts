/**
 * The leader's SchedulerPort: the Mesos v1 scheduler calls (mesos-api.md §2.4) over the registry,
 * the offer book and the subscriptions, emitting events exactly as §2.5 shapes them. The HTTP
 * route and the in-process Chronos framework both call it.
 */
import { randomUUID } from 'node:crypto';
import { isTerminalTaskState, type TaskStateName } from '../../actors/task-state.js';
import { ConflictError, KairosError, LeadershipLostError, TimeoutError, ValidationError } from '../../lib/errors.js';
import type { LaunchRecord } from '../registry/commands.js';
import { addPools, emptyPools, totalOfPools } from '../registry/reservations.js';
import { isEmptyAmounts } from '../registry/resources.js';
import { isPartitionAware } from '../registry/state.js';
import type { FrameworkEntry, FrameworkInfoJson, TaskEntry } from '../registry/types.js';
import { roleOf } from './allocation.js';
import { errorEvent, offerJson, offersEvent, statusFieldsOf, subscribedEvent, updateEvent, uuidFromBytes } from './events.js';
import { offerPools, type Offer } from './offers.js';
import type { CallOptions, SchedulerPort, SchedulerSink, Subscription, V1Call } from './scheduler-port.js';
import type { LeaderSession } from './session.js';
import { launchedTaskInfos, planAccept } from './accept-plan.js';
import { stripNulls, taskIdOf } from './task-info.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const idValue = (value: unknown): string | undefined => (isObject(value) && typeof value['value'] === 'string' ? value['value'] : undefined);

/** Reconciliation answers sent per event-loop turn. */
const RECONCILE_SLICE = 1_000;
/** Unread bytes on a framework's stream above which reconciliation waits for its reader. */
const RECONCILE_BACKLOG_BYTES = 2 * 1024 * 1024;
const RECONCILE_BACKLOG_WAIT_MS = 20;

/** How long an ACCEPT's steps wait to be applied: in practice, until this leader is deposed. */
const RECORDING_TIMEOUT_MS = 10 * 60_000;

class ForbiddenError extends KairosError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

export class LeaderScheduler implements SchedulerPort {
  /** Launches accepted and not yet applied, by framework: task id → agent id. Reconciliation
   * answers TASK_STAGING for them, as Mesos does for its pending tasks. */
  private readonly launching = new Map<string, Map<string, string>>();
  private launchingCount = 0;

  constructor(private readonly session: LeaderSession) {}

  /** Accepted launches (tasks) not yet recorded through Raft. */
  get launchingTasks(): number {
    return this.launchingCount;
  }

  // ---- SUBSCRIBE ----

  async subscribe(call: V1Call, sink: SchedulerSink, options: { internal?: boolean } = {}): Promise<Subscription> {
    const subscribe = call['subscribe'];
    if (!isObject(subscribe)) throw new ValidationError('subscribe', "Expecting 'subscribe' to be present");
    const rawInfo = subscribe['framework_info'];
    if (!isObject(rawInfo)) throw new ValidationError('subscribe.framework_info', "Expecting 'subscribe.framework_info' to be present");
    const info = stripNulls(rawInfo) as FrameworkInfoJson;
    if (typeof info.user !== 'string') throw new ValidationError('subscribe.framework_info.user', "Missing required fields: framework_info.user");
    if (typeof info.name !== 'string') throw new ValidationError('subscribe.framework_info.name', "Missing required fields: framework_info.name");
    const givenId = idValue(info.id);
    const callId = idValue(call.framework_id);
    if (callId !== undefined && givenId !== callId) {
      throw new ValidationError('framework_id', "'framework_id' differs from 'subscribe.framework_info.id'");
    }
    const internal = options.internal === true;
    const streamId = randomUUID();
    const refused = (message: string): Subscription => {
      sink.send(errorEvent(message));
      sink.close(message);
      return { frameworkId: givenId ?? '', streamId, disconnect: () => undefined };
    };
    if (givenId !== undefined && this.session.registry.framework(givenId)?.machine.value === 'tornDown') {
      return refused('Framework has been removed');
    }
    let frameworkId: string;
    try {
      const result = await this.session.propose({
        t: 'reg.framework.subscribe',
        frameworkId: givenId ?? null,
        idPrefix: this.session.masterId,
        info,
        internal,
        nowMs: this.session.clock.nowMs(),
      });
      if (result.kind !== 'framework') throw new ConflictError('unexpected subscribe result');
      frameworkId = result.frameworkId;
    } catch (error) {
      if (error instanceof ConflictError) return refused(error.message);
      throw error;
    }
    const previous = this.session.subscriptions.set({ frameworkId, streamId, sink, internal });
    if (previous) {
      try {
        previous.sink.send(errorEvent('Framework failed over'));
      } finally {
        previous.sink.close('Framework failed over');
      }
    }
    // Offers are rescinded and regenerated on every (re)subscription (docs/reconciliation.md).
    this.session.offers.forgetFramework(frameworkId);
    const suppressed = Array.isArray(subscribe['suppressed_roles']) ? (subscribe['suppressed_roles'] as unknown[]) : [];
    const framework = this.session.registry.framework(frameworkId)!;
    if (suppressed.includes(roleOf(framework))) this.session.offers.setSuppressed(frameworkId, true);
    const heartbeatSeconds = this.session.settings.schedulerHeartbeatMs / 1000;
    sink.send(subscribedEvent(frameworkId, heartbeatSeconds, this.session.masterInfo));
    sink.send({ type: 'HEARTBEAT' });
    this.session.allocation.trigger();
    return {
      frameworkId,
      streamId,
      disconnect: () => this.disconnect(frameworkId, streamId),
    };
  }

  private disconnect(frameworkId: string, streamId: string): void {
    const { session } = this;
    if (session.isStopped || !session.subscriptions.removeIf(frameworkId, streamId)) return;
    for (const offer of session.offers.offersOfFramework(frameworkId)) session.offers.remove(offer.id);
    session
      .propose({ t: 'reg.framework.disconnect', frameworkId, nowMs: session.clock.nowMs() })
      .catch((error: Error) => session.logger.debug({ err: error, frameworkId }, 'framework disconnect not recorded'));
  }

  /** OFFERS events for offers the allocation loop made. */
  deliverOffers(frameworkId: string, offers: Offer[]): void {
    const { session } = this;
    const framework = session.registry.framework(frameworkId);
    if (!framework) return;
    const role = roleOf(framework);
    const json = offers.flatMap((offer) => {
      const agent = session.registry.agent(offer.agentId);
      return agent ? [offerJson(offer, agent, role)] : [];
    });
    if (json.length === 0) return;
    if (!session.subscriptions.send(frameworkId, offersEvent(json))) {
      for (const offer of offers) session.offers.remove(offer.id);
    }
  }

  // ---- other calls ----

  async call(call: V1Call, streamId: string | null, options: CallOptions = {}): Promise<void> {
    if (!isObject(call) || typeof call.type !== 'string') throw new ValidationError('type', "Expecting 'type' to be present");
    if (call.type === 'SUBSCRIBE') throw new ValidationError('type', 'SUBSCRIBE goes through subscribe()');
    const frameworkId = idValue(call.framework_id);
    if (frameworkId === undefined) throw new ValidationError('framework_id', "Expecting 'framework_id' to be present");
    const framework = this.session.registry.framework(frameworkId);
    if (!framework) throw new ValidationError('framework_id', 'Framework cannot be found');
    const subscription = this.session.subscriptions.get(frameworkId);
    if (!subscription || framework.machine.value !== 'subscribed') throw new ForbiddenError('Framework is not subscribed');
    if (!subscription.internal) {
      if (streamId === null) throw new ValidationError('Mesos-Stream-Id', "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
      if (streamId !== subscription.streamId) {
        throw new ValidationError(
          'Mesos-Stream-Id',
          `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
        );
      }
    }
    const payload = (key: string): Json => {
      const value = call[key];
      if (!isObject(value)) throw new ValidationError(key, `Expecting '${key}' to be present`);
      return value;
    };
    switch (call.type) {
      case 'ACCEPT': {
        const recording = this.accept(framework, payload('accept'));
        if (!options.recordInBackground) return recording;
        recording.catch((error: unknown) => this.session.logger.info({ err: error, frameworkId }, 'ACCEPT not fully recorded'));
        return;
      }
      case 'DECLINE':
        return this.decline(framework, payload('decline'));
      case 'REVIVE':
        this.session.offers.clearFilters(frameworkId);
        this.session.offers.setSuppressed(frameworkId, false);
        this.session.allocation.trigger();
        return;
      case 'SUPPRESS':
        this.session.offers.setSuppressed(frameworkId, true);
        return;
      case 'KILL':
        return this.kill(framework, payload('kill'));
      case 'ACKNOWLEDGE':
        return this.acknowledge(payload('acknowledge'));
      case 'RECONCILE':
        return this.reconcile(framework, isObject(call['reconcile']) ? call['reconcile'] : {});
      case 'TEARDOWN':
        return this.teardown(framework);
      case 'SHUTDOWN':
        return this.shutdownExecutor(framework, payload('shutdown'));
      case 'MESSAGE':
        return this.message(framework, payload('message'));
      case 'REQUEST':
        payload('request');
        return;
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
      case 'ACKNOWLEDGE_OPERATION_STATUS':
      case 'RECONCILE_OPERATIONS':
        return;
      default:
        throw new ValidationError('type', `Failed to find enum for '${call.type}'`);
    }
  }

  private masterUpdate(framework: FrameworkEntry, taskId: string, agentId: string, state: TaskStateName, reason: string, message?: string): void {
    this.session.subscriptions.send(
      framework.id,
      updateEvent(taskId, agentId, { state, reason, message, source: 'SOURCE_MASTER', timestampSeconds: this.session.clock.nowMs() / 1000 }, framework.info),
    );
  }

  private refuseSeconds(filters: unknown): number {
    const value = isObject(filters) ? filters['refuse_seconds'] : undefined;
    const seconds = typeof value === 'number' && Number.isFinite(value) ? value : this.session.settings.defaultRefuseSeconds;
    return Math.max(0, Math.min(MAX_REFUSE_SECONDS, seconds));
  }

  private async accept(framework: FrameworkEntry, accept: Json): Promise<void> {
    const { session } = this;
    const offerIds = (Array.isArray(accept['offer_ids']) ? accept['offer_ids'] : []).map(idValue).filter((id): id is string => id !== undefined);
    const operations = Array.isArray(accept['operations']) ? (accept['operations'] as unknown[]).filter(isObject) : [];
    // Every offer must be outstanding, this framework's, on one agent, used once (§2.4, §4.5).
    const offers: Offer[] = [];
    let invalid = offerIds.length === 0 || new Set(offerIds).size !== offerIds.length;
    for (const id of offerIds) {
      const offer = session.offers.get(id);
      if (!offer || offer.frameworkId !== framework.id) invalid = true;
      else offers.push(offer);
    }
    if (new Set(offers.map((offer) => offer.agentId)).size > 1) invalid = true;
    for (const offer of offers) session.offers.remove(offer.id);
    const agentId = offers[0]?.agentId;
    if (invalid || agentId === undefined) {
      // Every operation is dropped; launched tasks are told so.
      const lost: TaskStateName = isPartitionAware(framework.info) ? 'TASK_DROPPED' : 'TASK_LOST';
      for (const info of launchedTaskInfos(operations)) this.masterUpdate(framework, taskIdOf(info), agentId ?? '', lost, 'REASON_INVALID_OFFERS', 'Task launched with invalid offers');
      session.allocation.trigger();
      return;
    }
    const offered = offers.reduce((sum, offer) => addPools(sum, offerPools(offer)), emptyPools());
    const plan = planAccept({
      operations,
      offered,
      framework,
      agentId,
      agent: session.registry.agent(agentId),
      isLiveTask: (taskId) => {
        const task = session.registry.task(framework.id, taskId);
        return task !== undefined && !isTerminalTaskState(task.state);
      },
    });
    for (const problem of plan.taskErrors) this.masterUpdate(framework, problem.taskId, agentId, 'TASK_ERROR', problem.reason ?? 'REASON_TASK_INVALID', problem.message);
    for (const dropped of plan.dropped) session.logger.info({ frameworkId: framework.id, operation: dropped.type, index: dropped.index, reason: dropped.message }, 'ACCEPT operation dropped');
    const held = session.offers.holdPools(agentId, offered);
    try {
      // Steps go through Raft one after the other; after a failure the rest cannot hold.
      let failure: Error | null = null;
      for (const { step, during, after } of plan.steps) {
        if (failure) {
          if (step.kind === 'launch') this.launchFailed(framework, agentId, step.launches, failure);
          continue;
        }
        held.set(during);
        try {
          // No deadline but leadership: an entry in this leader's log commits unless the leader
          // is deposed, so giving up early would only leave the framework guessing.
          if (step.kind === 'launch') await this.recordLaunches(framework.id, agentId, step.launches);
          else await session.propose({ t: step.kind === 'reserve' ? 'reg.reserve' : 'reg.unreserve', agentId, resources: step.resources, nowMs: session.clock.nowMs() }, { timeoutMs: RECORDING_TIMEOUT_MS });
          held.set(after);
        } catch (error) {
          failure = error as Error;
          if (step.kind === 'launch') this.launchFailed(framework, agentId, step.launches, failure);
          else session.logger.info({ err: failure, frameworkId: framework.id, operation: step.kind }, 'ACCEPT operation not recorded');
        }
      }
      const remaining = totalOfPools(plan.remaining);
      const refuse = this.refuseSeconds(accept['filters']);
      if (refuse > 0 && !isEmptyAmounts(remaining)) {
        session.offers.refuse(framework.id, { agentId, expiresAtMs: session.clock.nowMs() + refuse * 1000, amounts: remaining });
      }
      if (failure && !(failure instanceof ConflictError) && !(failure instanceof ValidationError)) throw failure;
    } finally {
      held.release();
      session.allocation.trigger();
    }
  }

  /** Proposes the launches, counted as launching (offers are held back, reconciliation says STAGING) until applied. */
  private async recordLaunches(frameworkId: string, agentId: string, launches: readonly LaunchRecord[]): Promise<void> {
    let pending = this.launching.get(frameworkId);
    if (!pending) this.launching.set(frameworkId, (pending = new Map()));
    for (const launch of launches) pending.set(launch.taskId, agentId);
    this.launchingCount += launches.length;
    try {
      await this.session.propose({ t: 'reg.task.launch', tasks: [...launches], nowMs: this.session.clock.nowMs() }, { timeoutMs: RECORDING_TIMEOUT_MS });
    } finally {
      this.launchingCount -= launches.length;
      for (const launch of launches) pending.delete(launch.taskId);
      if (pending.size === 0) this.launching.delete(frameworkId);
    }
  }

  private launchFailed(framework: FrameworkEntry, agentId: string, launches: readonly LaunchRecord[], error: Error): void {
    if (error instanceof LeadershipLostError || error instanceof TimeoutError) {
      // The launch may still commit: saying TASK_LOST now could be false. The framework's
      // stream ends with this leadership, and it learns the truth by reconciling.
      this.session.logger.info({ frameworkId: framework.id, tasks: launches.length, err: error }, 'launch outcome unknown; left to reconciliation');
      return;
    }
    const message = `Task could not be recorded: ${error.message}`;
    for (const launch of launches) this.masterUpdate(framework, launch.taskId, agentId, 'TASK_LOST', 'REASON_INVALID_OFFERS', message);
  }

  private decline(framework: FrameworkEntry, decline: Json): void {
    const { session } = this;
    const refuse = this.refuseSeconds(decline['filters']);
    const ids = (Array.isArray(decline['offer_ids']) ? decline['offer_ids'] : []).map(idValue);
    for (const id of ids) {
      const offer = id === undefined ? undefined : session.offers.get(id);
      if (!offer || offer.frameworkId !== framework.id) continue;
      session.offers.remove(offer.id);
      if (refuse > 0) session.offers.refuse(framework.id, { agentId: offer.agentId, expiresAtMs: session.clock.nowMs() + refuse * 1000, amounts: offer.amounts });
    }
  }

  /** MESSAGE: relayed to the agent, best effort (Mesos drops it too when the agent is away). */
  private message(framework: FrameworkEntry, message: Json): void {
    const agentId = idValue(message['agent_id']);
    if (agentId === undefined) throw new ValidationError('message.agent_id', "Expecting 'message.agent_id' to be present");
    const executorId = idValue(message['executor_id']);
    if (executorId === undefined) throw new ValidationError('message.executor_id', "Expecting 'message.executor_id' to be present");
    const data = message['data'];
    if (typeof data !== 'string') throw new ValidationError('message.data', "Expecting 'message.data' to be present");
    if (!this.session.hub.send(agentId, { t: 'frameworkMessage', frameworkId: framework.id, executorId, data })) {
      this.session.logger.debug({ frameworkId: framework.id, agentId }, 'MESSAGE dropped: the agent is not connected');
    }
  }

  private async kill(framework: FrameworkEntry, kill: Json): Promise<void> {
    const taskId = idValue(kill['task_id']);
    if (taskId === undefined) throw new ValidationError('kill.task_id', "Expecting 'kill.task_id' to be present");
    const task = this.session.registry.task(framework.id, taskId);
    const agentId = task?.agentId ?? idValue(kill['agent_id']) ?? '';
    if (!task || isTerminalTaskState(task.state)) {
      if (task) this.sendLatest(framework, task);
      else this.masterUpdate(framework, taskId, agentId, 'TASK_LOST', 'REASON_RECONCILIATION', 'Attempted to kill an unknown task');
      return;
    }
    await this.session.propose({ t: 'reg.task.kill', frameworkId: framework.id, taskId, nowMs: this.session.clock.nowMs() });
  }

  /**
   * SHUTDOWN of an executor. Tasks here run under Mesos's command-executor convention (the
   * executor id is the task id; there are no custom executors), so it kills that live task of the
   * framework on that agent, as the executor's shutdown would. An executor running nothing: no-op.
   */
  private async shutdownExecutor(framework: FrameworkEntry, shutdown: Json): Promise<void> {
    const executorId = idValue(shutdown['executor_id']);
    const agentId = idValue(shutdown['agent_id']);
    if (executorId === undefined) throw new ValidationError('shutdown.executor_id', "Expecting 'shutdown.executor_id' to be present");
    if (agentId === undefined) throw new ValidationError('shutdown.agent_id', "Expecting 'shutdown.agent_id' to be present");
    const task = this.session.registry.task(framework.id, executorId);
    if (!task || task.agentId !== agentId || isTerminalTaskState(task.state)) return;
    await this.session.propose({ t: 'reg.task.kill', frameworkId: framework.id, taskId: executorId, nowMs: this.session.clock.nowMs() });
  }

  private acknowledge(ack: Json): void {
    const agentId = idValue(ack['agent_id']);
    const taskId = idValue(ack['task_id']);
    const uuid = typeof ack['uuid'] === 'string' ? ack['uuid'] : undefined;
    if (agentId === undefined || taskId === undefined || uuid === undefined) {
      throw new ValidationError('acknowledge', "Expecting 'acknowledge.agent_id', 'task_id' and 'uuid' to be present");
    }
    // Unknown agent or task: the ack is dropped (still 202, as Mesos counts it invalid).
    this.session.hub.send(agentId, { t: 'ack', taskId, uuid: uuidFromBytes(uuid) });
  }


  private sendLatest(framework: FrameworkEntry, task: TaskEntry): void {
    const fields = statusFieldsOf(task, task.statuses[task.statuses.length - 1]);
    this.session.subscriptions.send(
      framework.id,
      updateEvent(task.taskId, task.agentId, { ...fields, state: task.state, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', uuid: null }, framework.info),
    );
  }

  /**
   * §4.6: implicit (all live tasks) or explicit (each named task, or what is known of it).
   * RECONCILE answers one UPDATE per task, a slice per event-loop turn: a framework asking about
   * tens of thousands of tasks must not hold the loop (and this leader's heartbeats) for seconds.
   * Each answer reads the registry when its slice runs, so it is never older than the call.
   */
  private reconcile(framework: FrameworkEntry, reconcile: Json): void {
    const { registry } = this.session;
    const requested = Array.isArray(reconcile['tasks']) ? (reconcile['tasks'] as unknown[]).filter(isObject) : [];
    const staging = (taskId: string, agentId: string): void => this.masterUpdate(framework, taskId, agentId, 'TASK_STAGING', 'REASON_RECONCILIATION', 'Reconciliation: launch being recorded');
    if (requested.length === 0) {
      const live = registry.tasksOf(framework.id).live.map((task) => task.taskId);
      const launching = [...(this.launching.get(framework.id) ?? [])];
      this.inSlices(framework.id, live, (taskId) => {
        const task = registry.task(framework.id, taskId);
        if (task) this.sendLatest(framework, task);
      });
      this.inSlices(framework.id, launching, ([taskId, agentId]) => {
        if (!registry.task(framework.id, taskId)) staging(taskId, agentId);
      });
      return;
    }
    const aware = isPartitionAware(framework.info);
    this.inSlices(framework.id, requested, (entry) => {
      const taskId = idValue(entry['task_id']);
      if (taskId === undefined) return;
      const task = registry.task(framework.id, taskId);
      if (task) {
        this.sendLatest(framework, task);
        return;
      }
      const launchingOn = this.launching.get(framework.id)?.get(taskId);
      if (launchingOn !== undefined) {
        staging(taskId, launchingOn);
        return;
      }
      const agentId = idValue(entry['agent_id']);
      const agent = agentId === undefined ? undefined : registry.agent(agentId);
      const answer = (state: TaskStateName): void => this.masterUpdate(framework, taskId, agentId ?? '', state, 'REASON_RECONCILIATION', 'Reconciliation: task is unknown');
      if (!agent) answer(aware ? 'TASK_UNKNOWN' : 'TASK_LOST');
      else if (agent.machine.value === 'active') answer(aware ? 'TASK_GONE' : 'TASK_LOST');
      else if (agent.machine.value === 'unreachable') answer(aware ? 'TASK_UNREACHABLE' : 'TASK_LOST');
      else if (agent.machine.value === 'gone') answer(aware ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST');
      else if (agent.machine.value === 'removed') answer(aware ? 'TASK_GONE' : 'TASK_LOST');
      // Known but not yet re-registered after a failover: no answer; the scheduler retries.
    });
  }

  /**
   * Runs `each` over `items`, RECONCILE_SLICE per turn (the first slice at once), while this
   * session leads; paced by the framework's reader: while its stream holds more than
   * RECONCILE_BACKLOG_BYTES not yet read, the next slice waits (a slow reader would otherwise
   * overflow its stream and be dropped).
   */
  private inSlices<T>(frameworkId: string, items: readonly T[], each: (item: T) => void): void {
    let at = 0;
    const step = (): void => {
      if (this.session.isStopped) return;
      const sink = this.session.subscriptions.get(frameworkId)?.sink;
      if (at > 0 && (sink?.backlogBytes?.() ?? 0) > RECONCILE_BACKLOG_BYTES) {
        this.session.clock.setTimer(RECONCILE_BACKLOG_WAIT_MS, step);
        return;
      }
      const end = Math.min(items.length, at + RECONCILE_SLICE);
      for (; at < end; at++) each(items[at]!);
      if (at < items.length) setImmediate(step);
    };
    step();
  }

  private async teardown(framework: FrameworkEntry): Promise<void> {
    const { session } = this;
    await session.propose({ t: 'reg.framework.teardown', frameworkId: framework.id, reason: 'teardown', nowMs: session.clock.nowMs() });
    session.offers.forgetFramework(framework.id);
    const subscription = session.subscriptions.remove(framework.id);
    subscription?.sink.close('Framework torn down');
  }
}
