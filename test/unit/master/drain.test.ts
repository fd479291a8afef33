/**
 * A stopping leader keeps its HTTP server answering for a while after the hand-over: drainHttp
 * waits while requests keep coming (up to the maximum) and returns soon after they stop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainHttp } from '../../../src/master/drain.js';

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

describe('drainHttp', () => {
  it('stays open while requests arrive, up to the maximum; returns after a quiet spell', async () => {
    server = createServer((_req, res) => res.writeHead(307, { location: '//leader' }).end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let drained = false;
    const started = performance.now();
    const draining = drainHttp(server, 60_000, 1_500).then(() => {
      drained = true;
    });
    // Requests one after another for 1 s keep it open (quiet window 1.5 s, generous for a loaded
    // machine): the loop runs on the clock's reading, not on sleeps.
    while (performance.now() - started < 1_000) {
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(307);
      expect(drained).toBe(false);
    }
    await draining;
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    // With no requests at all it returns after the quiet window, and never later than the max.
    const quiet = performance.now();
    await drainHttp(server, 60_000, 50);
    await drainHttp(server, 30, 60_000);
    expect(performance.now() - quiet).toBeLessThan(30_000);
  });
});
