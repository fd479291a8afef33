/**
 * The agent's link to the leading master (protocol: src/protocol/messages.ts). One loop dials
 * the masters round robin (following 307 and `notLeader` hints to the leader), registers with
 * `hello`, heartbeats, and treats a closed socket or a master silent for a few heartbeat
 * intervals as gone: it then dials again, with jittered backoff after a round in which no
 * master took us. Every master command passes term fencing (link-policy.ts) before it reaches
 * the host; a stale one is answered `refused` and does nothing.
 *
 * With `standby` it also keeps an idle link to every other master (standby-links.ts); after
 * losing its leader it waits for the next one's `leading` on one of them rather than dialling,
 * and a `leading` from a newer term moves it there at once.
 *
 * The link knows nothing of tasks: the host (the real agent, or a simulated one) describes
 * itself for `hello`, persists what must survive a restart, and carries out commands.
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { dialMaster, FrameConnection } from '../../protocol/connection.js';
import { AGENT_PROTOCOL_VERSION, type AgentToMaster, type MasterToAgent } from '../../protocol/messages.js';
import type { StatusUpdate } from '../types.js';
import { DEFAULT_MISSED_PONGS, RECONNECT_SPREAD_MS, STANDBY_WAIT_MS, adoptsLeading, cursorAfterLoss, fence, masterSilent, nextTarget, roundBackoff, wantsPong, type BackoffRounds, type LeadingVerdict } from './link-policy.js';
import { helloTasks, type HelloForm } from './reports.js';
import { StandbyLinks, type Leading } from './standby-links.js';

/** What the link needs of a connection (FrameConnection has it; unit tests fake it). */
export interface LinkConnection {
  send(message: AgentToMaster): boolean;
  close(error?: Error | null): void;
  onMessage: (message: MasterToAgent) => void;
  onClose: (error: Error | null) => void;
}

export type LinkDialResult =
  | { kind: 'connected'; connection: LinkConnection }
  | { kind: 'redirect'; leader: string | null }
  /** `answered`: the master is up and answered HTTP (e.g. 503 while it has no leader). */
  | { kind: 'unavailable'; reason: string; answered?: boolean };

/** `standby`: ask the master to hold the link as a standby (messages.ts) rather than lead it. */
export type Dialer = (address: string, purpose?: 'leader' | 'standby') => Promise<LinkDialResult>;

/** The `hello` fields the host provides (the link adds version and highestTerm). */
export type HelloBody = Omit<Extract<AgentToMaster, { t: 'hello' }>, 't' | 'version' | 'highestTerm'>;

/** Commands the host carries out once they have passed fencing. */
export type MasterCommand = Extract<MasterToAgent, { t: 'runTask' | 'killTask' | 'ack' | 'shutdownFramework' | 'frameworkMessage' | 'shutdown' }>;

/** The agent behind the link. */
export interface LinkHost {
  /** The hello's fields. `form` is how the hello will report the tasks: a host that keeps its
   * digest may answer 'digest' with it (and no tasks) at once; otherwise the link converts. */
  describe(form: HelloForm): Promise<HelloBody> | HelloBody;
  /** Registered (again): persist the id, then re-send unacknowledged updates, except the ones
   * the leader says it has `recorded` and those of the frameworks it names `unrelayed` (it cannot
   * relay them now; their retry timers restart). */
  registered(agentId: string, info: { term: number; leaderId: string; master: string; recorded: ReadonlySet<string>; unrelayed: ReadonlySet<string> }): Promise<void> | void;
  command(command: MasterCommand): Promise<void> | void;
  /** Persist the highest term seen before any command of that term has effects. */
  saveHighestTerm(term: number): Promise<void> | void;
}

export interface MasterLinkOptions {
  /** host:port of every master's HTTP server. */
  masters: readonly string[];
  host: LinkHost;
  clock: Clock;
  highestTerm?: number;
  dial?: Dialer;
  /** Uniform draw in [0, 1) for backoff jitter (tests pass a seeded one). */
  random?: () => number;
  missedPongs?: number;
  /** A master that upgraded but does not answer `hello` in time is dropped. */
  registrationTimeoutMs?: number;
  backoff?: { minMs: number; maxMs: number };
  /** Longest random wait before dialling again after losing the master (RECONNECT_SPREAD_MS). */
  reconnectSpreadMs?: number;
  /** Keep a standby link to every other master (default false; needs a dialer that asks for them). */
  standby?: boolean;
  log?: Logger;
}

