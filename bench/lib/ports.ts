/**
 * Free TCP ports on loopback. A port is "free" if we could bind it a moment ago; the caller must
 * use it promptly (another process may take it in between — a bench then fails loudly at start).
 */
import { createServer } from 'node:net';

/** Resolves true if 127.0.0.1:port can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolvePromise(true));
    });
  });
}

/** One port chosen by the kernel from the ephemeral range. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

/**
 * `count` distinct free ports inside [low, high], scanning from a start that varies per call so
 * two benches started together rarely race for the same ports.
 */
export async function freePortsInRange(count: number, low: number, high: number): Promise<number[]> {
  const span = high - low + 1;
  const start = (process.pid * 37 + Math.floor(performance.now())) % span;
  const found: number[] = [];
  for (let step = 0; step < span && found.length < count; step++) {
    const port = low + ((start + step) % span);
    if (await isPortFree(port)) found.push(port);
  }
  if (found.length < count) throw new Error(`bench: only ${found.length} of ${count} free ports in ${low}-${high}`);
  return found;
}
