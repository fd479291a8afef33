/**
 * The one factory for TCP sockets and servers. Every process-to-process connection (Raft peers,
 * agents, HTTP) is built here, so mutual TLS can be switched on by passing a TlsConfig without
 * touching protocol code: callers get a plain `net.Socket` (a TLSSocket is one) either way.
 * Also parses and formats 'host:port' addresses, IPv6 as '[::1]:port'.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ConfigError, UnavailableError } from './errors.js';

/** PEM material for TLS. With `ca` set, peers are verified against it instead of system roots. */
export interface TlsConfig {
  cert: Buffer | string;
  key: Buffer | string;
  ca?: Buffer | string;
  /** Server side: require and verify a client certificate (mutual TLS). Default: true when `ca` is set. */
  requestClientCert?: boolean;
  /** Client side: check that the server certificate names the host dialled. Default true. */
  checkHostname?: boolean;
}

export interface HostPort {
  host: string;
  port: number;
}

/** Parses 'host:port', '[v6]:port'. Throws ConfigError saying what is wrong. */
export function parseAddress(address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  if (!match) {
    throw new ConfigError(`invalid address '${address}': expected host:port (IPv6 as [addr]:port)`, { address });
  }
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65_535) throw new ConfigError(`invalid address '${address}': port ${port} is above 65535`, { address });
  if (match[1] !== undefined && net.isIPv6(host) === false) {
    throw new ConfigError(`invalid address '${address}': '${host}' in brackets is not an IPv6 address`, { address });
  }
  return { host, port };
}

export function formatAddress({ host, port }: HostPort): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface TcpServerOptions {
  /** 'host:port'; port 0 picks a free port (read it back from `addressOf`). */
  listen: string;
  tls?: TlsConfig | undefined;
}

/**
 * Listen backlog of the HTTP servers (the kernel caps it at net.core.somaxconn). A whole fleet
 * reconnects to the masters at once after a leader change: with Node's default of 511, SYNs
 * beyond it are dropped and those agents wait for TCP's 1 s (then 3 s) SYN retransmission.
 */
export const LISTEN_BACKLOG = 4_096;

/**
 * Starts a listening TCP (or TLS) server and resolves once it is bound. `onConnection` receives
 * sockets that are ready to use: for TLS, after the handshake and client verification.
 */
export async function createTcpServer(
  options: TcpServerOptions,
  onConnection: (socket: net.Socket) => void,
): Promise<net.Server> {
  const { host, port } = parseAddress(options.listen);
  const server = options.tls
    ? tls.createServer(serverTlsOptions(options.tls), (socket) => onConnection(socket))
    : net.createServer((socket) => onConnection(socket));
  // A failed TLS handshake is a single bad client, never a reason to stop serving.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new UnavailableError(`cannot listen on ${options.listen}: ${error.message}`, { address: options.listen })));
    server.listen({ host, port }, () => resolve());
  });
  return server;
}

/** The address a server is bound to, as 'host:port' (useful after listening on port 0). */
export function addressOf(server: net.Server): string {
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new ConfigError('server is not listening on a TCP port');
  return formatAddress({ host: bound.address, port: bound.port });
}

export interface ConnectOptions {
  tls?: TlsConfig | undefined;
  /** Give up (destroying the socket) when not connected within this time. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Connects to 'host:port' and resolves with a connected socket (TLS: handshake done and the server
 * verified), TCP_NODELAY on. Rejects with UnavailableError on refusal, timeout or TLS failure.
 */
export async function connectTcp(address: string, options: ConnectOptions = {}): Promise<net.Socket> {
  const outcome = await tryConnectTcp(address, options);
  if ('failure' in outcome) throw new UnavailableError(`cannot connect to ${address}: ${outcome.failure}`, { address });
  return outcome.socket;
}

/**
 * connectTcp without an error object for a failure: why, as text. For callers that retry dead
 * addresses as a matter of course: a fleet of agents redialling a stopped master makes thousands
 * of refused dials, and our error and its stack were ≈ 4 % of a simulated fleet's time (profiled).
 */
export function tryConnectTcp(address: string, options: ConnectOptions = {}): Promise<{ socket: net.Socket } | { failure: string }> {
  const { host, port } = parseAddress(address);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const socket = options.tls
    ? tls.connect({ host, port, ...clientTlsOptions(options.tls, host) })
    : net.connect({ host, port });
  const readyEvent = options.tls ? 'secureConnect' : 'connect';
  return new Promise((resolve) => {
    const fail = (message: string): void => {
      cleanup();
      socket.destroy();
      resolve({ failure: message });
    };
    const onError = (error: Error): void => fail(error.message);
    const onTimeout = (): void => fail(`no connection within ${timeoutMs} ms`);
    const onReady = (): void => {
      cleanup();
      socket.setNoDelay(true);
      resolve({ socket });
    };
    const cleanup = (): void => {
      socket.off('error', onError);
      socket.off(readyEvent, onReady);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    socket.setTimeout(timeoutMs);
    socket.once('error', onError);
    socket.once('timeout', onTimeout);
    socket.once(readyEvent, onReady);
  });
}

/** Options for Fastify's `https` setting (and `https.createServer`) from the same TlsConfig. */
export function httpsOptionsFor(config: TlsConfig): tls.TlsOptions {
  return serverTlsOptions(config);
}

function serverTlsOptions(config: TlsConfig): tls.TlsOptions {
  const requestCert = config.requestClientCert ?? config.ca !== undefined;
  return {
    cert: config.cert,
    key: config.key,
    ...(config.ca !== undefined ? { ca: config.ca } : {}),
    requestCert,
    rejectUnauthorized: requestCert,
    minVersion: 'TLSv1.2',
    handshakeTimeout: 10_000,
  };
}

function clientTlsOptions(config: TlsConfig, host: string): tls.ConnectionOptions {
  return {
    cert: config.cert,
    key: config.key,
    ...(config.ca !== undefined ? { ca: config.ca } : {}),
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // Cluster certificates are often issued per node name rather than per IP: when hostname
    // checks are off, the CA chain (verified above) is what authenticates the peer.
    ...(config.checkHostname === false ? { checkServerIdentity: () => undefined } : {}),
  };
}
