/**
 * A fake master for the agent daemon tests: an HTTP server whose 'upgrade' handler either
 * redirects (a follower) or accepts the agent protocol (a leader) and records every message.
 * The leader answers `hello` with `registered` and heartbeats with `pong`; tests drive the rest.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptAgentUpgrade, FrameConnection, redirectAgentUpgrade } from '../../../src/protocol/connection.js';
import type { AgentToMaster, MasterToAgent } from '../../../src/protocol/messages.js';

export type FakeConnection = FrameConnection<AgentToMaster, MasterToAgent>;

export interface FakeMasterOptions {
  /** Redirect agents to this address instead of accepting them. */
  redirectTo?: () => string | null;
  term?: number;
  heartbeatIntervalMs?: number;
  /** Answer heartbeats (false: a silent master). */
  pong?: boolean;
  /** Acknowledge every status update at once (as a master whose frameworks ack). */
  autoAck?: boolean;
  /** What `registered` lists as recorded, given the hello (messages.ts; none by default). */
  recorded?: (hello: Extract<AgentToMaster, { t: 'hello' }>) => string[];
  /** What `registered` lists as unrelayed frameworks, given the hello (none by default). */
  unrelayed?: (hello: Extract<AgentToMaster, { t: 'hello' }>) => string[];
}

export class FakeMaster {
  readonly received: AgentToMaster[] = [];
  readonly connections: FakeConnection[] = [];
  term: number;
  pong: boolean;
  autoAck: boolean;
  private nextId = 1;
  private constructor(readonly server: http.Server, readonly address: string, private readonly options: FakeMasterOptions) {
    this.term = options.term ?? 1;
    this.pong = options.pong ?? true;
    this.autoAck = options.autoAck ?? false;
  }

  static async start(options: FakeMasterOptions = {}, port = 0): Promise<FakeMaster> {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const master = new FakeMaster(server, address, options);
    server.on('upgrade', (request, socket, head) => master.onUpgrade(request, socket, head));
    return master;
  }

  get current(): FakeConnection | undefined {
    return this.connections.filter((c) => c.isOpen).at(-1);
  }

  send(message: MasterToAgent): void {
    this.current?.send(message);
  }

  of<T extends AgentToMaster['t']>(t: T): Array<Extract<AgentToMaster, { t: T }>> {
    return this.received.filter((m): m is Extract<AgentToMaster, { t: T }> => m.t === t);
  }

  /** Drops every agent connection (as a crashing master's kernel would). */
  dropAll(): void {
    for (const c of this.connections) c.close(null);
  }

  async close(): Promise<void> {
    this.dropAll();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private onUpgrade(request: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
    if (this.options.redirectTo) {
      redirectAgentUpgrade(socket, this.options.redirectTo());
      return;
    }
    if (!acceptAgentUpgrade(request, socket)) return;
    const connection: FakeConnection = new FrameConnection<AgentToMaster, MasterToAgent>(socket as import('node:net').Socket, head);
    this.connections.push(connection);
    connection.onMessage = (message) => {
      this.received.push(message);
      if (message.t === 'hello') {
        // No registry here: tasks reported by id alone are asked for in full, as a leader that
        // does not hold them does.
        if ((message.known?.length ?? 0) > 0) {
          connection.send({ t: 'reportInFull' });
          return;
        }
        const agentId = message.agentId ?? `fake-S${this.nextId++}`;
        const recorded = this.options.recorded?.(message) ?? [];
        const unrelayed = this.options.unrelayed?.(message) ?? [];
        connection.send({
          t: 'registered', agentId, term: this.term, heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 100, leaderId: 'fake',
          ...(recorded.length > 0 ? { recorded } : {}), ...(unrelayed.length > 0 ? { unrelayed } : {}),
        });
      }
      if (message.t === 'status' && this.autoAck) connection.send({ t: 'ack', term: this.term, taskId: message.update.taskId, uuid: message.update.uuid });
      if (message.t === 'heartbeat' && this.pong) connection.send({ t: 'pong', term: this.term, seq: message.seq });
    };
  }
}
