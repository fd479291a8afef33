/**
 * The reference for the Chronos API read benchmark: a bare Fastify hello-world in its own Node
 * process, on the same HTTP stack (Fastify 5, Node's http) as a master replica.
 * Usage: node dist/bench/chronos-api-hello.js <port>
 */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port });
