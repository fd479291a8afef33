/**
 * The built-in Chronos framework on the leading master: subscribes in-process to the v1
 * scheduler port, packs waiting runs into offers, launches them, and turns status updates into
 * run machine events (proposed through Raft), acknowledging every update.
 *
 * Exactly-once launching: a run's task id is a pure function of the run and its attempt
 * (`ct:<due>:<attempt>:<job>:<args>`), the offer is ACCEPTed first and `run.launched` proposed
 * after. A leader that dies in between leaves the run `queued` with the task already in the
 * registry; its successor finds the task by id and adopts it instead of launching a second copy
 * (and the master refuses a duplicate task id anyway).
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { SchedulerPort, Subscription, V1Call, V1Event } from '../../master/leader/scheduler-port.js';
import type { RegistryView } from '../../master/registry/types.js';
import type { ChronosJob } from '../model/index.js';
import type { RunEntry, RunsCommand, RunsPart } from '../state/runs.js';
import { RejectedCommand } from './errors.js';
import { packRuns, type PackRun } from './packing.js';
import { buildTaskInfo, chronosTaskId, packOfferOf } from './task-info.js';
import { runEventForTaskState } from './task-status.js';

export interface FrameworkDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly part: RunsPart;
  readonly job: (name: string) => ChronosJob | undefined;
  readonly port: () => SchedulerPort | null;
  readonly registry?: RegistryView | undefined;
  readonly propose: (command: RunsCommand) => Promise<unknown>;
}

/** Refuse offers this long when nothing is waiting (a REVIVE brings them back sooner). */
const IDLE_REFUSE_SECONDS = 2;
const BUSY_REFUSE_SECONDS = 0.5;
/** At most one REVIVE per this gap (each one re-runs the leader's allocation). */
const REVIVE_MIN_GAP_MS = 50;

export class ChronosFramework {
  private subscription: Subscription | null = null;
  private subscribing = false;
  private stopped = true;
  private frameworkId: string | null = null;
  /** Runs whose ACCEPT or `run.launched` is in flight on this leader, by task id. */
  private readonly launching = new Map<string, Promise<void>>();
  private readonly launchingRuns = new Set<string>();
  private lastReviveMs = 0;
  private reviveTimer: TimerHandle | null = null;

  constructor(private readonly deps: FrameworkDeps) {}

  start(): void {
    this.stopped = false;
    this.ensureSubscribed();
  }

  stop(): void {
    this.stopped = true;
    this.reviveTimer?.cancel();
    this.reviveTimer = null;
    this.subscription?.disconnect();
    this.subscription = null;
    this.launching.clear();
    this.launchingRuns.clear();
  }

  get subscribed(): boolean {
    return this.subscription !== null && this.frameworkId !== null;
  }

  /** (Re)subscribes if not subscribed; called from the leader's tick. */
  ensureSubscribed(): void {
    if (this.stopped || this.subscription !== null || this.subscribing) return;
    const port = this.deps.port();
    if (port === null) return;
    this.subscribing = true;
    const known = this.deps.part.frameworkId;
    const info: Record<string, unknown> = { user: 'root', name: 'chronos', failover_timeout: 1e9, checkpoint: true };
    if (known !== null) info.id = { value: known };
    // With no run waiting, subscribe suppressed: offers made to us then would only be declined,
    // and while they are out (until the next allocation interval) no other framework gets those
    // agents; after a failover that held a re-subscribing framework's first offer back a second.
    const call: V1Call = { type: 'SUBSCRIBE', subscribe: { framework_info: info, ...(this.hasQueuedRun() ? {} : { suppressed_roles: ['*'] }) } };
    if (known !== null) call.framework_id = { value: known };
    const sink = {
      send: (event: V1Event) => this.onEvent(event),
      close: (reason: string) => {
        this.deps.logger.info({ reason }, 'chronos framework subscription closed');
        this.subscription = null;
      },
    };
    port.subscribe(call, sink, { internal: true }).then(
      (subscription) => {
        this.subscribing = false;
        if (this.stopped) {
          subscription.disconnect();
          return;
        }
        this.subscription = subscription;
        this.frameworkId = subscription.frameworkId;
        if (this.deps.part.frameworkId !== subscription.frameworkId) {
          this.deps.propose({ t: 'run.framework', id: subscription.frameworkId }).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not record the chronos framework id'));
        }
        this.reconcile();
        // A run queued while we subscribed found us unsubscribed and could not revive.
        if (this.hasQueuedRun()) this.revive();
      },
      (error: unknown) => {
        this.subscribing = false;
        this.deps.logger.warn({ err: error }, 'chronos framework could not subscribe; retrying');
      },
    );
  }