export type LinkState = 'idle' | 'dialing' | 'registering' | 'registered' | 'backoff' | 'stopped';

/** Dials with dialMaster and wraps an upgraded socket in a FrameConnection. */
export function frameDialer(timeoutMs = 3_000): Dialer {
  return async (address, purpose = 'leader') => {
    const result = await dialMaster(address, timeoutMs, purpose === 'standby');
    if (result.kind === 'unavailable') return { ...result, answered: /^HTTP \d+/.test(result.reason) };
    if (result.kind !== 'connected') return result;
    return { kind: 'connected', connection: new FrameConnection<MasterToAgent, AgentToMaster>(result.socket, result.head) };
  };
}

export class MasterLink {
  private linkState: LinkState = 'idle';
  private highest: number;
  private id: string | null = null;
  private connection: LinkConnection | null = null;
  private masterAddress: string | null = null;
  private timers = new Set<TimerHandle>();
  private wakeBackoff: (() => void) | null = null;
  /** Ends the wait for a dial in flight (a new leader called on a standby link meanwhile). */
  private abandonDial: (() => void) | null = null;
  private readonly log: Logger;
  /** Commands are handled one at a time, in arrival order. */
  private work: Promise<void> = Promise.resolve();
  private seq = 0;
  private lastHeardMs = 0;
  private readonly standby: StandbyLinks | null;
  /** The master whose registered link broke last, until the next registration retargets the
   * standby links (standby-links.ts: it is redialled as down). */
  private lostMaster: string | null = null;
  /** A standby link whose master announced it leads, waiting for the loop to take it. */
  private adopted: { connection: LinkConnection; address: string; digests: boolean } | null = null;
  /** Counters for /metrics and tests (`digestHellos`: hellos that reported tasks as a digest;
   * `reportedAgain`: hellos the master answered with `reportKnown` or `reportInFull`). */
  readonly stats = { registrations: 0, refused: 0, disconnects: 0, dials: 0, adoptions: 0, digestHellos: 0, reportedAgain: 0 };
  onStateChange: (state: LinkState) => void = () => {};

  constructor(private readonly options: MasterLinkOptions) {
    if (options.masters.length === 0) throw new Error('MasterLink needs at least one master address');
    this.highest = options.highestTerm ?? 0;
    this.log = options.log ?? silentLogger();
    this.standby =
      options.standby === true && options.masters.length > 1
        ? new StandbyLinks({
            masters: options.masters,
            dial: options.dial ?? frameDialer(),
            clock: options.clock,
            random: options.random ?? Math.random,
            log: this.log,
            onLeading: (leading) => this.onLeading(leading),
          })
        : null;
  }

  /** Open standby links (metrics and tests). */
  get standbyLinks(): number {
    return this.standby?.open ?? 0;
  }

  get state(): LinkState {
    return this.linkState;
  }

  get highestTerm(): number {
    return this.highest;
  }

  get agentId(): string | null {
    return this.id;
  }

  /** host:port of the master we are registered with, or null. */
  get master(): string | null {
    return this.linkState === 'registered' ? this.masterAddress : null;
  }

  /** Starts the dial loop (returns at once). */
  start(): void {
    if (this.linkState !== 'idle') return;
    void this.loop().catch((error: unknown) => this.log.error({ err: error }, 'master link loop failed'));
  }

  /** Closes the connection and stops dialling; pending work finishes. */
  async stop(): Promise<void> {
    this.setState('stopped');
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.wakeBackoff?.();
    this.connection?.close(null);
    this.standby?.stop();
    this.adopted?.connection.close(null);
    this.adopted = null;
    await this.work;
  }

  /** Sends a status update while registered; false otherwise (the update manager re-sends). */
  sendStatus(update: StatusUpdate): boolean {
    if (this.linkState !== 'registered' || !this.connection || this.id === null) return false;
    return this.connection.send({ t: 'status', agentId: this.id, update });
  }

  /** Drops the current connection (tests, or a host that knows the master is gone). */
  disconnect(): void {
    this.connection?.close(null);
  }

