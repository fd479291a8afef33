/**
 * Graceful stop of a leading replica (mesos-api.md §0 C10): after leadership has been handed
 * over, the HTTP server keeps answering for a short while — followers' routes answer 307 to the
 * new leader, agents' upgrades 307 too — so clients that still talk to this address are sent on
 * instead of seeing connection refused. It closes once no request came in for `quietMs`, and at
 * the latest after `maxMs`.
 */
import type { Server } from 'node:http';

export const DRAIN_MAX_MS = 2_000;
export const DRAIN_QUIET_MS = 300;

export async function drainHttp(server: Server, maxMs = DRAIN_MAX_MS, quietMs = DRAIN_QUIET_MS): Promise<void> {
  let lastRequestMs = Date.now();
  const seen = (): void => {
    lastRequestMs = Date.now();
  };
  server.on('request', seen);
  server.on('upgrade', seen);
  const deadline = Date.now() + maxMs;
  try {
    while (Date.now() < deadline && Date.now() - lastRequestMs < quietMs) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    server.off('request', seen);
    server.off('upgrade', seen);
  }
}

/** Waits (polling) until `ready()` or `timeoutMs` passed; true when it became ready. */
export async function waitUntil(ready: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
