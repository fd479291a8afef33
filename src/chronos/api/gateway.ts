/**
 * The Chronos port of `kairos dev` (4400, Chronos' usual port): a small HTTP proxy in front of the
 * master replicas. It forwards each request (method, path, body, content type) to the replica
 * believed to lead — any replica would do, followers proxy to the leader themselves — and tries
 * the next replica when one does not answer, so the port keeps working while a replica is down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ChronosGateway {
  readonly server: Server;
  close(): Promise<void>;
}

export interface GatewayOptions {
  host: string;
  port: number;
  /** Replica HTTP addresses (host:port), the most likely leader first. */
  targets: () => readonly string[];
  timeoutMs?: number;
}

/** Hop-by-hop and length headers are the proxy's own business. */
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade']);

export async function startChronosGateway(options: GatewayOptions): Promise<ChronosGateway> {
  const server = createServer((request, response) => {
    void forward(request, response, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function forward(request: IncomingMessage, response: ServerResponse, options: GatewayOptions): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && !DROPPED.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let lastError = 'no master replica configured';
  for (const target of options.targets()) {
    try {
      const answer = await fetch(`http://${target}${request.url ?? '/'}`, {
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
      });
      const payload = Buffer.from(await answer.arrayBuffer());
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!DROPPED.has(name) && name !== 'content-encoding') out[name] = value;
      });
      response.writeHead(answer.status, out);
      response.end(payload);
      return;
    } catch (error) {
      lastError = `${target}: ${(error as Error).message}`;
    }
  }
  response.writeHead(503, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: 'Service Unavailable', message: `no master replica answered (${lastError})` }));
}
