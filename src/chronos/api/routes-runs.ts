/**
 * The run side on the Chronos API (spec §1.2 #7, #9, #12–#15) and the Kairos event extension:
 * manual run, mark success, kill, async-task completion, progress, and `POST /events/{event}`.
 * Each asks the ChronosRunner on the leader; without one they answer 503 with a message.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../lib/errors.js';
import { jsonBody } from './body.js';
import { requireJob, requireRunner, stringQuery, type ChronosScope } from './scope.js';

interface NameParams {
  name: string;
}

export function registerRunRoutes(app: FastifyInstance, scope: ChronosScope): void {
  // Manual run. `?arguments=` (non-blank, ';' removed) replaces the job's arguments for this run.
  app.put<{ Params: NameParams; Querystring: Record<string, unknown> }>('/job/:name', async (request, reply) => {
    const { name } = request.params;
    requireJob(scope, name);
    const runner = requireRunner(scope);
    const args = manualArguments(stringQuery(request.query['arguments']));
    await (args === undefined ? runner.runNow(name) : runner.runNow(name, args));
    return reply.code(204).send();
  });

  // 200 with Chronos' text, `false` (still 200) for an unknown job (spec §1.2 #9).
  app.put<{ Params: NameParams }>('/job/success/:name', async (request, reply) => {
    const { name } = request.params;
    const known = scope.deps.jobs.get(name) !== undefined;
    if (known) await requireRunner(scope).markSuccess(name);
    return reply.code(200).type('text/plain').send(`marked job ${name} as successful: ${known}`);
  });

  app.delete<{ Params: NameParams }>('/task/kill/:name', async (request, reply) => {
    const { name } = request.params;
    requireJob(scope, name);
    await requireRunner(scope).killJobTasks(name);
    return reply.code(204).send();
  });

  // Chronos 2.x async jobs report completion here; unknown task ids are ignored (204).
  app.put<{ Params: { taskId: string } }>('/task/:taskId', async (request, reply) => {
    const body = jsonBody(request);
    const statusCode = (body as { statusCode?: unknown } | undefined)?.statusCode;
    if (typeof statusCode !== 'number' || !Number.isInteger(statusCode)) {
      throw new ValidationError('statusCode', 'statusCode: an integer is required ({"statusCode": 0} for success)');
    }
    const runner = requireRunner(scope);
    if (runner.completeAsyncTask !== undefined) await runner.completeAsyncTask(request.params.taskId, statusCode);
    return reply.code(204).send();
  });

  // Chronos 2.x purge of persisted pending tasks. Kairos keeps no such queue outside the run
  // records (which the trigger owns), so there is nothing to purge: 204.
  app.delete('/task/all', async (_request, reply) => reply.code(204).send());

  // Data-processing progress: Chronos counts it in Cassandra only; without one it is a no-op.
  app.post<{ Params: NameParams & { taskId: string } }>('/job/:name/task/:taskId/progress', async (request, reply) => {
    const stored = requireJob(scope, request.params.name);
    if (!stored.job.dataProcessingJobType) throw new ValidationError('dataProcessingJobType', `job '${stored.job.name}' is not a data processing job`);
    const count = (jsonBody(request) as { numAdditionalElementsProcessed?: unknown } | undefined)?.numAdditionalElementsProcessed;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new ValidationError('numAdditionalElementsProcessed', 'numAdditionalElementsProcessed: a non-negative integer is required');
    }
    return reply.code(204).send();
  });

  // Kairos extension: one run of every enabled job waiting on the event; the JSON object payload
  // becomes environment variables of the runs. Answers the run ids.
  app.post<{ Params: { event: string } }>('/events/:event', async (request) => {
    const { event } = request.params;
    if (event.trim() === '') throw new ValidationError('event', 'event: a name is required');
    const payload = eventPayload(jsonBody(request));
    const runs = await requireRunner(scope).fireEvent(event, payload);
    return { event, runIds: runs.map((run) => run.runId) };
  });
}

function manualArguments(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const cleaned = text.replace(/;/g, '').trim();
  return cleaned === '' ? undefined : cleaned.split(/\s+/);
}

/** A flat JSON object; values that are not strings are sent as their JSON text. */
function eventPayload(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('body', 'the event payload must be a JSON object');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ValidationError(`body.${key}`, `payload key '${key}' is not a valid environment variable name`);
    env[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}
