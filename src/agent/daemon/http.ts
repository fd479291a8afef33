/**
 * The agent process's HTTP server: the internals' app (`/health`, `/files/*`) plus `/state`
 * (Mesos agent v0 shape) and `/metrics` (Prometheus).
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { buildAgentHttp } from '../http.js';

export interface DaemonHttpOptions {
  sandboxRoot: string;
  state(): Record<string, unknown> | Promise<Record<string, unknown>>;
  metrics: Registry;
}

export function buildDaemonHttp(options: DaemonHttpOptions): FastifyInstance {
  const app = buildAgentHttp({ sandboxRoot: options.sandboxRoot });
  app.get('/state', async () => options.state());
  // Mesos' older name for the same document.
  app.get('/state.json', async () => options.state());
  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.metrics();
    return reply.type(options.metrics.contentType).send(text);
  });
  return app;
}
