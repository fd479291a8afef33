/**
 * Goal: the closed-loop load generator keeps exactly `concurrency` operations in flight, counts
 * successes and errors separately, and measures latency truthfully. Method: a fake operation
 * that records the in-flight high-water mark, and a real node:http server on loopback that
 * delays each answer by a known amount and fails every third request.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runClosedLoop, runHttpClosedLoop } from '../lib/load.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolvePromise) => (server === null ? resolvePromise() : server.close(() => resolvePromise())));
  server = null;
});

describe('runClosedLoop', () => {
  it('keeps exactly `concurrency` operations in flight', async () => {
    let inFlight = 0;
    let highWater = 0;
    const result = await runClosedLoop(
      async () => {
        inFlight++;
        highWater = Math.max(highWater, inFlight);
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 2));
        inFlight--;
        return null;
      },
      { concurrency: 25, durationMs: 300, warmupMs: 50, requestTimeoutMs: 1000 },
    );
    expect(highWater).toBe(25);
    expect(result.errors).toBe(0);
    expect(result.successes).toBeGreaterThan(100);
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(1.5);
  });
});

describe('runHttpClosedLoop', () => {
  it('counts successes and errors and measures the server delay', async () => {
    let served = 0;
    server = createServer((_request, response) => {
      const failing = ++served % 3 === 0;
      setTimeout(() => response.writeHead(failing ? 500 : 204).end(), 5);
    });
    await new Promise<void>((resolvePromise) => server?.listen(0, '127.0.0.1', resolvePromise));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const result = await runHttpClosedLoop(
      { host: '127.0.0.1', port, method: 'PUT', headers: {}, next: () => ({ path: '/x', body: 'v' }), isSuccess: (status) => status === 204 },
      { concurrency: 4, durationMs: 500, warmupMs: 100, requestTimeoutMs: 1000 },
    );
    expect(result.successes).toBeGreaterThan(20);
    expect(result.errors).toBeGreaterThan(5);
    // Every third request fails: errors are about half the successes (window edges blur it).
    expect(result.errors / result.successes).toBeGreaterThan(0.3);
    expect(result.errors / result.successes).toBeLessThan(0.7);
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(4.5);
    expect(result.errorExamples[0]).toContain('HTTP 500');
  });
});
