/**
 * HTTP wiring of a master replica: one Fastify instance (optionally HTTPS) with every route
 * group registered on it, body limits, and typed errors mapped to statuses.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { KairosError, httpStatusOf } from '../lib/errors.js';
import { httpsOptionsFor, type TlsConfig } from '../lib/net.js';
import type { MasterContext } from './api/context.js';
import { registerHealthRoutes } from './api/health.js';
import { registerMembershipRoutes } from './api/members.js';
import { registerMetricsRoutes } from './api/metrics.js';
import type { TransportStats } from '../raft/transport/tcp-transport.js';
import { registerRaftRoutes } from './api/raft.js';
import { registerRedirectRoutes } from './api/redirect.js';
import { registerChronosRoutes, type ChronosApiDeps } from '../chronos/install.js';
import { registerSchedulerRoutes } from './api/scheduler/route.js';
import { registerOperatorRoutes } from './api/operator/routes.js';

/** A server that is already listening (see src/cli/early-http.ts) for Fastify to take over. */
export interface PreboundServer {
  server: import('node:http').Server;
  attach(handler: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void): void;
}

export interface ServerOptions {
  /** Transport counters for /metrics (absent in tests that build the server without one). */
  transportStats?: (() => TransportStats) | null;
  prebound?: PreboundServer | null;
  /** Serve HTTPS with this material (built through the one TLS factory in src/lib/net.ts). */
  https?: TlsConfig | null;
  /** The Chronos REST API's deps (see src/chronos/install.ts); absent = no Chronos routes. */
  chronos?: ChronosApiDeps | null;
}

/** Idle keep-alive connections live this long: clients' connection pools (a scheduler's calls)
 * reuse them instead of reconnecting, and a reuse racing the server's close is rare. */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

export async function buildMasterServer(context: MasterContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  let preboundHandler: Parameters<PreboundServer['attach']>[0] | null = null;
  const prebound = options.prebound ?? null;
  const app = Fastify({
    ...(prebound
      ? {
          serverFactory: (handler: Parameters<PreboundServer['attach']>[0]) => {
            preboundHandler = handler;
            // Fastify applies its timeouts only to servers it creates; this one Node made with
            // a 5 s keep-alive, which closed a busy scheduler's idle call connections under it.
            prebound.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
            return prebound.server;
          },
        }
      : {}),
    logger: false,
    bodyLimit: 4 * 1024 * 1024,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Long enough that our own limits (e.g. KV keys ≤ 1 KiB → 413) decide, not the router (414).
    routerOptions: { maxParamLength: 4096 },
    ...(options.https ? { https: httpsOptionsFor(options.https) } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof KairosError) {
      return reply.code(httpStatusOf(error.code)).send({ message: error.message, code: error.code, ...error.details });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) context.logger.error({ err: error, url: request.url }, 'request failed');
    return reply.code(status).send({ message: error.message });
  });
  registerHealthRoutes(app, context);
  registerRedirectRoutes(app, context);
  registerRaftRoutes(app, context);
  registerMembershipRoutes(app, context);
  registerMetricsRoutes(app, context, options.transportStats ?? null);
  if (options.chronos) registerChronosRoutes(app, context, options.chronos);
  registerSchedulerRoutes(app, context);
  registerOperatorRoutes(app, context);
  if (prebound) {
    // Held requests are replayed only once every route is registered.
    await app.ready();
    prebound.attach(preboundHandler!);
  }
  return app;
}
