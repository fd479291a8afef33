/**
 * The event stream over real loopback HTTP: a client reads chunked RecordIO through Fastify,
 * calls with its stream id, and the two ways a stream ends (client gone → disconnect(); port
 * closes the sink → clean end). A reader that stops reading is cut off at the buffer cap.
 */
import { createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpEventStream } from '../../../../src/master/api/scheduler/event-stream.js';
import { V1Framework } from '../../../helpers/v1-framework.js';
import { testServer, type TestServer } from '../api-support/fakes.js';

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('streaming through Fastify', () => {
  let t: TestServer;
  let address = '';
  afterEach(async () => {
    await t.app.close();
  });

  async function start(): Promise<void> {
    t = await testServer();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const bound = t.app.server.address() as { port: number };
    address = `127.0.0.1:${bound.port}`;
  }

  it('delivers events as they are sent, accepts calls with the stream id, ends cleanly when the port closes', async () => {
    await start();
    const framework = new V1Framework({ user: 'u', name: 'stream test' });
    await framework.subscribe([address]);
    expect(framework.streamId).toBe('stream-1');
    const record = t.port.subscriptions[0]!;
    t.registry.addFramework(record.subscription.frameworkId);
    await framework.waitFor('HEARTBEAT', (e) => e.type === 'HEARTBEAT');

    record.sink.send({ type: 'OFFERS', offers: { offers: [{ id: { value: 'o1' } }] } });
    await framework.waitFor('OFFERS', (e) => e.type === 'OFFERS');
    const answer = await framework.call('REVIVE');
    expect(answer.status).toBe(202);
    expect(t.port.calls[0]!.streamId).toBe('stream-1');

    record.sink.close('leadership lost');
    expect(await framework.ended).toBe('clean');
    expect(record.disconnected).toBe(false);
  });

  it('a client that goes away disconnects its subscription', async () => {
    await start();
    const framework = new V1Framework({ user: 'u', name: 'leaver' });
    await framework.subscribe([address]);
    framework.close();
    await waitUntil(() => t.port.subscriptions[0]!.disconnected, 'disconnect()');
  });
});

describe('slow readers', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = null;
  });

  it('a reader that stops reading is dropped once its buffer passes the cap', async () => {
    const cap = 256 * 1024;
    let overflowed = false;
    let stream: HttpEventStream | null = null;
    server = createServer((_req, res) => {
      stream = new HttpEventStream(res, { maxBufferedBytes: cap, onOverflow: () => (overflowed = true) });
      stream.open('s');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    // The client reads the head and then nothing: its socket and ours fill up.
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => res.pause());
    req.on('error', () => undefined);
    req.end();
    await waitUntil(() => stream !== null, 'the stream');
    const filler = 'x'.repeat(4096);
    let maxBuffered = 0;
    for (let i = 0; i < 100_000 && !overflowed; i++) {
      stream!.send({ type: 'MESSAGE', message: { data: filler } });
      maxBuffered = Math.max(maxBuffered, (stream as unknown as { response: { writableLength: number } }).response.writableLength);
      if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(overflowed).toBe(true);
    expect(stream!.ended).toBe(true);
    expect(maxBuffered).toBeLessThan(cap + 8192);
    req.destroy();
  });
});
