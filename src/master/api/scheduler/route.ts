/**
 * `POST /api/v1/scheduler` (also `/master/api/v1/scheduler`): the Mesos v1 scheduler HTTP API
 * over the leader's SchedulerPort, with Mesos's order of checks and its status codes and texts
 * (mesos-api.md §2.1): leader → method → Content-Type → JSON → Call → validation → SUBSCRIBE
 * headers / framework and stream id → the port. Error bodies are plain text, as Mesos sends them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SystemClock } from '../../../lib/clock.js';
import { KairosError, httpStatusOf } from '../../../lib/errors.js';
import { TurnBudget } from '../../../lib/turn-budget.js';
import type { SchedulerPort, Subscription, V1Call } from '../../leader/scheduler-port.js';
import type { MasterContext } from '../context.js';
import { decodeCall } from './decode.js';
import { HttpEventStream } from './event-stream.js';
import { gate } from './leader-gate.js';
import { StreamRegistry } from './streams.js';

export const SCHEDULER_PATHS = ['/api/v1/scheduler', '/master/api/v1/scheduler'] as const;
const STREAM_ID_HEADER = 'mesos-stream-id';

export interface SchedulerRouteOptions {
  /** Bytes queued for one slow subscriber before it is dropped (default 16 MiB). */
  maxBufferedBytes?: number;
  /** How long a request waits for a leader before 503 (default 2 s). */
  leaderWaitMs?: number;
  /** Handling time given to calls per event-loop turn before the rest wait a turn (default 10 ms). */
  turnBudgetMs?: number;
}

/** The port the onRequest gate chose for a request. */
const portOf = new WeakMap<FastifyRequest, SchedulerPort>();

