/**
 * Membership changes over HTTP (leader only; followers redirect), one server at a time
 * (Raft thesis §4.1):
 *   POST   /raft/members            {"id","raftAddress"}  add as a learner (receives the log, no vote)
 *   POST   /raft/members/:id/promote                      learner → voter, once it has caught up
 *   DELETE /raft/members/:id                              remove a learner or voter
 * The new replica is started with `kairos master --join`. Answers 200 with the new configuration.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import * as z from 'zod';
import { UnavailableError, ValidationError } from '../../lib/errors.js';
import { encodeCommand } from '../state/machine.js';
import type { MasterContext } from './context.js';
import { redirectUnlessLeader } from './redirect.js';

const addBody = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -'),
  raftAddress: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port'),
});

/** How far behind the leader a learner may be and still be promoted. */
const PROMOTE_MAX_LAG_ENTRIES = 1000;

export function registerMembershipRoutes(app: FastifyInstance, context: MasterContext): void {
  const { node } = context;

  app.post('/raft/members', async (request, reply) => {
    if (await redirectUnlessLeader(context, request, reply)) return;
    const parsed = addBody.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.code(400).send({ message: `${issue.path.join('.') || 'body'}: ${issue.message}` });
    }
    const { id, raftAddress } = parsed.data;
    const conf = node.status().conf;
    if (conf.voters.includes(id) || conf.learners.includes(id)) return reply.code(409).send({ message: `${id} is already a member` });
    await change(reply, async () => {
      await node.propose(encodeCommand({ t: 'member.add', id, raftAddress }));
      await node.changeMembership({ type: 'addLearner', nodeId: id });
    });
  });

  app.post<{ Params: { id: string } }>('/raft/members/:id/promote', async (request, reply) => {
    if (await redirectUnlessLeader(context, request, reply)) return;
    const { id } = request.params;
    const status = node.status();
    if (!status.conf.learners.includes(id)) return reply.code(404).send({ message: `${id} is not a learner` });
    const progress = status.peers.find((p) => p.id === id);
    const lag = status.lastIndex - (progress?.matchIndex ?? 0);
    if (lag > PROMOTE_MAX_LAG_ENTRIES) {
      return reply.code(409).send({ message: `${id} is ${lag} entries behind; promote it once it has caught up` });
    }
    await change(reply, async () => {
      await node.changeMembership({ type: 'addVoter', nodeId: id });
    });
  });

  app.delete<{ Params: { id: string } }>('/raft/members/:id', async (request, reply) => {
    if (await redirectUnlessLeader(context, request, reply)) return;
    const { id } = request.params;
    const conf = node.status().conf;
    if (!conf.voters.includes(id) && !conf.learners.includes(id)) return reply.code(404).send({ message: `${id} is not a member` });
    if (conf.voters.length === 1 && conf.voters[0] === id) return reply.code(409).send({ message: 'cannot remove the last voter' });
    await change(reply, async () => {
      await node.changeMembership({ type: 'removeNode', nodeId: id });
      // The removed replica's address is forgotten only once it no longer belongs to the log.
      if (node.isLeader) await node.propose(encodeCommand({ t: 'member.forget', id }));
    });
  });

  async function change(reply: FastifyReply, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      const conf = node.status().conf;
      await reply.code(200).send({ voters: conf.voters, learners: conf.learners });
    } catch (error) {
      if (error instanceof UnavailableError && (error.details as { reason?: string }).reason === 'confChangePending') {
        await reply.code(409).send({ message: 'another membership change is in progress; retry when it has been applied' });
        return;
      }
      if (error instanceof UnavailableError && (error.details as { reason?: string }).reason === 'invalidConfChange') {
        throw new ValidationError('id', 'that membership change is not allowed (it would change nothing or leave no voters)');
      }
      throw error;
    }
  }
}
