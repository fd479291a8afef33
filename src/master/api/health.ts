/** Liveness and version, as Mesos answers them: `/health` is 200 with an empty body while up. */
import type { FastifyInstance } from 'fastify';
import type { MasterContext } from './context.js';

export function registerHealthRoutes(app: FastifyInstance, context: MasterContext): void {
  const health = async (): Promise<string> => '';
  app.get('/health', health);
  app.get('/master/health', health);
  app.get('/version', async () => ({ version: context.version, build_time: 0, git_sha: '' }));
}