  private hasQueuedRun(): boolean {
    for (const run of this.deps.part.activeRuns()) if (run.machine.value === 'queued') return true;
    return false;
  }

  /**
   * A run became queued: ask for offers again at once. Rate-limited, but never dropped: a run
   * queued inside the window gets a trailing REVIVE when it ends, else it would wait for a
   * refusal filter to expire and the next allocation interval (seconds of due → RUNNING).
   */
  revive(): void {
    if (!this.subscribed || this.reviveTimer !== null) return;
    const nowMs = this.deps.clock.nowMs();
    const waitMs = this.lastReviveMs + REVIVE_MIN_GAP_MS - nowMs;
    if (waitMs > 0) {
      this.reviveTimer = this.deps.clock.setTimer(waitMs, () => {
        this.reviveTimer = null;
        if (!this.stopped) this.revive();
      });
      return;
    }
    this.lastReviveMs = nowMs;
    this.call({ type: 'REVIVE' });
  }

  /** Kill the task of a run (the run machine decided: user kill or maxCompletionTime). */
  kill(taskId: string, agentId: string): void {
    if (!this.subscribed) return;
    this.call({ type: 'KILL', kill: { task_id: { value: taskId }, agent_id: { value: agentId } } });
  }

  private onEvent(event: V1Event): void {
    if (this.stopped) return;
    switch (event.type) {
      case 'SUBSCRIBED': {
        const id = (event.subscribed as { framework_id?: { value?: string } } | undefined)?.framework_id?.value;
        if (typeof id === 'string') this.frameworkId = id;
        return;
      }
      case 'OFFERS':
        this.onOffers(((event.offers as { offers?: Array<Record<string, unknown>> } | undefined)?.offers ?? []));
        return;
      case 'UPDATE':
        this.onUpdate((event.update as { status?: Record<string, unknown> } | undefined)?.status ?? {});
        return;
      case 'ERROR':
        this.deps.logger.warn({ message: event.message }, 'chronos framework got ERROR');
        this.subscription = null;
        return;
      default:
        return;
    }
  }

  private onOffers(offers: Array<Record<string, unknown>>): void {
    const views = offers.map(packOfferOf);
    const waiting: PackRun[] = [];
    const byKey = new Map<string, { run: RunEntry; job: ChronosJob }>();
    let order = 0;
    let queued = 0;
    for (const run of this.deps.part.activeRuns()) {
      order += 1;
      if (run.machine.value === 'queued') queued += 1;
      if (run.machine.value !== 'queued' || this.launchingRuns.has(run.key)) continue;
      const job = this.deps.job(run.job);
      if (job === undefined || job.disabled) continue; // the leader's tick skips these
      if (this.adoptExisting(run, job)) continue;
      waiting.push({ key: run.key, cpus: job.cpus, mem: job.memMb, disk: job.diskMb, constraints: job.constraints, highPriority: run.highPriority, order });
      byKey.set(run.key, { run, job });
    }
    const packing = packRuns(waiting, views);
    const perOffer = new Map<string, string[]>();
    for (const placement of packing.placements) {
      const keys = perOffer.get(placement.offerId) ?? [];
      keys.push(placement.runKey);
      perOffer.set(placement.offerId, keys);
    }
    for (const [offerId, keys] of perOffer) {
      const offer = views.find((o) => o.id === offerId)!;
      const launches = keys.map((key) => {
        const { run, job } = byKey.get(key)!;
        const attempt = run.machine.context.attempt;
        const taskId = chronosTaskId(run, job, attempt);
        return { run, taskId, info: buildTaskInfo({ run, job, taskId, attempt, agentId: offer.agentId, hostname: offer.hostname }) };
      });
      this.launch(offerId, offer.agentId, launches);
    }
    if (packing.unused.length > 0) {
      const refuse = waiting.length > packing.placements.length ? BUSY_REFUSE_SECONDS : IDLE_REFUSE_SECONDS;
      this.call({ type: 'DECLINE', decline: { offer_ids: packing.unused.map((value) => ({ value })), filters: { refuse_seconds: refuse } } });
    }
    // Nothing waits: stop offers altogether (as Mesos asks of idle frameworks) instead of being
    // offered every agent of a large cluster each cycle; the next queued run's REVIVE resumes them.
    if (queued === 0) this.call({ type: 'SUPPRESS' });
  }

