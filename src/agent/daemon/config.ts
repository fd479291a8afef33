/**
 * Configuration of `kairos agent`: flags, then KAIROS_* environment variables, then defaults
 * (resources detected from the machine where `--resources` leaves them out). Everything is
 * validated before anything runs; a problem is one ConfigError naming the flag.
 */
import os from 'node:os';
import { resolve } from 'node:path';
import * as z from 'zod';
import { ConfigError, ValidationError } from '../../lib/errors.js';
import type { WireResource } from '../../protocol/messages.js';
import { detectMachineResources, type MachineDefaults } from './detect.js';
import { DEFAULT_MISSED_PONGS } from './link-policy.js';
import { parseAttributes, parseResources, withDefaults } from './resources.js';

const address = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

const schema = z.object({
  masters: z.array(address).min(1, 'needs at least one master host:port'),
  workDir: z.string().min(1),
  resources: z.string().default(''),
  attributes: z.string().default(''),
  http: address.default('127.0.0.1:5051'),
  hostname: z.string().min(1).optional(),
  allowPrivileged: z.boolean().default(false),
  dockerSocket: z.string().min(1).default('/var/run/docker.sock'),
  missedPongs: z.number().int().min(1).max(100).default(DEFAULT_MISSED_PONGS),
  standbyLinks: z.boolean().default(true),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  logPretty: z.boolean().default(false),
});

export interface AgentConfig {
  masters: string[];
  workDir: string;
  resources: WireResource[];
  attributes: Record<string, string>;
  /** Listen address of the agent's HTTP server. */
  http: string;
  /** host:port the masters and frameworks reach the HTTP server at. */
  advertisedHttp: string;
  hostname: string;
  allowPrivileged: boolean;
  dockerSocket: string;
  missedPongs: number;
  /** Keep an idle link to every other master so the next leader can call (messages.ts). */
  standbyLinks: boolean;
  logLevel: string;
  logPretty: boolean;
}

/** Setting keys (camelCase) as they appear in flags (--work-dir) and env (KAIROS_WORK_DIR). */
export const AGENT_SETTINGS = Object.keys(schema.shape) as Array<keyof typeof schema.shape>;
const numericKeys = new Set(['missedPongs']);
const booleanKeys = new Set(['allowPrivileged', 'logPretty', 'standbyLinks']);

export function agentEnvName(key: string): string {
  return `KAIROS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function coerce(key: string, raw: unknown, source: string): unknown {
  if (typeof raw !== 'string') return raw;
  if (numericKeys.has(key)) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${source}: "${raw}" is not a number`);
    return n;
  }
  if (booleanKeys.has(key)) return raw === 'true' || raw === '1' || raw === '';
  if (key === 'masters') return raw.split(',').map((m) => m.trim()).filter((m) => m !== '');
  return raw;
}

/** Merges flags > env > defaults, validates, and fills resources the flag leaves out. */
export function resolveAgentConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, detect: (workDir: string) => MachineDefaults = detectMachineResources): AgentConfig {
  const merged: Record<string, unknown> = {};
  for (const key of AGENT_SETTINGS) {
    const flag = flags[key];
    const fromEnv = env[agentEnvName(key)];
    if (flag !== undefined) merged[key] = coerce(key, flag, flagName(key));
    else if (fromEnv !== undefined) merged[key] = coerce(key, fromEnv, agentEnvName(key));
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'config');
    const message = merged[field] === undefined ? `is required (or ${agentEnvName(field)})` : issue.message;
    throw new ConfigError(`${flagName(field)}: ${message}`, { field });
  }
  const c = parsed.data;
  let given: WireResource[];
  let attributes: Record<string, string>;
  try {
    given = parseResources(c.resources);
    attributes = parseAttributes(c.attributes);
  } catch (error) {
    if (error instanceof ValidationError) throw new ConfigError(error.message, { field: error.field });
    throw error;
  }
  for (const r of given) {
    if (r.type === 'SCALAR' && (r.scalar?.value ?? 0) < 0) throw new ConfigError(`--resources: ${r.name} must not be negative`, { field: 'resources' });
  }
  const workDir = resolve(c.workDir);
  let defaults: MachineDefaults;
  try {
    defaults = detect(workDir);
  } catch (error) {
    throw new ConfigError(`--work-dir: cannot use ${workDir}: ${(error as Error).message}`, { field: 'workDir' });
  }
  const hostname = c.hostname ?? os.hostname();
  const listenHost = c.http.slice(0, c.http.lastIndexOf(':'));
  const port = c.http.slice(c.http.lastIndexOf(':') + 1);
  const advertisedHttp = listenHost === '0.0.0.0' || listenHost === '[::]' ? `${hostname}:${port}` : c.http;
  return {
    masters: c.masters,
    workDir,
    resources: withDefaults(given, defaults),
    attributes,
    http: c.http,
    advertisedHttp,
    hostname,
    allowPrivileged: c.allowPrivileged,
    dockerSocket: c.dockerSocket,
    missedPongs: c.missedPongs,
    standbyLinks: c.standbyLinks,
    logLevel: c.logLevel,
    logPretty: c.logPretty,
  };
}
