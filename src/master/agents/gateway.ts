/**
 * Where agents connect: the HTTP server's `upgrade` event for `GET /agent/v1/connect`. Followers
 * answer 307 to the leader (503 while none is known); the leader answers 503 until its services
 * are ready, then upgrades the socket and hands the framed connection to the session's hub.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AGENT_CONNECT_PATH, FrameConnection, acceptAgentUpgrade, redirectAgentUpgrade } from '../../protocol/connection.js';
import type { AgentToMaster, MasterToAgent } from '../../protocol/messages.js';
import { leaderHttpAddress, type MasterContext } from '../api/context.js';
import type { LeaderSession } from '../leader/session.js';

export class AgentGateway {
  constructor(
    private readonly context: MasterContext,
    private readonly session: () => LeaderSession | null,
  ) {}

  /** The `upgrade` listener; upgrades of other paths are left to other listeners. */
  readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!(request.url ?? '').startsWith(AGENT_CONNECT_PATH)) return;
    socket.on('error', () => undefined);
    if (!this.context.node.isLeader) {
      redirectAgentUpgrade(socket, leaderHttpAddress(this.context));
      return;
    }
    const session = this.session();
    if (!session?.ready) {
      redirectAgentUpgrade(socket, null);
      return;
    }
    if (!acceptAgentUpgrade(request, socket)) return;
    session.acceptAgent(new FrameConnection<AgentToMaster, MasterToAgent>(socket, head));
  };
}