  private async loop(): Promise<void> {
    const masters = this.options.masters;
    const dial = this.options.dial ?? frameDialer();
    const random = this.options.random ?? Math.random;
    let cursor = masters.length - 1;
    let hint: string | null = null;
    let hops = 0;
    let failures = 0;
    /** The master we just lost: not dialled again until a round without it has failed. */
    let lost: string | null = null;
    let rounds: BackoffRounds = { answered: 0, silent: 0 };
    /** Some master answered HTTP in the current round (it is alive, just not leading yet). */
    let answered = false;
    while (this.linkState !== 'stopped') {
      let address: string;
      let result: LinkDialResult;
      // Only a master that said so on `leading` takes a hello by digest (messages.ts).
      let digests = false;
      const adopted = this.adopted;
      this.adopted = null;
      if (adopted) {
        // A master announced on our standby link that it leads: no dial needed.
        address = adopted.address;
        result = { kind: 'connected', connection: adopted.connection };
        digests = adopted.digests;
        hint = null;
        hops = 0;
      } else {
        const target = nextTarget(masters, cursor, hint, hops, undefined, lost);
        cursor = target.cursor;
        hops = target.hops;
        hint = null;
        address = target.address;
        this.setState('dialing');
        this.stats.dials++;
        result = await this.dialUnlessCalled(dial, address);
        if (this.isStopped() || this.adopted) {
          // Stopped, or a leader called on a standby link meanwhile: that link wins.
          if (result.kind === 'connected') result.connection.close(null);
          if (this.isStopped()) return;
          continue;
        }
      }
      if (result.kind === 'connected') {
        const outcome = await this.session(result.connection, address, digests);
        hint = outcome.hint;
        answered = true;
        if (outcome.registered) {
          lost = address;
          this.lostMaster = address;
          cursor = cursorAfterLoss(masters, lost, random());
          failures = 0;
          rounds = { answered: 0, silent: 0 };
          answered = false;
          hops = 0;
          if (this.adopted || this.isStopped()) continue;
          const spreadMs = this.options.reconnectSpreadMs ?? RECONNECT_SPREAD_MS;
          // With a standby link to every master that could lead next, the next leader calls us:
          // dialling would only add to the connections it must accept in the same moment.
          if (hint === null && this.standby?.covers(address)) await this.backoff(STANDBY_WAIT_MS + Math.floor(random() * spreadMs));
          else if (spreadMs > 0) await this.backoff(Math.floor(random() * spreadMs));
          continue;
        }
        if (this.adopted) continue;
      } else if (result.kind === 'redirect' && result.leader && result.leader !== lost) {
        hint = result.leader;
        continue;
      } else {
        if (result.kind === 'redirect' || result.answered) answered = true;
        this.log.debug({ master: address, reason: result.kind === 'unavailable' ? result.reason : 'no leader' }, 'master unavailable');
      }
      if (hint === lost) hint = null; // a hint back to the master just lost is no lead
      if (hint) continue;
      failures++;
      if (failures >= masters.length - (lost !== null && masters.length > 1 ? 1 : 0)) {
        failures = 0;
        lost = null;
        const next = roundBackoff(rounds, answered, random(), this.options.backoff);
        rounds = next.rounds;
        answered = false;
        await this.backoff(next.delayMs);
      }
    }
  }

