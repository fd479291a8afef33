/**
 * Followers answer Chronos requests by proxying them to the leader (Chronos' RedirectFilter,
 * spec §1.1): many Chronos clients do not follow redirects, so a 307 is not an answer. Method,
 * path with query, body and content type go to the leader; its status, content type and body
 * come back. Every request is proxied, reads included: a follower cannot serve a linearizable
 * read on its own (ReadIndex runs on the leader), and the run side's live view (stats, state)
 * exists only there.
 *
 * A request already forwarded once is never forwarded again (no loops while leadership moves):
 * a replica that receives one and does not lead answers 503.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnavailableError } from '../../lib/errors.js';
import { leaderHttpAddress, type MasterContext } from '../../master/api/context.js';
import { rawText } from './body.js';

export const FORWARDED_HEADER = 'x-kairos-forwarded-by';

/** How long a request waits for an election to settle before answering 503. */
const LEADER_WAIT_MS = 3_000;
const PROXY_TIMEOUT_MS = 15_000;

async function waitForLeader(context: MasterContext, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (context.node.isLeader) return context.httpAddress;
    const leader = leaderHttpAddress(context);
    if (leader !== null || Date.now() >= deadline) return leader;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * On the leader: false (the route runs here). On a follower: answers the request with the
 * leader's answer and returns true. 503 while no leader is known.
 */
export async function proxyUnlessLeader(context: MasterContext, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (context.node.isLeader) return false;
  if (request.headers[FORWARDED_HEADER] !== undefined) {
    throw new UnavailableError('this replica no longer leads (leadership just changed); retry');
  }
  const leader = await waitForLeader(context, LEADER_WAIT_MS);
  if (context.node.isLeader) return false;
  if (leader === null) throw new UnavailableError('no leader elected yet; retry shortly');
  const method = request.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const headers: Record<string, string> = { [FORWARDED_HEADER]: context.node.id, accept: String(request.headers.accept ?? '*/*') };
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) headers['content-type'] = contentType;
  let response: Response;
  try {
    // Replicas share one scheme: a replica serving HTTPS reaches the leader over HTTPS too.
    response = await fetch(`${request.protocol}://${leader}${request.url}`, {
      method,
      headers,
      ...(hasBody ? { body: rawText(request) } : {}),
      signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
    });
  } catch (error) {
    throw new UnavailableError(`error proxying the request to the leader at ${leader} (maybe the leadership just changed?): ${(error as Error).message}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  void reply.code(response.status);
  const type = response.headers.get('content-type');
  if (type !== null) void reply.type(type);
  await reply.send(body.length > 0 ? body : undefined);
  return true;
}
