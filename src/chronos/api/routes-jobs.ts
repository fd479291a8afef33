/**
 * Job definitions on the Chronos API (spec §1.2 #1–#6, #8): create/replace through `/iso8601`
 * and `/dependency` (POST, and PUT as 2.x allowed), list, search, summary, one job, delete.
 * Writes validate before proposing (a 400 stores nothing) and answer 204 with an empty body
 * once the command is applied on the leader.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../lib/errors.js';
import type { SubmitKind } from '../model/index.js';
import { jobDelete, jobPut } from '../state/jobs-commands.js';
import { jsonObjectBody } from './body.js';
import { intQuery, nowOf, proposeJobCommand, requireJob, statsOf, stringQuery, type ChronosScope } from './scope.js';
import { jobJson, summaryJson } from './views.js';

interface NameParams {
  name: string;
}

type Query = Record<string, unknown>;

export function registerJobRoutes(app: FastifyInstance, scope: ChronosScope): void {
  const { jobs } = scope.deps;

  const upsert = (kind: SubmitKind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const input = jsonObjectBody(request);
    const nowMs = nowOf(scope);
    const validation = jobs.validate(input, kind, nowMs);
    if (!validation.ok) throw new ValidationError('job', validation.message);
    await proposeJobCommand(scope, jobPut(input, kind, nowMs));
    return reply.code(204).send();
  };
  for (const [path, kind] of [['/iso8601', 'scheduled'], ['/dependency', 'dependent']] as const) {
    app.post(path, upsert(kind));
    app.put(path, upsert(kind));
  }

  // GET /jobs: every job (spec #3). Filters are a Kairos convenience: ?name= / ?command= / ?any=
  // as in /jobs/search, and limit/offset, all optional (no limit by default).
  app.get<{ Querystring: Query }>('/jobs', async (request) => {
    const query = request.query;
    const filtered = ['name', 'command', 'any', 'limit', 'offset'].some((key) => query[key] !== undefined);
    const selected = filtered ? search(scope, query, Number.MAX_SAFE_INTEGER) : [...jobs.all()];
    return selected.map((stored) => jobJson(stored.job, scope.version, statsOf(scope, stored.job.name)));
  });

  app.get<{ Querystring: Query }>('/jobs/search', async (request) =>
    search(scope, request.query, 10).map((stored) => jobJson(stored.job, scope.version, statsOf(scope, stored.job.name), false)),
  );

  app.get('/jobs/summary', async () => ({
    jobs: [...jobs.all()].map((stored) => summaryJson(stored.job, statsOf(scope, stored.job.name))),
  }));

  app.get<{ Params: NameParams }>('/job/:name', async (request) => {
    const stored = requireJob(scope, request.params.name);
    return jobJson(stored.job, scope.version, statsOf(scope, stored.job.name));
  });

  app.delete<{ Params: NameParams }>('/job/:name', async (request, reply) => {
    const { name } = request.params;
    requireJob(scope, name);
    const runner = scope.deps.runner();
    if (runner !== null) {
      // Chronos kills the job's tasks on delete; a kill that fails must not keep the job alive.
      await runner.killJobTasks(name).catch((error: Error) => scope.context.logger.warn({ err: error, job: name }, 'could not kill the tasks of a deleted job'));
    }
    await proposeJobCommand(scope, jobDelete(name, nowOf(scope)));
    return reply.code(204).send();
  });
}

function search(scope: ChronosScope, query: Query, defaultLimit: number) {
  const name = stringQuery(query['name']);
  const command = stringQuery(query['command']);
  const any = stringQuery(query['any']);
  return scope.deps.jobs.search({
    ...(name !== undefined ? { name } : {}),
    ...(command !== undefined ? { command } : {}),
    ...(any !== undefined ? { any } : {}),
    limit: intQuery(stringQuery(query['limit']), 'limit', defaultLimit),
    offset: intQuery(stringQuery(query['offset']), 'offset', 0),
  });
}
