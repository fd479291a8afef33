/**
 * The leader's side of the master ↔ agent protocol (src/protocol/messages.ts): one live link per
 * agent, registration and re-registration through Raft, heartbeats (pong, and missed-heartbeat
 * counting that marks silent agents unreachable), status updates recorded through Raft and
 * relayed to frameworks, and the commands the leader sends — every one carrying its term.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { isTerminalTaskState } from '../../actors/task-state.js';
import type { StatusUpdate } from '../../agent/types.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { ConflictError, NotLeaderError, UnavailableError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { FrameConnection } from '../../protocol/connection.js';
import type { AgentToMaster, KnownTask, MasterToAgent, ReportedTask } from '../../protocol/messages.js';
import type { KnownTaskReport, RegistryCommand } from '../registry/commands.js';
import type { RegistryResult, RegistryState } from '../registry/state.js';
import type { AgentEntry } from '../registry/types.js';

export type AgentConnection = FrameConnection<AgentToMaster, MasterToAgent>;

/** What the hub needs from the leader session. */
export interface HubHost {
  readonly term: number;
  readonly leaderId: string;
  readonly registry: RegistryState;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly agentHeartbeatMs: number;
  readonly maxMissedHeartbeats: number;
  propose(command: RegistryCommand): Promise<RegistryResult>;
  /** Sends the agent's update to its framework; false when the framework has no live stream. */
  forwardAgentUpdate(agentId: string, update: StatusUpdate): boolean;
  /** True when the framework has a live stream here (an update would reach it). */
  canForwardTo(frameworkId: string): boolean;
  /** An agent joined or came back: worth an allocation cycle. */
  agentsChanged(): void;
  /** The agent's connection closed: its outstanding offers must be rescinded (Mesos deactivates
   * a disconnected agent at once; it becomes unreachable only after missed heartbeats). */
  agentLinkClosed(agentId: string): void;
}

interface Link {
  agentId: string;
  connection: AgentConnection;
  /**
   * Commands produced while the agent's (re-)registration is applied (kills re-sent, launches)
   * wait here until `registered` has gone out — the agent ignores commands before it — and
   * then follow it in order; null once registered.
   */
  held: MasterToAgent[] | null;
}

/** Commands to an agent, without the term (the hub adds it). */
export type AgentCommand =
  | { t: 'runTask'; task: Extract<MasterToAgent, { t: 'runTask' }>['task']; resources: Extract<MasterToAgent, { t: 'runTask' }>['resources'] }
  | { t: 'killTask'; frameworkId: string; taskId: string; gracePeriodMs?: number }
  | { t: 'ack'; taskId: string; uuid: string }
  | { t: 'shutdownFramework'; frameworkId: string }
  | { t: 'frameworkMessage'; frameworkId: string; executorId: string; data: string }
  | { t: 'shutdown'; reason: string };

/** A reported task's unacknowledged update that the registry has recorded. */
interface RecordedPending {
  frameworkId: string;
  uuid: string;
}

/** `hello` outcome: the agent was asked to report its tasks again (`reportInFull`, `reportKnown`)
 * and will say hello again on the same link. */
const REPORT_AGAIN = Symbol('reportAgain');

/** Agent links closed per event-loop turn when a session stops. */
const CLOSE_SLICE = 100;

