/**
 * The Chronos REST API on a master replica, served identically under `/scheduler` (Chronos 2.x
 * JSON) and `/v1/scheduler` (3.x JSON) — spec §1.7.
 *
 * Every request first goes through one gate: a follower proxies it to the leader and relays the
 * answer (leader-proxy.ts); on the leader, reads wait for a Raft read barrier (ReadIndex) so they
 * are linearizable, then the route runs. Errors answer `{status, message}` (errors.ts), and every
 * response carries `Access-Control-Allow-Origin: *` as Chronos' CorsFilter adds.
 */
import type { FastifyInstance } from 'fastify';
import type { MasterContext } from '../../master/api/context.js';
import type { ChronosVersion } from '../model/index.js';
import { acceptRawBodies } from './body.js';
import type { ChronosApiDeps } from './deps.js';
import { chronosErrorBody, chronosErrorHandler } from './errors.js';
import { proxyUnlessLeader } from './leader-proxy.js';
import { registerJobRoutes } from './routes-jobs.js';
import { registerRunRoutes } from './routes-runs.js';
import { registerStatsRoutes } from './routes-stats.js';

export type { ApiRunner, AsyncTaskCompletion, ChronosApiDeps } from './deps.js';
export { FORWARDED_HEADER } from './leader-proxy.js';

export const CHRONOS_PREFIXES: ReadonlyArray<readonly [string, ChronosVersion]> = [
  ['/scheduler', '2'],
  ['/v1/scheduler', '3'],
];

export function registerChronosApi(app: FastifyInstance, context: MasterContext, deps: ChronosApiDeps): void {
  for (const [prefix, version] of CHRONOS_PREFIXES) {
    void app.register(
      async (scope) => {
        acceptRawBodies(scope);
        scope.setErrorHandler(chronosErrorHandler(context.logger));
        scope.setNotFoundHandler(async (request, reply) =>
          reply.code(404).send(chronosErrorBody(404, `no Chronos endpoint ${request.method} ${request.url}`)),
        );
        scope.addHook('onSend', async (_request, reply, payload) => {
          void reply.header('access-control-allow-origin', '*');
          return payload;
        });
        scope.addHook('preHandler', async (request, reply) => {
          if (await proxyUnlessLeader(context, request, reply)) return reply;
          if (request.method === 'GET' || request.method === 'HEAD') await context.node.readBarrier();
          return undefined;
        });
        const routeScope = { context, deps, version };
        registerJobRoutes(scope, routeScope);
        registerRunRoutes(scope, routeScope);
        registerStatsRoutes(scope, routeScope);
      },
      { prefix },
    );
  }
}
