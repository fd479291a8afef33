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

describe('failover and request shapes over loopback', () => {
  let t: TestServer;
  afterEach(async () => {
    await t.app.close();
  });

  it('a newer SUBSCRIBE of the same framework ends the older stream (ERROR, clean end); only the new stream id is accepted', async () => {
    t = await testServer();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = `127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    t.registry.addFramework('fw-9');
    const first = new V1Framework({ user: 'u', name: 'first' });
    await first.subscribe([address], { frameworkId: 'fw-9' });
    const second = new V1Framework({ user: 'u', name: 'second' });
    await second.subscribe([address], { frameworkId: 'fw-9' });
    await first.waitFor('ERROR', (e) => e.type === 'ERROR');
    expect(await first.ended).toBe('clean');
    expect((await first.call('REVIVE')).status).toBe(400);
    expect((await second.call('REVIVE')).status).toBe(202);
    // The old stream ending did not disconnect the new subscription.
    expect(t.port.subscriptions[1]!.disconnected).toBe(false);
    t.port.subscriptions[1]!.sink.close('done');
    await second.ended;
  });

  it('accepts a chunked request body without Content-Length (naive clients)', async () => {
    t = await testServer();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/scheduler', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      req.on('error', reject);
      req.write('{"type":"SUBSCRIBE","subscribe":{"framework_info":');
      setTimeout(() => req.end('{"user":"u","name":"chunked","role":null}}}'), 20);
    });
    expect(status).toBe(200);
    expect((t.port.subscriptions[0]!.call['subscribe'] as { framework_info: { name: string } }).framework_info.name).toBe('chunked');
    t.port.subscriptions[0]!.sink.close('done');
  });
});
