/**
 * Raft endpoints: `/raft/status` (this replica's view) and the replicated key-value store used by
 * tests and benchmarks. Writes answer 204 once applied on the leader; reads are linearizable via
 * ReadIndex. Keys ≤ 1 KiB, values ≤ 1 MiB; over either → 413 and nothing is written. Typed
 * errors (not leader any more, timeout…) propagate to the server's one error mapping.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { KV_MAX_KEY_BYTES, KV_MAX_VALUE_BYTES } from '../state/commands.js';
import { encodeCommand } from '../state/machine.js';
import type { MasterContext } from './context.js';
import { redirectUnlessLeader } from './redirect.js';

interface KeyParams {
  key: string;
}

export function registerRaftRoutes(app: FastifyInstance, context: MasterContext): void {
  app.get('/raft/status', async () => {
    const status = context.node.status();
    return {
      id: status.id,
      role: status.role,
      term: status.term,
      leader: status.leader,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
      lastIndex: status.lastIndex,
      voters: status.conf.voters,
      learners: status.conf.learners,
      peers: status.peers,
      members: context.state.members.all(),
    };
  });

  // Raw bodies for the KV routes only: whatever the content type, the value is the bytes sent.
  void app.register(async (kv) => {
    kv.removeAllContentTypeParsers();
    kv.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: KV_MAX_VALUE_BYTES }, (_request, body, done) => done(null, body));
    kv.setErrorHandler(async (error: { statusCode?: number; message: string }, _request, reply) => {
      if (error.statusCode === 413) {
        return reply.code(413).send({ message: `value exceeds the limit of ${KV_MAX_VALUE_BYTES} bytes; nothing was written` });
      }
      throw error;
    });

    kv.put<{ Params: KeyParams }>('/raft/kv/:key', async (request, reply) => {
      if (await redirectUnlessLeader(context, request, reply)) return;
      const key = request.params.key;
      if (!checkKey(key, reply)) return;
      const body = request.body;
      const value = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      await context.node.propose(encodeCommand({ t: 'kv.put', key, value }));
      return reply.code(204).send();
    });

    kv.delete<{ Params: KeyParams }>('/raft/kv/:key', async (request, reply) => {
      if (await redirectUnlessLeader(context, request, reply)) return;
      const key = request.params.key;
      if (!checkKey(key, reply)) return;
      await context.node.propose(encodeCommand({ t: 'kv.delete', key }));
      return reply.code(204).send();
    });

    kv.get<{ Params: KeyParams }>('/raft/kv/:key', async (request, reply) => {
      if (await redirectUnlessLeader(context, request, reply)) return;
      const key = request.params.key;
      if (!checkKey(key, reply)) return;
      await context.node.readBarrier();
      const value = context.state.kv.get(key);
      if (value === undefined) return reply.code(404).send({ message: `no such key: ${key}` });
      return reply.type('application/octet-stream').send(Buffer.from(value));
    });
  });
}

function checkKey(key: string, reply: FastifyReply): boolean {
  if (Buffer.byteLength(key) <= KV_MAX_KEY_BYTES) return true;
  void reply.code(413).send({ message: `key exceeds the limit of ${KV_MAX_KEY_BYTES} bytes; nothing was written` });
  return false;
}
