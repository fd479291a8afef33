/**
 * Leader redirection, as Mesos does it: followers answer 307 with the leader's address and 503
 * while no leader is known. `/master/redirect` drops the path (to avoid loops); other routes
 * redirect to the leader's same URL so clients that follow redirects (curl -L) just work.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { leaderHttpAddress, type MasterContext } from './context.js';

export function registerRedirectRoutes(app: FastifyInstance, context: MasterContext): void {
  const handler = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const leader = leaderHttpAddress(context);
    if (leader === null) {
      await reply.code(503).type('text/plain').send('No leader elected');
      return;
    }
    await reply.code(307).header('location', `//${leader}`).send();
  };
  app.get('/master/redirect', handler);
  app.get('/redirect', handler);
}

/** How long a request may wait for an election (or a just-restarted replica) to settle. */
const LEADER_WAIT_MS = 2_000;

/**
 * The leader's HTTP address, waiting up to `timeoutMs` while none is known — during an election,
 * or right after this replica restarted — so clients see a short delay instead of a 503.
 */
async function waitForLeaderAddress(context: MasterContext, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leader = leaderHttpAddress(context);
    if (leader !== null || Date.now() >= deadline) return leader;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * For routes only the leader serves: on a follower, answer 307 to the leader's same URL (or 503)
 * and return true; on the leader return false and let the route run.
 */
export async function redirectUnlessLeader(context: MasterContext, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (context.node.isLeader) return false;
  const leader = await waitForLeaderAddress(context, LEADER_WAIT_MS);
  if (context.node.isLeader) return false;
  if (leader === null) {
    await reply.code(503).send({ message: 'no leader is known yet; retry shortly' });
  } else {
    await reply.code(307).header('location', `http://${leader}${request.url}`).send();
  }
  return true;
}
