/**
 * Read-only views on the Chronos API (spec §1.2 #10, #11, #16–#18): a job's stat, the
 * per-percentile table, the dependency graph as dot and csv, and the leader.
 */
import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../../lib/errors.js';
import { leaderHttpAddress } from '../../master/api/context.js';
import { toDot, toGraphCsv } from '../dag-export.js';
import { requireJob, requireRunner, statsOf, type ChronosScope } from './scope.js';
import { countersOf, histogramJson, isPercentileName, outcomeOf, percentileSeconds, taskStatJson } from './views.js';

export function registerStatsRoutes(app: FastifyInstance, scope: ChronosScope): void {
  const { jobs } = scope.deps;

  app.get<{ Params: { name: string } }>('/job/stat/:name', async (request) => {
    const { name } = request.params;
    requireJob(scope, name);
    const runner = requireRunner(scope);
    return { histogram: histogramJson(runner.stats(name)), taskStatHistory: runner.history(name).map(taskStatJson) };
  });

  // Every job, never-run ones at 0, slowest first; an unknown percentile name gives [].
  app.get<{ Params: { percentile: string } }>('/stats/:percentile', async (request) => {
    const { percentile } = request.params;
    const runner = requireRunner(scope);
    if (!isPercentileName(percentile)) return [];
    const entries = [...jobs.all()].map((stored) => ({ jobNameLabel: stored.job.name, time: percentileSeconds(runner.stats(stored.job.name), percentile) }));
    return entries.sort((a, b) => b.time - a.time);
  });

  app.get('/graph/dot', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(toDot(jobs.graph)));

  app.get('/graph/csv', async (_request, reply) => {
    const csv = toGraphCsv(jobs.graph, (name) => {
      const stored = jobs.get(name);
      const stats = statsOf(scope, name);
      return {
        status: stored === undefined ? 'fresh' : outcomeOf(countersOf(stored.job, stats)),
        state: stats?.state ?? 'idle',
      };
    });
    return reply.type('text/plain; charset=utf-8').send(csv);
  });

  app.get('/leader', async () => {
    const leader = leaderHttpAddress(scope.context);
    if (leader === null) throw new UnavailableError('no leader elected yet');
    return { leader };
  });
}