export function registerSchedulerRoutes(app: FastifyInstance, context: MasterContext, options: SchedulerRouteOptions = {}): void {
  const streams = new StreamRegistry();
  // Calls are handled a budget's worth per event-loop turn: a burst of thousands of ACCEPTs
  // must not hold the loop for seconds (the Raft heartbeats of this leader run on it too).
  const admission = new TurnBudget(new SystemClock(), options.turnBudgetMs ?? 10);

  void app.register(async (scope) => {
    // Our own Content-Type rules (415/400 texts), so take every body as a string.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    // Runs before the body is parsed: leader, method and Content-Type come first in Mesos.
    scope.addHook('onRequest', async (request, reply) => {
      const decision = await gate(context, true, options.leaderWaitMs);
      if (decision.kind === 'redirect') return reply.code(307).header('location', `//${decision.leader}/api/v1/scheduler`).send();
      if (decision.kind === 'unavailable') return text(reply, 503, decision.message);
      if (request.method !== 'POST') return reply.code(405).header('allow', 'POST').send();
      const contentType = mediaType(request.headers['content-type']);
      if (contentType === null) return text(reply, 400, "Expecting 'Content-Type' to be present");
      if (contentType === 'application/x-protobuf') return text(reply, 415, "Expecting 'Content-Type' of application/json (Kairos does not decode application/x-protobuf)");
      if (contentType !== 'application/json') return text(reply, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
      portOf.set(request, decision.port!);
    });

    for (const url of SCHEDULER_PATHS) {
      scope.route({ method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST'], url, handler: (request, reply) => handle(request, reply) });
    }
  });

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    await admission.admit();
    const port = portOf.get(request)!;
    const body = typeof request.body === 'string' ? request.body : '';
    const decoded = decodeCall(body);
    if (!decoded.ok) return text(reply, 400, decoded.message);
    const call = decoded.call;
    const streamHeader = request.headers[STREAM_ID_HEADER];
    const presentedStreamId = typeof streamHeader === 'string' ? streamHeader : null;

    if (call.type === 'SUBSCRIBE') {
      if (!acceptsJson(request.headers.accept)) return text(reply, 406, "Expecting 'Accept' to allow 'application/json' (Kairos streams JSON only)");
      if (presentedStreamId !== null) return text(reply, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      return subscribe(port, call, reply);
    }

    const frameworkId = call.framework_id!.value;
    const framework = context.registry?.framework(frameworkId);
    if (context.registry && (!framework || framework.machine.value === 'tornDown')) return text(reply, 400, 'Framework cannot be found');
    if (framework?.internal) return text(reply, 403, 'Framework is not connected via HTTP');
    const current = streams.streamOf(frameworkId);
    if (current === undefined) return text(reply, 403, 'Framework is not subscribed');
    if (presentedStreamId === null) return text(reply, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (presentedStreamId !== current) {
      return text(reply, 400, `The stream ID '${presentedStreamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`);
    }
    if (call.type === 'UNKNOWN') return reply.code(501).send();
    try {
      // An HTTP client gets its 202 once the call is accepted, not after Raft has recorded an
      // ACCEPT's launches (a commit backlog must not turn into 5xx answers and lost tasks).
      await port.call(call, presentedStreamId, { recordInBackground: true });
    } catch (error) {
      return failure(reply, error);
    }
    return reply.code(call.type === 'UPDATE_FRAMEWORK' ? 200 : 202).send();
  }

  async function subscribe(port: SchedulerPort, call: V1Call, reply: FastifyReply): Promise<void> {
    let subscription: Subscription | null = null;
    let clientGone = false;
    const stream = new HttpEventStream(reply.raw, {
      ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
      onOverflow: () => {
        context.logger.warn({ frameworkId: subscription?.frameworkId }, 'dropping a subscriber that reads too slowly');
        end();
      },
      onClientGone: () => end(),
      onPortClosed: () => {
        if (subscription) streams.forget(subscription.frameworkId, subscription.streamId);
      },
    });
    function end(): void {
      clientGone = true;
      if (!subscription) return;
      streams.forget(subscription.frameworkId, subscription.streamId);
      subscription.disconnect();
    }

    try {
      subscription = await port.subscribe(call, stream);
    } catch (error) {
      // Refusals the port reported in-stream (ERROR event) are 200 + ERROR + end, as in Mesos.
      if (stream.hasPendingEvents && !clientGone) {
        reply.hijack();
        stream.close(error instanceof Error ? error.message : String(error));
        stream.open(null);
        return;
      }
      await failure(reply, error);
      return;
    }
    reply.hijack();
    if (clientGone) {
      subscription.disconnect();
      return;
    }
    if (!stream.ended) streams.remember(subscription.frameworkId, subscription.streamId);
    stream.open(subscription.streamId);
  }

  async function failure(reply: FastifyReply, error: unknown): Promise<unknown> {
    if (error instanceof KairosError) {
      if (error.code === 'not_leader' || error.code === 'leadership_lost') {
        const decision = await gate(context, true, options.leaderWaitMs);
        if (decision.kind === 'redirect') return reply.code(307).header('location', `//${decision.leader}/api/v1/scheduler`).send();
        return text(reply, 503, decision.kind === 'unavailable' ? decision.message : 'No leader elected');
      }
      const status = error.code === 'not_found' ? 400 : httpStatusOf(error.code);
      return text(reply, status, error.message);
    }
    context.logger.error({ err: error }, 'scheduler call failed');
    return text(reply, 500, error instanceof Error ? error.message : String(error));
  }
}

function text(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(message);
}

/** `application/json; charset=utf-8` → `application/json`; null when absent or empty. */
export function mediaType(header: string | undefined): string | null {
  if (header === undefined) return null;
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === '' ? null : type;
}

/** True when an Accept header (absent = anything) allows application/json. */
export function acceptsJson(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  return header.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const rejected = params.some((p) => /^q=0(\.0*)?$/.test(p.replace(/\s/g, '')));
    return !rejected && (type === 'application/json' || type === 'application/*' || type === '*/*');
  });
}
