/**
 * The master engine: the registry state part (every replica) plus, while this replica leads, one
 * LeaderSession with the agent gateway, offers, allocation and the scheduler port. main.ts
 * creates it, registers `engine.registry` before the Raft node starts, then calls `attach`.
 */
import type { Server } from 'node:http';
import { AllocatorPool } from '../../allocator/pool.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { AgentGateway } from '../agents/gateway.js';
import { leaderHttpAddress, type MasterContext, type OfferView } from '../api/context.js';
import { offerResourcesJson } from './offer-resources.js';
import { LeaderAgentOperations } from './operator-agents.js';
import { LeaderReservations } from './operator-reservations.js';
import { RegistryState } from '../registry/state.js';
import type { SchedulerPort } from './scheduler-port.js';
import { DEFAULT_ENGINE_SETTINGS, LeaderSession, type EngineSettings } from './session.js';

export interface EngineOptions {
  clock: Clock;
  logger: Logger;
  settings?: Partial<EngineSettings>;
  /** `pool` (Piscina worker, default) or `inline` (tests running from sources). */
  allocatorMode?: 'pool' | 'inline';
}

export class MasterEngine {
  readonly registry = new RegistryState();
  readonly settings: EngineSettings;
  private context: MasterContext | null = null;
  private session: LeaderSession | null = null;
  private pool: AllocatorPool | null = null;
  private gateway: AgentGateway | null = null;
  private server: Server | null = null;
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.settings = { ...DEFAULT_ENGINE_SETTINGS, ...options.settings };
    this.registry.effectsListener = (effects) => {
      if (this.session?.ready) this.session.handleEffects(effects);
    };
  }

  /** Wires the engine to a started node: context fields, leadership changes. */
  attach(context: MasterContext): void {
    this.context = context;
    context.registry = this.registry;
    context.scheduler = () => this.scheduler();
    context.offers = () => this.offerViews();
    context.allocation = () => (this.session?.ready ? this.session.allocation.stats : null);
    context.reservations = () => (this.session?.ready ? new LeaderReservations(this.session) : null);
    context.agentOperations = () => (this.session?.ready ? new LeaderAgentOperations(this.session) : null);
    this.gateway = new AgentGateway(context, () => this.session);
    context.node.onLeaderChange((soft, term) => {
      if (soft.role === 'leader') this.lead(term);
      else this.follow('leadership lost');
    });
    if (context.node.isLeader) this.lead(context.node.status().term);
  }

  /** Listens for agent connections on the master's HTTP server. */
  attachServer(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  /** The scheduler API while this replica leads and has caught up; null otherwise. */
  scheduler(): SchedulerPort | null {
    return this.session?.ready ? this.session.port : null;
  }

  /** The outstanding offers of the live session (operator views); empty unless leading. */
  offerViews(): OfferView[] {
    const session = this.session?.ready ? this.session : null;
    if (!session) return [];
    return session.offers.all().map((offer) => ({
      id: offer.id,
      frameworkId: offer.frameworkId,
      agentId: offer.agentId,
      resources: offerResourcesJson(offer, this.registry.agent(offer.agentId)),
      createdAtMs: offer.createdAtMs,
    }));
  }

  /** The live session (tests and benches). */
  get leaderSession(): LeaderSession | null {
    return this.session;
  }

  private readonly onUpgrade = (request: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void => {
    this.gateway?.onUpgrade(request, socket, head);
  };

  private lead(term: number): void {
    const context = this.context;
    if (!context || this.stopped) return;
    if (this.session && this.session.term === term && !this.session.isStopped) return;
    this.follow('a newer term began');
    this.pool ??= new AllocatorPool({ mode: this.options.allocatorMode ?? 'pool' });
    const session = new LeaderSession({
      node: context.node,
      registry: this.registry,
      pool: this.pool,
      clock: this.options.clock,
      logger: this.options.logger.child({ component: 'leader', term }),
      settings: this.settings,
      term,
      httpAddress: context.httpAddress,
      version: context.version,
    });
    this.session = session;
    session.start(() => {
      if (this.session === session && session.ready) this.gateway?.announce(session);
    }).then(undefined, (error: Error) => {
      this.options.logger.warn({ err: error, term }, 'leader services did not start');
      if (this.session !== session) return;
      session.stop('leader services did not start');
      this.session = null;
      // Still leading (e.g. the read barrier timed out under load): try again shortly.
      this.options.clock.setTimer(200, () => {
        if (context.node.isLeader && context.node.status().term === term) this.lead(term);
      });
    });
  }

  private follow(reason: string): void {
    const session = this.session;
    if (!session) return;
    this.session = null;
    this.gateway?.retire(session);
    const leader = this.context && !this.context.node.isLeader ? leaderHttpAddress(this.context) : null;
    session.stop(reason, leader);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.follow('master shutting down');
    // The upgrade listener stays until the server closes: the closed gateway answers agents 307
    // to the new leader while the HTTP server drains (main.ts).
    this.gateway?.close();
    await this.pool?.close();
    this.pool = null;
  }
}
