/**
 * The agent's HTTP surface: `/health` and the Mesos sandbox files API.
 *   GET /files/browse?path=      → [{path, nlink, size, mtime, mode, uid, gid}]
 *   GET /files/read?path=&offset=&length= → {data, offset}; offset=-1 → {data: "", offset: size}
 *   GET /files/download?path=    → the file's bytes as an attachment
 * `path` is absolute or relative to the sandbox root. Anything that resolves outside the root
 * (`..`, a foreign absolute path, a symlink pointing out) is 403 and nothing is read.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { confine } from './sandbox.js';

/** Largest chunk one /files/read returns (Mesos pages through files the same way). */
export const MAX_READ_LENGTH = 1024 * 1024;

export interface AgentHttpOptions {
  sandboxRoot: string;
}

interface PathQuery {
  path?: string;
  offset?: string;
  length?: string;
}

export function buildAgentHttp(options: AgentHttpOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/health', async () => '');
  app.get<{ Querystring: PathQuery }>('/files/browse', async (request, reply) => {
    const dir = await resolveOrReply(options.sandboxRoot, request.query.path, reply);
    if (dir === null) return reply;
    const info = await stat(dir);
    if (!info.isDirectory()) return reply.code(400).send({ error: 'not a directory' });
    const names = (await readdir(dir)).sort();
    const entries = [];
    for (const name of names) {
      try {
        entries.push(describe(join(dir, name), await stat(join(dir, name))));
      } catch {
        // Vanished (or a dangling link) between readdir and stat.
      }
    }
    return entries;
  });
  app.get<{ Querystring: PathQuery }>('/files/read', async (request, reply) => {
    const file = await resolveOrReply(options.sandboxRoot, request.query.path, reply);
    if (file === null) return reply;
    return readChunk(file, request.query, reply);
  });
  app.get<{ Querystring: PathQuery }>('/files/download', async (request, reply) => {
    const file = await resolveOrReply(options.sandboxRoot, request.query.path, reply);
    if (file === null) return reply;
    if (!(await stat(file)).isFile()) return reply.code(400).send({ error: 'not a file' });
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-disposition', `attachment; filename="${basename(file).replace(/"/g, '')}"`);
    return reply.send(createReadStream(file));
  });
  return app;
}

/** The confined real path, or null after replying 400/403/404. */
async function resolveOrReply(root: string, requested: string | undefined, reply: FastifyReply): Promise<string | null> {
  if (requested === undefined || requested === '') {
    await reply.code(400).send({ error: "missing 'path' query parameter" });
    return null;
  }
  const confined = await confine(root, requested);
  if (confined.kind === 'inside') return confined.path;
  if (confined.kind === 'outside') await reply.code(403).send({ error: 'path is outside the sandbox' });
  else await reply.code(404).send({ error: 'no such file or directory' });
  return null;
}

async function readChunk(file: string, query: PathQuery, reply: FastifyReply): Promise<unknown> {
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  const length = query.length === undefined ? MAX_READ_LENGTH : Number(query.length);
  if (!Number.isInteger(offset) || offset < -1) return reply.code(400).send({ error: 'offset must be an integer ≥ -1' });
  if (!Number.isInteger(length) || length < 0) return reply.code(400).send({ error: 'length must be a non-negative integer' });
  const info = await stat(file);
  if (info.isDirectory()) return reply.code(400).send({ error: 'cannot read a directory' });
  // Mesos: offset -1 asks for the file size only (how log tailers find the end).
  if (offset === -1) return { data: '', offset: info.size };
  if (offset > info.size) return reply.code(400).send({ error: `offset ${offset} is beyond the file size ${info.size}` });
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(length, MAX_READ_LENGTH, info.size - offset));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return { data: buffer.subarray(0, bytesRead).toString('utf8'), offset };
  } finally {
    await handle.close();
  }
}

function describe(path: string, info: import('node:fs').Stats) {
  return { path, nlink: info.nlink, size: info.size, mtime: Math.floor(info.mtimeMs / 1000), mode: modeString(info), uid: String(info.uid), gid: String(info.gid) };
}

/** `ls -l` style mode, as Mesos browse returns it. */
function modeString(info: import('node:fs').Stats): string {
  const type = info.isDirectory() ? 'd' : info.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let perms = '';
  for (let i = 0; i < 9; i++) perms += info.mode & (1 << (8 - i)) ? bits[i] : '-';
  return type + perms;
}
