/**
 * Early HTTP bind for `kairos master`. Loading the whole program takes a noticeable fraction of a
 * second (more on a busy machine); a replica restarted by a supervisor or a chaos test should
 * accept connections at once rather than refuse them. So, before anything heavy is imported, the
 * CLI binds the --http address with node:http and holds requests (bounded in number and time)
 * until the real application takes the server over. Only node:* imports here.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { LISTEN_BACKLOG } from '../lib/net.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const MAX_HELD_REQUESTS = 1024;
const HOLD_LIMIT_MS = 15_000;

interface EarlyServer {
  address: string;
  server: http.Server;
  /** Set once bound; an error (e.g. EADDRINUSE) if binding failed. */
  bound: Promise<Error | null>;
  handler: Handler | null;
  held: Array<{ request: IncomingMessage; response: ServerResponse; timer: NodeJS.Timeout }>;
}

let early: EarlyServer | null = null;

function flagValue(argv: string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  if (at >= 0) return argv[at + 1];
  const inline = argv.find((arg) => arg.startsWith(`${flag}=`));
  return inline?.slice(flag.length + 1);
}

/** Binds the master's --http address (flag or KAIROS_HTTP) if this is `kairos master`. */
export function preBindFromArgv(argv: string[], env: NodeJS.ProcessEnv): void {
  if (argv[2] !== 'master' || argv.includes('--help') || argv.includes('-h')) return;
  // HTTPS cannot be pre-bound as plain HTTP; it takes the normal path.
  if (flagValue(argv, '--tls-cert') !== undefined || env['KAIROS_TLS_CERT'] !== undefined) return;
  const address = flagValue(argv, '--http') ?? env['KAIROS_HTTP'];
  const match = address?.match(/^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/);
  if (!address || !match) return;
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  const state: EarlyServer = { address, server: http.createServer(), bound: Promise.resolve(null), handler: null, held: [] };
  state.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (state.handler) return state.handler(request, response);
    if (state.held.length >= MAX_HELD_REQUESTS) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"starting up; retry shortly"}');
      return;
    }
    const timer = setTimeout(() => {
      state.held = state.held.filter((h) => h.response !== response);
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"starting up; retry shortly"}');
    }, HOLD_LIMIT_MS);
    state.held.push({ request, response, timer });
  });
  state.bound = new Promise((resolve) => {
    state.server.once('error', (error) => resolve(error));
    state.server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => resolve(null));
  });
  early = state;
}

/**
 * The pre-bound server for `address`, if any, with a function that hands it the real request
 * handler (held requests are replayed in arrival order). Null when nothing was pre-bound.
 */
export async function takeEarlyServer(address: string): Promise<{ server: http.Server; attach(handler: Handler): void } | null> {
  const state = early;
  if (!state || state.address !== address) return null;
  early = null;
  const error = await state.bound;
  if (error) throw error;
  return {
    server: state.server,
    attach(handler) {
      state.handler = handler;
      for (const { request, response, timer } of state.held.splice(0)) {
        clearTimeout(timer);
        handler(request, response);
      }
    },
  };
}
