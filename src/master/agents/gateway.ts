/**
 * Where agents connect: the HTTP server's `upgrade` event for `GET /agent/v1/connect`. Followers
 * answer 307 to the leader; the leader upgrades the socket once its services are ready and hands
 * the framed connection to the session's hub. While neither is possible yet — an election under
 * way, or a new leader catching up — the request is held (up to `holdMs`, as HTTP requests are
 * in api/redirect.ts) instead of answered 503 at once, so agents are not pushed into back-off
 * during a takeover; only after the hold do they get 503.
 *
 * A standby upgrade (`Kairos-Link: standby`) is answered 101 by every master and its link joins
 * the StandbyPool, which hands it to the session once this master's leader services are ready.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AGENT_CONNECT_PATH, FrameConnection, acceptAgentUpgrade, isStandbyUpgrade, redirectAgentUpgrade } from '../../protocol/connection.js';
import type { AgentToMaster, MasterToAgent } from '../../protocol/messages.js';
import { leaderHttpAddress, type MasterContext } from '../api/context.js';
import type { LeaderSession } from '../leader/session.js';
import { StandbyPool, type StandbyAdopter } from './standby-pool.js';

/** How long an agent's upgrade may wait for a leader (or for the leader to be ready). */
export const AGENT_UPGRADE_HOLD_MS = 2_000;
/** How often held upgrades are looked at (one timer for all of them). */
const HOLD_POLL_MS = 10;

interface Held {
  request: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  untilMs: number;
}

export class AgentGateway {
  private held: Held[] = [];
  private poller: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly standby = new StandbyPool();

  constructor(
    private readonly context: MasterContext,
    private readonly session: () => LeaderSession | null,
    private readonly holdMs = AGENT_UPGRADE_HOLD_MS,
  ) {}

  /** The `upgrade` listener; upgrades of other paths are left to other listeners. */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!(request.url ?? '').startsWith(AGENT_CONNECT_PATH)) return;
    socket.on('error', () => undefined);
    if (isStandbyUpgrade(request)) {
      if (this.closed) redirectAgentUpgrade(socket, leaderHttpAddress(this.context));
      else if (acceptAgentUpgrade(request, socket)) this.standby.add(new FrameConnection<AgentToMaster, MasterToAgent>(socket, head));
      return;
    }
    if (this.answer(request, socket, head, false)) return;
    this.held.push({ request, socket, head, untilMs: Date.now() + this.holdMs });
    this.poller ??= setInterval(() => this.poll(), HOLD_POLL_MS);
  };

  /** This master's leader services are ready: standby links are told and handed to them. */
  announce(session: StandbyAdopter): void {
    this.standby.announce(session);
  }

  /** The session stopped: standby links arriving from now on are held again. */
  retire(session: StandbyAdopter): void {
    this.standby.retire(session);
  }

  /** Standby links held (not yet handed to a session). */
  get standbyLinks(): number {
    return this.standby.size;
  }

  /** Answers every held upgrade (503 when nothing is decided), holds no more, and closes standby links. */
  close(): void {
    this.closed = true;
    this.standby.close();
    for (const entry of this.held) this.answer(entry.request, entry.socket, entry.head, true);
    this.held = [];
    this.stopPolling();
  }

  /** Upgrades or redirects when it can (or must: `final`); false to keep holding. */
  private answer(request: IncomingMessage, socket: Duplex, head: Buffer, final: boolean): boolean {
    if (socket.destroyed) return true;
    if (this.closed) final = true;
    if (!this.context.node.isLeader) {
      const leader = leaderHttpAddress(this.context);
      if (leader === null && !final) return false;
      redirectAgentUpgrade(socket, leader);
      return true;
    }
    const session = this.session();
    if (!session?.ready) {
      if (!final) return false;
      redirectAgentUpgrade(socket, null);
      return true;
    }
    if (!acceptAgentUpgrade(request, socket)) return true;
    session.acceptAgent(new FrameConnection<AgentToMaster, MasterToAgent>(socket, head));
    return true;
  }

  private poll(): void {
    const nowMs = Date.now();
    // One look at leadership per tick; held entries are visited only when it is decided or
    // their hold is over (thousands may wait during a takeover).
    const decided = this.context.node.isLeader ? this.session()?.ready === true : leaderHttpAddress(this.context) !== null;
    if (!decided && this.held.every((entry) => nowMs < entry.untilMs && !entry.socket.destroyed)) return;
    this.held = this.held.filter((entry) => !this.answer(entry.request, entry.socket, entry.head, nowMs >= entry.untilMs));
    if (this.held.length === 0) this.stopPolling();
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }
}