export class AgentHub {
  private readonly links = new Map<string, Link>();
  private readonly missed = new Map<string, number>();
  private readonly heard = new Set<string>();
  private readonly markingUnreachable = new Set<string>();
  private readonly reregistering = new Map<string, Promise<RegistryResult>>();
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly host: HubHost) {}

  start(): void {
    this.scheduleCheck();
  }

  /** True when the agent is registered on a live link (not while its registration is applied). */
  isConnected(agentId: string): boolean {
    const link = this.links.get(agentId);
    return link !== undefined && link.held === null && link.connection.isOpen;
  }

  /** True while the agent's (re-)registration is applied on a link that is still open. */
  private isRegistering(agentId: string): boolean {
    const link = this.links.get(agentId);
    return link !== undefined && link.held !== null && link.connection.isOpen;
  }

  connectedIds(): string[] {
    return [...this.links.keys()];
  }

  /** Sends a fenced command; false when the agent has no live link. */
  send(agentId: string, command: AgentCommand): boolean {
    const link = this.links.get(agentId);
    if (!link) {
      this.host.logger.debug({ agentId, command: command.t }, 'no live link to the agent; command not sent');
      return false;
    }
    const message = { ...command, term: this.host.term } as MasterToAgent;
    if (link.held) {
      link.held.push(message);
      return link.connection.isOpen;
    }
    return link.connection.send(message);
  }

  broadcast(command: AgentCommand): void {
    for (const agentId of this.links.keys()) this.send(agentId, command);
  }

  /** A freshly upgraded connection: the first message must be `hello`. */
  accept(connection: AgentConnection): void {
    let agentId: string | null = null;
    let registering = false;
    connection.onMessage = (message) => {
      if (this.stopped) return;
      if (message.t === 'hello') {
        if (registering || agentId !== null) return;
        registering = true;
        this.hello(connection, message).then(
          (id) => {
            if (id === REPORT_AGAIN) registering = false;
            else agentId = id;
          },
          (error: Error) => {
            // Leadership lost mid-registration is expected (thousands of agents at once on a
            // step-down): no stack trace each, the agent simply dials the new leader.
            if (this.stopped || error instanceof NotLeaderError || error instanceof UnavailableError) this.host.logger.debug({ reason: error.message }, 'agent registration not completed');
            else this.host.logger.warn({ err: error }, 'agent registration failed');
            // After a step-down `stop` closes every link, with the new leader's address, a slice
            // per turn; closing thousands here at once held a deposed leader's loop for 0.24 s.
            if (!this.stopped) connection.close(error);
          },
        );
        return;
      }
      if (agentId === null || message.agentId !== agentId) return;
      this.heard.add(agentId);
      if (message.t === 'heartbeat') {
        if (message.quiet !== true) connection.send({ t: 'pong', term: this.host.term, seq: message.seq });
      } else if (message.t === 'status') void this.status(agentId, message.update);
      else if (message.t === 'refused') this.host.logger.warn({ agentId, term: message.term, highestTerm: message.highestTerm, what: message.what }, 'agent refused a command from a stale term');
    };
    connection.onClose = () => {
      if (agentId === null || this.links.get(agentId)?.connection !== connection) return;
      this.links.delete(agentId);
      this.host.logger.debug({ agentId }, 'agent link closed');
      this.host.agentLinkClosed(agentId);
    };
  }

  private async hello(connection: AgentConnection, hello: Extract<AgentToMaster, { t: 'hello' }>): Promise<string | null | typeof REPORT_AGAIN> {
    const { term } = this.host;
    if (hello.highestTerm > term) {
      // The agent has seen a newer leader: this one is deposed and must not lead it.
      connection.send({ t: 'notLeader', leaderHint: null });
      connection.close();
      return null;
    }
    // A digest that differs from the registry's says only that something differs: ask for the
    // tasks by id and state (the same link then says hello again).
    const digest = hello.digest !== undefined ? this.matchingDigest(hello.agentId, hello.digest) : null;
    if (hello.digest !== undefined && digest === null) {
      connection.send({ t: 'reportKnown' });
      return REPORT_AGAIN;
    }
    const recordedPending = hello.known !== undefined && hello.known.length > 0 ? this.examineKnown(hello.agentId, hello.known) : [];
    if (recordedPending === null) {
      // Tasks reported by id alone that the registry does not hold here cannot be adopted
      // without their specs: ask for them (the same link then says hello again).
      connection.send({ t: 'reportInFull' });
      return REPORT_AGAIN;
    }
    const nowMs = this.host.clock.nowMs();
    const description = {
      hostname: hello.hostname,
      httpAddress: hello.httpAddress,
      resources: hello.resources,
      attributes: hello.attributes ?? {},
    };
    const agentId = hello.agentId ?? `${randomUUID()}-S0`;
    // The link exists before the command is applied, so that the effects of applying it (kills
    // re-sent to a returning agent) have somewhere to go; they are held until `registered`.
    const link: Link = { agentId, connection, held: [] };
    const previous = this.links.get(agentId);
    if (previous && previous.connection !== connection) previous.connection.close();
    this.links.set(agentId, link);
    this.missed.delete(agentId);
    this.heard.add(agentId);
    const unlink = (): void => {
      if (this.links.get(agentId) === link) this.links.delete(agentId);
    };
    try {
      const reported: { tasks: ReportedTask[]; known?: KnownTaskReport[]; digest?: string } =
        digest !== null ? { tasks: [], digest: digest.digest } : this.splitReported(agentId, hello.tasks ?? [], hello.known);
      // An agent back by digest, described as the registry has it, is recorded without the
      // description: most of a re-registration entry's bytes, encoded, stored, sent and decoded.
      const described = digest !== null && this.describedAsHeld(agentId, description) ? { asHeld: true as const } : description;
      const result = hello.agentId
        ? await this.reregistration(agentId, () => this.host.propose({ t: 'reg.agent.reregister', agentId, ...described, ...reported, nowMs }))
        : await this.host.propose({ t: 'reg.agent.register', agentId, ...description, nowMs });
      if (result.kind === 'tasksChanged') {
        // Its tasks changed between the proposal and its apply: nothing was applied.
        unlink();
        connection.send({ t: 'reportKnown' });
        return REPORT_AGAIN;
      }
    } catch (error) {
      unlink();
      if (hello.agentId && (error instanceof ConflictError || error instanceof ValidationError)) {
        connection.send({ t: 'shutdown', term, reason: error.message });
        connection.close();
        return null;
      }
      throw error;
    }
    if (this.stopped || !connection.isOpen || this.links.get(agentId) !== link) {
      unlink();
      return null;
    }
    const recorded = this.unforwardable(agentId, recordedPending, hello.tasks);
    const unrelayed = digest?.frameworkIds.filter((frameworkId) => !this.host.canForwardTo(frameworkId)) ?? [];
    connection.send({
      t: 'registered',
      agentId,
      term,
      heartbeatIntervalMs: this.host.agentHeartbeatMs,
      leaderId: this.host.leaderId,
      ...(recorded.length > 0 ? { recorded } : {}),
      ...(unrelayed.length > 0 ? { unrelayed } : {}),
    });
    this.host.logger.debug({ agentId, reregistered: hello.agentId !== undefined, held: link.held?.length ?? 0 }, 'agent registered');
    const held = link.held ?? [];
    link.held = null;
    for (const message of held) {
      // A launch applied while this re-registration was in flight, of a task the re-registration
      // then ended (the agent's report did not have it: TASK_LOST), must not start a ghost task.
      if (message.t === 'runTask' && !this.stillLive(message.task.frameworkId, message.task.taskId)) continue;
      connection.send(message);
    }
    this.host.agentsChanged();
    return agentId;
  }

  /**
   * The agent's re-registration, proposed once: an agent that heard nothing within its
   * registration timeout dials again and says hello again, and under load that would put a second
   * (third...) re-registration of the same agent into the log behind the first. As Mesos ignores a
   * re-registration while one is in progress, the newer link waits for the one in flight instead.
   * Its report can only have lost tasks since (no launch reaches an unregistered agent), and their
   * terminal updates follow `registered` as re-sent updates.
   */
  private reregistration(agentId: string, propose: () => Promise<RegistryResult>): Promise<RegistryResult> {
    const inFlight = this.reregistering.get(agentId);
    if (inFlight) return inFlight;
    const proposal: Promise<RegistryResult> = propose().finally(() => {
      if (this.reregistering.get(agentId) === proposal) this.reregistering.delete(agentId);
    });
    this.reregistering.set(agentId, proposal);
    return proposal;
  }

  /** The registry's digest of the agent when it equals the hello's (messages.ts `digest`), else null. */
  private matchingDigest(agentId: string | undefined, digest: unknown): ReturnType<RegistryState['taskDigest']> | null {
    if (agentId === undefined || typeof digest !== 'string') return null;
    const ours = this.host.registry.taskDigest(agentId);
    return ours.digest === digest ? ours : null;
  }

  /** True when the registry describes the agent exactly so. */
  private describedAsHeld(agentId: string, description: Pick<AgentEntry, 'hostname' | 'httpAddress' | 'resources' | 'attributes'>): boolean {
    const held = this.host.registry.agent(agentId);
    return (
      held !== undefined &&
      held.hostname === description.hostname &&
      held.httpAddress === description.httpAddress &&
      isDeepStrictEqual(held.attributes, description.attributes) &&
      isDeepStrictEqual(held.resources, description.resources)
    );
  }

  /** True when the registry holds this task on this agent. */
  private holdsHere(agentId: string, frameworkId: string, taskId: string): boolean {
    return this.host.registry.task(frameworkId, taskId)?.agentId === agentId;
  }

  /**
   * One pass over tasks reported by id: null unless the registry holds every one of them on this
   * agent; else the reported `pending` updates it has already recorded (messages.ts `recorded`).
   */
  private examineKnown(agentId: string | undefined, reported: readonly KnownTask[]): RecordedPending[] | null {
    if (agentId === undefined) return null;
    const recorded: RecordedPending[] = [];
    for (const task of reported) {
      if (typeof task?.frameworkId !== 'string' || typeof task.taskId !== 'string') return null;
      const pending = typeof task.pending === 'string' ? task.pending : undefined;
      const standing = this.host.registry.reportedTask(agentId, task.frameworkId, task.taskId, pending);
      if (standing === 'absent') return null;
      if (standing === 'recorded') recorded.push({ frameworkId: task.frameworkId, uuid: pending! });
    }
    return recorded;
  }

  /** Reported tasks the registry already holds on this agent go by id and state only (as do
   * those the agent itself reported so, `alreadyKnown`). */
  private splitReported(agentId: string, reported: readonly ReportedTask[], alreadyKnown: readonly KnownTask[] = []): { tasks: ReportedTask[]; known: KnownTaskReport[] } {
    const tasks: ReportedTask[] = [];
    const known: KnownTaskReport[] = alreadyKnown.map(({ frameworkId, taskId, state }) => ({ frameworkId, taskId, state }));
    for (const task of reported) {
      const { frameworkId, taskId } = task.spec ?? {};
      if (typeof frameworkId === 'string' && typeof taskId === 'string' && this.holdsHere(agentId, frameworkId, taskId)) {
        known.push({ frameworkId, taskId, state: task.state });
      } else {
        tasks.push(task);
      }
    }
    return { tasks, known };
  }

  /**
   * The recorded `pending` uuids (from `examineKnown`, and of tasks reported in full) whose
   * framework has no stream here: re-sent now, each would only be looked up and dropped
   * (messages.ts `recorded`). Subscriptions are judged now, after the re-registration applied.
   */
  private unforwardable(agentId: string, known: readonly RecordedPending[], full: readonly ReportedTask[] | undefined): string[] {
    const recorded: string[] = [];
    for (const { frameworkId, uuid } of known) if (!this.host.canForwardTo(frameworkId)) recorded.push(uuid);
    if (Array.isArray(full)) {
      for (const task of full) {
        const frameworkId = task?.spec?.frameworkId;
        const taskId = task?.spec?.taskId;
        if (typeof task?.pending !== 'string' || typeof frameworkId !== 'string' || typeof taskId !== 'string' || this.host.canForwardTo(frameworkId)) continue;
        if (this.host.registry.reportedTask(agentId, frameworkId, taskId, task.pending) === 'recorded') recorded.push(task.pending);
      }
    }
    return recorded;
  }

  private stillLive(frameworkId: string, taskId: string): boolean {
    const task = this.host.registry.task(frameworkId, taskId);
    return task !== undefined && !isTerminalTaskState(task.state);
  }

  private async status(agentId: string, update: StatusUpdate): Promise<void> {
    // An update re-sent until the framework acknowledges it (after every re-registration, and on
    // the agent's retry timer) is already committed: relay it again without a Raft round.
    if (this.host.registry.reportedTask(agentId, update.frameworkId, update.taskId, update.uuid) === 'recorded') {
      this.host.forwardAgentUpdate(agentId, update);
      return;
    }
    let outcome: 'accepted' | 'duplicate' | 'ignored' | 'unknown';
    try {
      const result = await this.host.propose({
        t: 'reg.task.status',
        agentId,
        source: 'agent',
        update: {
          taskId: update.taskId,
          frameworkId: update.frameworkId,
          state: update.state,
          uuid: update.uuid,
          timestampMs: update.timestampMs,
          ...(update.message !== undefined ? { message: update.message } : {}),
          ...(update.reason !== undefined ? { reason: update.reason } : {}),
          ...(update.healthy !== undefined ? { healthy: update.healthy } : {}),
          ...(update.exitStatus !== undefined ? { exitStatus: update.exitStatus } : {}),
        },
        nowMs: this.host.clock.nowMs(),
      });
      outcome = result.kind === 'status' ? result.outcome : 'accepted';
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof ValidationError)) {
        // Not recorded (leadership lost, timeout): the agent re-sends it.
        this.host.logger.debug({ err: error, agentId, taskId: update.taskId }, 'status update not recorded');
        return;
      }
      outcome = 'unknown';
    }
    if (this.stopped) return;
    if (outcome === 'accepted' || outcome === 'duplicate') {
      // The framework acknowledges it (ACKNOWLEDGE → ack); without a stream, the agent retries.
      this.host.forwardAgentUpdate(agentId, update);
    } else {
      // Nobody will acknowledge an update the registry refused: stop the agent's retries.
      this.send(agentId, { t: 'ack', taskId: update.taskId, uuid: update.uuid });
    }
  }

  private scheduleCheck(): void {
    if (this.stopped) return;
    this.timer = this.host.clock.setTimer(this.host.agentHeartbeatMs, () => {
      this.checkHeartbeats();
      this.scheduleCheck();
    });
  }

  /**
   * One heartbeat interval passed: count a miss for every active agent not heard from. An agent
   * whose (re-)registration is still being applied is waiting for us, not silent: it heartbeats
   * only once `registered` arrives, and a leader slow to apply must not mark it unreachable (and
   * its tasks lost) for that.
   */
  private checkHeartbeats(): void {
    for (const agent of this.host.registry.agents()) {
      if (agent.machine.value !== 'active') {
        this.missed.delete(agent.id);
        continue;
      }
      if (this.heard.has(agent.id) || this.isRegistering(agent.id)) {
        this.missed.delete(agent.id);
        continue;
      }
      const misses = (this.missed.get(agent.id) ?? 0) + 1;
      this.missed.set(agent.id, misses);
      if (misses >= this.host.maxMissedHeartbeats && !this.markingUnreachable.has(agent.id)) this.markUnreachable(agent.id);
    }
    this.heard.clear();
  }

  private markUnreachable(agentId: string): void {
    this.markingUnreachable.add(agentId);
    this.links.get(agentId)?.connection.close();
    this.links.delete(agentId);
    this.host
      .propose({ t: 'reg.agent.unreachable', agentId, nowMs: this.host.clock.nowMs() })
      .catch((error: Error) => this.host.logger.debug({ err: error, agentId }, 'could not mark agent unreachable'))
      .finally(() => {
        this.markingUnreachable.delete(agentId);
        this.missed.delete(agentId);
      });
  }

  /** Leadership lost: tell every agent (with the new leader's HTTP address when known) and close every link. */
  stop(leaderHint: string | null = null): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    const links = [...this.links.values()];
    this.links.clear();
    // Thousands of sockets to close: a slice per event-loop turn, so a deposed leader goes on
    // answering Raft (as a follower now) instead of stalling for the whole fleet.
    const closeSlice = (from: number): void => {
      const to = Math.min(links.length, from + CLOSE_SLICE);
      for (let i = from; i < to; i++) {
        const link = links[i]!;
        link.connection.send({ t: 'notLeader', leaderHint });
        link.connection.close();
      }
      if (to < links.length) setImmediate(() => closeSlice(to));
    };
    closeSlice(0);
  }
}
