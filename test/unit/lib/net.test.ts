/**
 * Goal: one socket factory that speaks plain TCP or mutual TLS behind the same calls, and an
 * address parser that explains what is wrong. Method: table tests for parsing; real loopback
 * servers for connections, with a throwaway PKI (tls-fixture.ts) to check that a certificate
 * from another CA is refused in both directions and that Node's HTTPS server accepts the
 * options httpsOptionsFor produces.
 */
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, UnavailableError } from '../../../src/lib/errors.js';
import { addressOf, connectTcp, createTcpServer, formatAddress, httpsOptionsFor, parseAddress } from '../../../src/lib/net.js';
import { makeTestPki } from './tls-fixture.js';

const pki = makeTestPki();
const servers: net.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  pki.dispose();
});

/** A server that echoes one line back and counts the connections handed to it. */
async function echoServer(tlsConfig?: Parameters<typeof createTcpServer>[0]['tls']): Promise<{ address: string; accepted: () => number }> {
  let accepted = 0;
  const server = await createTcpServer({ listen: '127.0.0.1:0', tls: tlsConfig }, (socket) => {
    accepted++;
    socket.on('data', (chunk) => socket.end(chunk));
    socket.on('error', () => undefined);
  });
  servers.push(server);
  return { address: addressOf(server), accepted: () => accepted };
}

async function echo(socket: net.Socket, text: string): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A refused client certificate shows up as an error after the TLS 1.3 handshake completed.
  socket.on('error', () => undefined);
  const ended = new Promise((resolve) => socket.once('close', resolve));
  socket.write(text);
  await ended;
  return Buffer.concat(chunks).toString();
}

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:5050', { host: '127.0.0.1', port: 5050 }],
    ['master-1.example:0', { host: 'master-1.example', port: 0 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    [' localhost:80 ', { host: 'localhost', port: 80 }],
  ])('%s', (input, expected) => {
    expect(parseAddress(input)).toEqual(expected);
    expect(parseAddress(formatAddress(expected))).toEqual(expected);
  });

  it.each([
    ['localhost', /expected host:port/],
    [':80', /expected host:port/],
    ['::1:80', /IPv6 as \[addr\]:port/],
    ['[not-v6]:80', /is not an IPv6 address/],
    ['host:70000', /above 65535/],
    ['host:http', /expected host:port/],
  ])('%s is refused', (input, message) => {
    expect(() => parseAddress(input)).toThrow(ConfigError);
    expect(() => parseAddress(input)).toThrow(message);
  });
});

describe('plain TCP', () => {
  it('connects with TCP_NODELAY and exchanges bytes', async () => {
    const server = await echoServer();
    const socket = await connectTcp(server.address);
    expect(await echo(socket, 'ping')).toBe('ping');
  });

  it('reports a refused connection as UnavailableError naming the address', async () => {
    const server = await createTcpServer({ listen: '127.0.0.1:0' }, (socket) => socket.destroy());
    const address = addressOf(server);
    await new Promise((resolve) => server.close(resolve));
    const failure = connectTcp(address, { timeoutMs: 2_000 });
    await expect(failure).rejects.toBeInstanceOf(UnavailableError);
    await expect(failure).rejects.toThrow(address);
  });

  it('listening on a taken port is a clear error', async () => {
    const server = await echoServer();
    await expect(createTcpServer({ listen: server.address }, () => undefined)).rejects.toThrow(`cannot listen on ${server.address}`);
  });
});

describe('mutual TLS', () => {
  it('two nodes with certificates from the cluster CA talk', async () => {
    const server = await echoServer(pki.node);
    const socket = (await connectTcp(server.address, { tls: pki.node })) as tls.TLSSocket;
    expect(socket.authorized).toBe(true);
    expect(await echo(socket, 'secret')).toBe('secret');
  });

  it('a client certificate from another CA never reaches the application', async () => {
    const server = await echoServer(pki.node);
    const attempt = connectTcp(server.address, { tls: pki.rogue }).then(async (socket) => echo(socket, 'hi'), (error: Error) => error);
    const outcome = await attempt;
    expect(outcome === '' || outcome instanceof UnavailableError).toBe(true);
    expect(server.accepted()).toBe(0);
  });

  it('a client without a certificate is refused', async () => {
    const server = await echoServer(pki.node);
    const { cert: _cert, key: _key, ...caOnly } = pki.node;
    const outcome = await connectTcp(server.address, { tls: { cert: '', key: '', ...caOnly } }).then((socket) => echo(socket, 'hi'), (error: Error) => error);
    expect(outcome === '' || outcome instanceof UnavailableError).toBe(true);
    expect(server.accepted()).toBe(0);
  });

  it('a server certificate from another CA is refused by the client', async () => {
    const server = await echoServer({ ...pki.rogue, requestClientCert: false });
    await expect(connectTcp(server.address, { tls: pki.node })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('httpsOptionsFor configures an HTTPS server that requires client certificates', async () => {
    const server = https.createServer(httpsOptionsFor(pki.node), (_request, response) => response.end('ok'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const get = (options: https.RequestOptions): Promise<string> =>
      new Promise((resolve) => {
        https
          .get({ host: '127.0.0.1', port, ...options }, (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve(body));
          })
          .on('error', (error) => resolve(`error: ${error.message}`));
      });
    expect(await get({ ca: pki.node.ca, cert: pki.node.cert, key: pki.node.key })).toBe('ok');
    expect(await get({ ca: pki.node.ca })).toMatch(/^error/);
  });
});