  /** One connection's life: hello, registration, heartbeats, commands; resolves on close. */
  private session(connection: LinkConnection, address: string, digests: boolean): Promise<{ registered: boolean; hint: string | null }> {
    return new Promise((resolve) => {
      let registered = false;
      const sayHello = (form: HelloForm): void => void this.sendHello(connection, form);
      let hint: string | null = null;
      this.connection = connection;
      this.masterAddress = address;
      this.setState('registering');
      const registrationTimer = this.timer(this.options.registrationTimeoutMs ?? 10_000, () => {
        if (!registered) {
          this.log.warn({ master: address }, 'no registration answer; trying another master');
          connection.close(null);
        }
      });
      connection.onClose = (error) => {
        registrationTimer.cancel();
        this.stopHeartbeats();
        if (this.connection === connection) this.connection = null;
        if (registered) {
          this.stats.disconnects++;
          this.log.warn({ master: address, err: error ?? undefined }, 'master connection lost; reconnecting');
        }
        if (!this.isStopped()) this.setState('dialing');
        resolve({ registered, hint });
      };
      connection.onMessage = (message) => {
        this.lastHeardMs = this.options.clock.monotonicMs();
        if (message.t === 'notLeader') {
          hint = message.leaderHint;
          connection.close(null);
          return;
        }
        if (message.t === 'pong' || message.t === 'leading') return;
        if (message.t === 'reportInFull' || message.t === 'reportKnown') {
          this.stats.reportedAgain++;
          if (!registered) sayHello(message.t === 'reportInFull' ? 'full' : 'known');
          return;
        }
        this.log.debug({ t: message.t, master: address }, 'message from master');
        this.enqueue(async () => {
          if (message.t === 'registered') {
            registered = await this.onRegistered(connection, message, address);
            registrationTimer.cancel();
            return;
          }
          if (registered) await this.onCommand(connection, message);
        });
      };
      sayHello(digests ? 'digest' : 'known');
    });
  }

  /**
   * Says hello. A re-registration reports its tasks as a `digest` where the master takes one, else
   * by id and state (`known`), and with their specs only when the master asked for them `full`
   * (messages.ts): specs are most of a hello's bytes, and a new leader decodes thousands of hellos
   * at once while its registry already holds every one of those tasks, nearly always in the
   * states the agents have.
   */
  private async sendHello(connection: LinkConnection, form: HelloForm): Promise<void> {
    try {
      const body = await this.options.host.describe(form);
      const tasks = helloTasks(body, form);
      if ((tasks.digest ?? body.digest) !== undefined) this.stats.digestHellos++;
      connection.send({ t: 'hello', version: AGENT_PROTOCOL_VERSION, ...body, ...tasks, highestTerm: this.highest });
    } catch (error) {
      this.log.error({ err: error }, 'cannot describe the agent for hello');
      connection.close(error as Error);
    }
  }

  private async onRegistered(connection: LinkConnection, message: Extract<MasterToAgent, { t: 'registered' }>, address: string): Promise<boolean> {
    const verdict = fence(this.highest, message.term);
    if (!verdict.accept) {
      this.refuse(connection, message.term, 'registered', message.agentId);
      connection.close(null);
      return false;
    }
    if (verdict.raised) await this.raiseTerm(verdict.highestTerm);
    this.id = message.agentId;
    this.stats.registrations++;
    this.setState('registered');
    this.log.info({ agentId: message.agentId, master: address, leaderId: message.leaderId, term: message.term }, 'registered with the leading master');
    this.startHeartbeats(connection, message.heartbeatIntervalMs);
    this.standby?.retarget(address, this.lostMaster);
    this.lostMaster = null;
    await this.options.host.registered(message.agentId, { term: message.term, leaderId: message.leaderId, master: address, recorded: stringSet(message.recorded), unrelayed: stringSet(message.unrelayed) });
    return true;
  }

  private async onCommand(connection: LinkConnection, message: MasterCommand | Extract<MasterToAgent, { t: 'registered' }>): Promise<void> {
    if (message.t === 'registered') return;
    const verdict = fence(this.highest, message.term);
    if (!verdict.accept) {
      this.refuse(connection, message.term, message.t, this.id ?? '');
      return;
    }
    if (verdict.raised) await this.raiseTerm(verdict.highestTerm);
    await this.options.host.command(message);
  }

  /** A master announced on a standby link that it leads; 'adopt' takes the link over. */
  private onLeading(leading: Leading): LeadingVerdict {
    if (this.isStopped()) return 'stale';
    // While registered the highest term seen is the registration's: `registered` raised it, and
    // every later command on that link carries the same term.
    const verdict = adoptsLeading(leading.term, this.highest, this.linkState === 'registered' ? this.highest : null);
    if (verdict !== 'adopt') return verdict;
    this.adopted?.connection.close(null);
    const adopted = { connection: leading.connection, address: leading.address, digests: leading.digests };
    this.adopted = adopted;
    leading.connection.onClose = () => {
      if (this.adopted === adopted) this.adopted = null;
    };
    this.stats.adoptions++;
    this.log.info({ master: leading.address, term: leading.term, leaderId: leading.leaderId }, 'a new leader called on a standby link');
    // Leave whatever the loop is doing: a link to a deposed (or silent) leader, or a wait.
    this.connection?.close(null);
    this.wakeBackoff?.();
    this.abandonDial?.();
    return 'adopt';
  }