  /** ACCEPT first, then record `run.launched`; updates arriving meanwhile wait for it. */
  private launch(offerId: string, agentId: string, launches: Array<{ run: RunEntry; taskId: string; info: Record<string, unknown> }>): void {
    const port = this.deps.port();
    const frameworkId = this.frameworkId;
    if (port === null || frameworkId === null) return;
    for (const { run } of launches) this.launchingRuns.add(run.key);
    const call: V1Call = {
      type: 'ACCEPT',
      framework_id: { value: frameworkId },
      accept: {
        offer_ids: [{ value: offerId }],
        operations: [{ type: 'LAUNCH', launch: { task_infos: launches.map((l) => l.info) } }],
        filters: { refuse_seconds: BUSY_REFUSE_SECONDS },
      },
    };
    const accepted = port.call(call, null);
    for (const { run, taskId } of launches) {
      const done = accepted
        .then(() => this.recordLaunch(run.key, taskId, agentId))
        .then(
          () => undefined,
          (error: unknown) => {
            this.deps.logger.warn({ err: error, run: run.key }, 'chronos launch failed; the run stays queued');
            this.revive();
          },
        )
        .finally(() => {
          this.launching.delete(taskId);
          this.launchingRuns.delete(run.key);
        });
      this.launching.set(taskId, done);
    }
  }

  private recordLaunch(key: string, taskId: string, agentId: string): Promise<unknown> {
    return this.deps.propose({ t: 'run.event', key, event: { type: 'run.launched', nowMs: this.deps.clock.nowMs(), taskId, agentId } });
  }

  /** A queued run whose task the registry already has (a predecessor launched it): adopt it. */
  private adoptExisting(run: RunEntry, job: ChronosJob): boolean {
    const registry = this.deps.registry;
    if (registry === undefined || this.frameworkId === null) return false;
    const taskId = chronosTaskId(run, job, run.machine.context.attempt);
    const task = registry.task(this.frameworkId, taskId);
    if (task === undefined) return false;
    this.launchingRuns.add(run.key);
    const done = this.recordLaunch(run.key, taskId, task.agentId)
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        this.launching.delete(taskId);
        this.launchingRuns.delete(run.key);
      });
    this.launching.set(taskId, done);
    return true;
  }

  private onUpdate(status: Record<string, unknown>): void {
    const taskId = (status.task_id as { value?: string } | undefined)?.value;
    const agentId = (status.agent_id as { value?: string } | undefined)?.value;
    const uuid = typeof status.uuid === 'string' ? status.uuid : null;
    const state = String(status.state ?? '');
    if (taskId === undefined) return;
    const pending = this.launching.get(taskId) ?? Promise.resolve();
    void pending.then(async () => {
      const recorded = await this.recordStatus(taskId, state, status);
      if (recorded && uuid !== null && agentId !== undefined) {
        this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: taskId }, uuid } });
      }
    });
  }

  /** Proposes the run event for a task state; false when the leadership is gone (no ACK then). */
  async recordStatus(taskId: string, state: string, status: Record<string, unknown>): Promise<boolean> {
    const run = this.deps.part.runOfTask(taskId);
    if (run === undefined || run.machine.context.taskId !== taskId) return true;
    const message = typeof status.message === 'string' ? status.message : null;
    const event = runEventForTaskState(run, state, message, this.deps.clock.nowMs(), this.deps.job(run.job)?.async === true);
    if (event === null) return true;
    try {
      await this.deps.propose({ t: 'run.event', key: run.key, taskId, event: event.event, exitStatus: event.exitStatus, message });
      return true;
    } catch (error) {
      // Refused = the run already moved past this state (another path recorded it first).
      if (error instanceof RejectedCommand) return true;
      this.deps.logger.warn({ err: error, task: taskId }, 'could not record a chronos task update');
      return !this.stopped;
    }
  }

  /** Asks the master for the latest state of every task of an unfinished run. */
  private reconcile(): void {
    const tasks: Array<{ task_id: { value: string }; agent_id: { value: string } }> = [];
    for (const run of this.deps.part.activeRuns()) {
      const { taskId, agentId } = run.machine.context;
      if (taskId !== null && agentId !== null) tasks.push({ task_id: { value: taskId }, agent_id: { value: agentId } });
    }
    if (tasks.length > 0) this.call({ type: 'RECONCILE', reconcile: { tasks } });
  }

  private call(call: V1Call): void {
    const port = this.deps.port();
    if (port === null || this.frameworkId === null) return;
    port.call({ ...call, framework_id: { value: this.frameworkId } }, null).catch((error: unknown) => {
      this.deps.logger.debug({ err: error, call: call.type }, 'chronos framework call failed');
    });
  }
}
