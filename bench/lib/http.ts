/**
 * A minimal HTTP client on node:http with an explicit timeout on every request — benchmarks and
 * readiness probes must never hang on a dead member.
 */
import { Agent, request } from 'node:http';

/** What a request returned; transport failures are thrown (ECONNREFUSED, timeout). */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
  agent?: Agent;
}

/** One request; rejects with an Error whose message says "timeout" when timeoutMs passes. */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Promise((resolvePromise, reject) => {
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: options.agent ?? false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          clearTimeout(timer);
          resolvePromise({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) });
        });
        incoming.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => outgoing.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)), timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(options.body);
  });
}

/** Like httpRequest but never throws: a transport failure becomes status 0. */
export async function tryHttpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  try {
    return await httpRequest(url, options);
  } catch (error) {
    return { status: 0, headers: {}, body: Buffer.from(String((error as Error).message)) };
  }
}
