/**
 * Operator endpoints over the replicated registry (mesos-api.md §6): the v0 JSON reads
 * (`/master/state` and its spellings, `/master/state-summary`, `/master/frameworks`,
 * `/master/slaves`, `/master/tasks`), `/metrics/snapshot`, the v1 operator API `POST /api/v1`, and
 * reservations (`/master/reserve`, `/master/unreserve`, RESERVE_RESOURCES / UNRESERVE_RESOURCES).
 * Followers answer 307 to the leader for everything but metrics, health and version, which every
 * replica answers about itself.
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { UnavailableError, ValidationError } from '../../../lib/errors.js';
import { leaderHttpAddress, type MasterContext, type OfferView } from '../context.js';
import { redirectUnlessLeader } from '../redirect.js';
import type { RegistryView } from '../../registry/types.js';
import { acceptsJson, mediaType } from '../scheduler/route.js';
import { gate } from '../scheduler/leader-gate.js';
import { allTasks, clusterView, type MasterFacts } from './cluster-view.js';
import { metricsSnapshot } from './metrics-snapshot.js';
import { LOCAL_OPERATOR_CALLS, OPERATOR_CALL_TYPES, SUPPORTED_OPERATOR_CALLS, answerOperatorCall, type SupportedOperatorCall } from './operator-v1.js';
import { answerError, registerReservationRoutes, reservationCall } from './reserve-routes.js';
import { frameworksJson, slavesJson, stateJson, stateSummaryJson, taskJson } from './state-v0.js';
import { emptyAmounts } from '../../registry/resources.js';

const EMPTY_REGISTRY: RegistryView = {
  agent: () => undefined,
  agents: () => [],
  framework: () => undefined,
  frameworks: () => [],
  task: () => undefined,
  tasksOf: () => ({ live: [], completed: [] }),
  allTasksUnordered: () => [],
  usedOnAgent: () => emptyAmounts(),
  tasksOnAgent: () => [],
};

const tasksQuery = z.object({
  limit: z.coerce.number().int().min(0, 'must be ≥ 0').max(100_000, 'must be ≤ 100000').default(100),
  offset: z.coerce.number().int().min(0, 'must be ≥ 0').default(0),
  order: z.enum(['asc', 'des'], { error: "must be 'asc' or 'des'" }).default('des'),
  jsonp: z.string().regex(/^[A-Za-z_$][\w$.]*$/, 'must be a JavaScript identifier').optional(),
});
const jsonpQuery = z.object({ jsonp: tasksQuery.shape.jsonp });

export function registerOperatorRoutes(app: FastifyInstance, context: MasterContext): void {
  const processStartMs = context.startedAtMs ?? Date.now();
  let electedAtMs: number | undefined = context.node.isLeader ? Date.now() : undefined;
  context.node.onLeaderChange((soft) => {
    electedAtMs = soft.role === 'leader' ? Date.now() : undefined;
  });
  const registry = (): RegistryView => context.registry ?? EMPTY_REGISTRY;
  const offers = (): OfferView[] => context.offers?.() ?? [];
  const facts = (): MasterFacts => ({
    id: context.node.id,
    httpAddress: context.httpAddress,
    version: context.version,
    startedAtMs: processStartMs,
    nowMs: Date.now(),
    elected: context.node.isLeader,
    ...(electedAtMs !== undefined ? { electedAtMs } : {}),
    leaderHttpAddress: leaderHttpAddress(context),
  });
  const metrics = (): Record<string, number> => ({ ...metricsSnapshot(clusterView(registry(), offers()), facts()), ...systemMetrics() });

  /** A leader-only JSON read with the `jsonp` option. */
  const leaderRead = (paths: string[], build: () => unknown) => {
    for (const path of paths) {
      app.get(path, async (request, reply) => {
        if (await redirectUnlessLeader(context, request, reply)) return;
        const query = parseQuery(jsonpQuery, request.query);
        return sendJson(reply, build(), query.jsonp);
      });
    }
  };

  registerReservationRoutes(app, context);
  leaderRead(['/master/state', '/state', '/master/state.json', '/state.json'], () => stateJson(clusterView(registry(), offers()), facts()));
  leaderRead(['/master/state-summary', '/state-summary'], () => stateSummaryJson(clusterView(registry(), offers()), facts()));
  leaderRead(['/master/frameworks', '/frameworks', '/master/frameworks.json'], () => frameworksJson(clusterView(registry(), offers())));
  leaderRead(['/master/slaves', '/slaves', '/master/slaves.json'], () => slavesJson(clusterView(registry(), offers())));

  for (const path of ['/master/tasks', '/tasks', '/master/tasks.json', '/tasks.json']) {
    app.get(path, async (request, reply) => {
      if (await redirectUnlessLeader(context, request, reply)) return;
      const query = parseQuery(tasksQuery, request.query);
      const tasks = allTasks(clusterView(registry(), offers())).sort((a, b) => (a.statuses[0]?.timestamp ?? 0) - (b.statuses[0]?.timestamp ?? 0) || a.taskId.localeCompare(b.taskId));
      if (query.order === 'des') tasks.reverse();
      return sendJson(reply, { tasks: tasks.slice(query.offset, query.offset + query.limit).map(taskJson) }, query.jsonp);
    });
  }

  for (const path of ['/metrics/snapshot', '/metrics/snapshot.json']) {
    app.get(path, async (request, reply) => sendJson(reply, metrics(), parseQuery(jsonpQuery, request.query).jsonp));
  }

  // v1 operator API: JSON in and out, Mesos's header checks.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    for (const url of ['/api/v1', '/master/api/v1']) {
      scope.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH', 'POST'], url, handler: (request, reply) => operatorCall(request, reply) });
    }
  });

  /**
   * A v1 call about one agent (`{"<type in lower case>":{"agent_id":{"value"},…}}`) that only the
   * caught-up leader serves: 307 to the leader, 503 while none, 400 without the agent id, then
   * the status `run` resolves with once the change is committed; typed errors as their statuses.
   */
  async function leaderAgentCall(type: string, body: Record<string, unknown>, reply: FastifyReply, run: (agentId: string, payload: Record<string, unknown>) => Promise<number>): Promise<unknown> {
    const decision = await gate(context, false);
    if (decision.kind === 'redirect') return reply.code(307).header('location', `//${decision.leader}/api/v1`).send();
    if (decision.kind === 'unavailable') return text(reply, 503, decision.message);
    const key = type.toLowerCase();
    const payload = typeof body[key] === 'object' && body[key] !== null ? (body[key] as Record<string, unknown>) : {};
    const agentId = (payload['agent_id'] as { value?: unknown } | null | undefined)?.value;
    try {
      if (typeof agentId !== 'string') throw new ValidationError(`${key}.agent_id`, `Expecting '${key}.agent_id' to be present`);
      return reply.code(await run(agentId, payload)).send();
    } catch (error) {
      return answerError(reply, error);
    }
  }

  /** v1 RESERVE_RESOURCES / UNRESERVE_RESOURCES: `{agent_id:{value}, resources:[…]}` → 202 once committed. */
  function reservationV1(type: 'RESERVE_RESOURCES' | 'UNRESERVE_RESOURCES', body: Record<string, unknown>, reply: FastifyReply): Promise<unknown> {
    return leaderAgentCall(type, body, reply, async (agentId, payload) => {
      await reservationCall(context, type === 'RESERVE_RESOURCES' ? 'reserve' : 'unreserve', agentId, payload['resources']);
      return 202;
    });
  }

  /** v1 MARK_AGENT_GONE: `{mark_agent_gone:{agent_id:{value}}}` → 200 once committed (Mesos 1.5+). */
  function markAgentGone(body: Record<string, unknown>, reply: FastifyReply): Promise<unknown> {
    return leaderAgentCall('MARK_AGENT_GONE', body, reply, async (agentId) => {
      if (agentId === '') throw new ValidationError('mark_agent_gone.agent_id', "Expecting 'mark_agent_gone.agent_id' to be present");
      const port = context.agentOperations?.() ?? null;
      if (!port) throw new UnavailableError('Master has not finished recovery');
      await port.markGone(agentId);
      return 200;
    });
  }

  async function operatorCall(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (request.method !== 'POST') return reply.code(405).header('allow', 'POST').send();
    const contentType = mediaType(request.headers['content-type']);
    if (contentType === null) return text(reply, 400, "Expecting 'Content-Type' to be present");
    if (contentType !== 'application/json') return text(reply, 415, "Expecting 'Content-Type' of application/json (Kairos does not decode application/x-protobuf)");
    if (!acceptsJson(request.headers.accept)) return text(reply, 406, "Expecting 'Accept' to allow 'application/json'");
    let body: unknown;
    try {
      body = JSON.parse(typeof request.body === 'string' ? request.body : '');
    } catch (error) {
      return text(reply, 400, `Failed to parse body into JSON: ${(error as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return text(reply, 400, 'Failed to convert JSON into Call protobuf: Expecting a JSON object');
    const type = (body as { type?: unknown }).type;
    if (type === undefined || type === null) return text(reply, 400, "Failed to validate master::Call: Expecting 'type' to be present");
    if (typeof type !== 'string') return text(reply, 400, "Failed to convert JSON into Call protobuf: Expecting a string (enum name) for field 'type'");
    if (!(OPERATOR_CALL_TYPES as readonly string[]).includes(type)) return text(reply, 400, `Failed to convert JSON into Call protobuf: Failed to find enum for '${type}' (field 'type')`);
    if (type === 'RESERVE_RESOURCES' || type === 'UNRESERVE_RESOURCES') return reservationV1(type, body as Record<string, unknown>, reply);
    if (type === 'MARK_AGENT_GONE') return markAgentGone(body as Record<string, unknown>, reply);
    if (!(SUPPORTED_OPERATOR_CALLS as readonly string[]).includes(type)) {
      return text(reply, 501, `${type} is not implemented by Kairos; supported: ${SUPPORTED_OPERATOR_CALLS.join(', ')}`);
    }
    if (!LOCAL_OPERATOR_CALLS.has(type)) {
      const decision = await gate(context, false);
      if (decision.kind === 'redirect') return reply.code(307).header('location', `//${decision.leader}/api/v1`).send();
      if (decision.kind === 'unavailable') return text(reply, 503, decision.message);
    }
    const answer = answerOperatorCall(type as SupportedOperatorCall, () => clusterView(registry(), offers()), facts(), metrics);
    return reply.code(200).type('application/json').send(answer);
  }
}

function systemMetrics(): Record<string, number> {
  const [load1, load5, load15] = loadavg();
  return {
    'system/cpus_total': cpus().length,
    'system/load_1min': load1!,
    'system/load_5min': load5!,
    'system/load_15min': load15!,
    'system/mem_total_bytes': totalmem(),
    'system/mem_free_bytes': freemem(),
  };
}

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || 'query';
  throw new ValidationError(field, `${field}: ${issue.message}`);
}

async function sendJson(reply: FastifyReply, body: unknown, jsonp: string | undefined): Promise<FastifyReply> {
  if (jsonp !== undefined) return reply.type('text/javascript').send(`${jsonp}(${JSON.stringify(body)});`);
  return reply.type('application/json').send(JSON.stringify(body));
}

function text(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(message);
}