  /**
   * Dials, unless a leader calls on a standby link first: then the dial (which may sit for seconds
   * in a busy leader's listen queue) is left to finish on its own and its connection closed.
   */
  private dialUnlessCalled(dial: Dialer, address: string): Promise<LinkDialResult> {
    const dialled = dial(address, 'leader');
    if (!this.standby) return dialled;
    const abandoned: LinkDialResult = { kind: 'unavailable', reason: 'a leader called on a standby link' };
    return new Promise((resolve) => {
      this.abandonDial = () => {
        this.abandonDial = null;
        resolve(abandoned);
        void dialled.then((late) => {
          if (late.kind === 'connected') late.connection.close(null);
        });
      };
      void dialled.then((result) => {
        if (this.abandonDial === null) return;
        this.abandonDial = null;
        resolve(result);
      });
    });
  }

  private refuse(connection: LinkConnection, term: number, what: string, agentId: string): void {
    this.stats.refused++;
    this.log.warn({ term, highestTerm: this.highest, what }, 'refused a command from a stale master term');
    connection.send({ t: 'refused', agentId, term, highestTerm: this.highest, what });
  }

  private async raiseTerm(term: number): Promise<void> {
    this.highest = term;
    await this.options.host.saveHighestTerm(term);
  }

  private heartbeat: TimerHandle | null = null;

  private startHeartbeats(connection: LinkConnection, intervalMs: number): void {
    this.stopHeartbeats();
    const every = Math.max(10, intervalMs);
    this.lastHeardMs = this.options.clock.monotonicMs();
    const beat = (): void => {
      this.heartbeat = null;
      if (this.connection !== connection || this.id === null) return;
      const now = this.options.clock.monotonicMs();
      if (masterSilent(now, this.lastHeardMs, every, this.options.missedPongs ?? DEFAULT_MISSED_PONGS)) {
        this.log.warn({ master: this.masterAddress }, 'master silent for too long; reconnecting');
        connection.close(null);
        return;
      }
      const heartbeat = { t: 'heartbeat', agentId: this.id, seq: ++this.seq } as const;
      connection.send(wantsPong(now, this.lastHeardMs, every) ? heartbeat : { ...heartbeat, quiet: true });
      this.heartbeat = this.timer(every, beat);
    };
    // The first one an interval after registering: the master has just heard the hello (and
    // counts it), and a fleet returning to a new leader would otherwise send thousands at once.
    this.heartbeat = this.timer(every, beat);
  }

  private stopHeartbeats(): void {
    if (this.heartbeat) {
      this.heartbeat.cancel();
      this.timers.delete(this.heartbeat);
    }
    this.heartbeat = null;
  }

  private backoff(delayMs: number): Promise<void> {
    this.setState('backoff');
    return new Promise((resolve) => {
      const timer = this.timer(delayMs, () => {
        this.wakeBackoff = null;
        resolve();
      });
      this.wakeBackoff = () => {
        timer.cancel();
        resolve();
      };
    });
  }

  /** A clock timer that `stop()` cancels. */
  private timer(delayMs: number, fn: () => void): TimerHandle {
    let handle: TimerHandle | null = null;
    const wrapped: TimerHandle = {
      cancel: () => {
        handle?.cancel();
        this.timers.delete(wrapped);
      },
    };
    handle = this.options.clock.setTimer(delayMs, () => {
      this.timers.delete(wrapped);
      fn();
    });
    this.timers.add(wrapped);
    return wrapped;
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => this.log.error({ err: error }, 'master command failed'));
  }

  private isStopped(): boolean {
    return this.linkState === 'stopped';
  }

  private setState(state: LinkState): void {
    if (this.linkState === 'stopped' || this.linkState === state) return;
    this.linkState = state;
    this.onStateChange(state);
  }
}

/** The strings of a list from the wire (anything else dropped; absent: none). */
function stringSet(list: unknown): ReadonlySet<string> {
  return new Set(Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []);
}
