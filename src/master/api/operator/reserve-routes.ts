/**
 * Operator reservations over HTTP (mesos-api.md §6): `POST /master/reserve` and
 * `POST /master/unreserve` (and the root spellings) take a form body `slaveId=<id>&resources=<JSON
 * array of Mesos Resources, each with its role>` and answer 202 once the change is committed,
 * 400 for a bad request (the field named), 409 when the resources are not available, 307 to the
 * leader on a follower. The v1 calls RESERVE_RESOURCES / UNRESERVE_RESOURCES share `reservationCall`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KairosError, UnavailableError, ValidationError, httpStatusOf } from '../../../lib/errors.js';
import type { MasterContext } from '../context.js';
import { redirectUnlessLeader } from '../redirect.js';

type Kind = 'reserve' | 'unreserve';

export function registerReservationRoutes(app: FastifyInstance, context: MasterContext): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    for (const kind of ['reserve', 'unreserve'] as const) {
      for (const url of [`/master/${kind}`, `/${kind}`]) scope.post(url, (request, reply) => formCall(kind, request, reply));
    }
  });

  async function formCall(kind: Kind, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (await redirectUnlessLeader(context, request, reply)) return reply;
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const slaveId = form.get('slaveId');
    const text = form.get('resources');
    try {
      if (!slaveId) throw new ValidationError('slaveId', "Missing 'slaveId' query parameter in the request body");
      if (text === null) throw new ValidationError('resources', "Missing 'resources' query parameter in the request body");
      let resources: unknown;
      try {
        resources = JSON.parse(text);
      } catch (error) {
        throw new ValidationError('resources', `Error in parsing 'resources' query parameter: ${(error as Error).message}`);
      }
      await reservationCall(context, kind, slaveId, resources);
      return reply.code(202).send();
    } catch (error) {
      return answerError(reply, error);
    }
  }
}

/** Reserves or unreserves on the leader; throws typed errors (400 / 409 / 503). */
export async function reservationCall(context: MasterContext, kind: Kind, agentId: string, resources: unknown): Promise<void> {
  if (!Array.isArray(resources)) throw new ValidationError('resources', "'resources' must be a JSON array of Mesos Resource objects");
  const port = context.reservations?.() ?? null;
  if (!port) throw new UnavailableError('Master has not finished recovery');
  if (kind === 'reserve') await port.reserve(agentId, resources);
  else await port.unreserve(agentId, resources);
}

/** Mesos answers these endpoints in plain text. */
export function answerError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof KairosError) return reply.code(httpStatusOf(error.code)).type('text/plain; charset=utf-8').send(error.message);
  throw error;
}
