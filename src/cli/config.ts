/**
 * Configuration of `kairos master`: flags, then KAIROS_* environment variables, then a JSON
 * config file, then defaults (earlier wins). Everything is validated before anything is written;
 * a problem is one ConfigError naming the setting.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { ConfigError } from '../lib/errors.js';

const amount = z.number().nonnegative().finite().optional();
const address = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

export const masterConfigSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -'),
  peers: z.record(z.string(), address),
  http: address,
  dataDir: z.string().min(1),
  tickMs: z.number().int().min(1).max(1000).default(10),
  electionTicks: z.number().int().min(3).max(1000).default(100),
  heartbeatTicks: z.number().int().min(1).max(500).default(5),
  snapshotEntries: z.number().int().min(100).default(20_000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  logPretty: z.boolean().default(false),
  join: z.boolean().default(false),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  tlsCa: z.string().optional(),
  /** Agent heartbeat interval; an agent silent for `agentMaxMissedHeartbeats` intervals is unreachable. */
  agentHeartbeatMs: z.number().int().min(10).max(600_000).default(1000),
  /** Missed agent heartbeats before the agent is unreachable: long enough for an agent process restart. */
  agentMaxMissedHeartbeats: z.number().int().min(1).max(10_000).default(15),
  /** Offer policy of the allocation loop. */
  allocator: z.enum(['drf', 'round-robin', 'priority']).default('drf'),
  /** Allocation cycle interval (cycles also run on events). */
  allocationIntervalMs: z.number().int().min(10).max(600_000).default(1000),
  /** Least gap between event-triggered allocation cycles (a burst of events costs one cycle). */
  allocationBatchMs: z.number().int().min(0).max(10_000).default(100),
  /** HEARTBEAT events to schedulers (mesos-api.md §0 C3: at most 5 s). */
  schedulerHeartbeatMs: z.number().int().min(10).max(5_000).default(5000),
  /** Per-role DRF weight, priority (priority policy) and quota guarantee. */
  roles: z
    .record(
      z.string().regex(/^(\*|[A-Za-z0-9_][A-Za-z0-9_.\/-]{0,127})$/, 'role names are letters, digits, _ . / - (or *)'),
      z.strictObject({
        weight: z.number().positive().finite().optional(),
        priority: z.number().finite().optional(),
        quota: z.strictObject({ cpus: amount, mem: amount, disk: amount, gpus: amount }).optional(),
      }),
    )
    .default({}),
});

export type MasterConfig = z.infer<typeof masterConfigSchema>;

/** Setting names as they appear in flags (--data-dir), env (KAIROS_DATA_DIR) and files (dataDir). */
const numericKeys = new Set(['tickMs', 'electionTicks', 'heartbeatTicks', 'snapshotEntries', 'agentHeartbeatMs', 'agentMaxMissedHeartbeats', 'allocationIntervalMs', 'allocationBatchMs', 'schedulerHeartbeatMs']);
const booleanKeys = new Set(['logPretty', 'join']);

export function envName(key: string): string {
  return `KAIROS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Parses "m1=127.0.0.1:5150,m2=..." into a record. */
export function parsePeers(text: string): Record<string, string> {
  const peers: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) throw new ConfigError(`--peers: "${part}" is not id=host:port`);
    const id = part.slice(0, at);
    if (peers[id] !== undefined) throw new ConfigError(`--peers: replica id "${id}" appears twice`);
    peers[id] = part.slice(at + 1);
  }
  return peers;
}

function coerce(key: string, raw: unknown, source: string): unknown {
  if (typeof raw !== 'string') return raw;
  if (numericKeys.has(key)) {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`${source}: "${raw}" is not a number`);
    return n;
  }
  if (booleanKeys.has(key)) return raw === 'true' || raw === '1' || raw === '';
  if (key === 'peers') return parsePeers(raw);
  if (key === 'roles') {
    try {
      return JSON.parse(raw) as unknown;
    } catch (error) {
      throw new ConfigError(`${source}: not JSON: ${(error as Error).message}`);
    }
  }
  return raw;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`--config: ${path} is not a valid JSON object: ${(error as Error).message}`);
  }
}

/** Merges flags > env > file > defaults and validates the result. */
export function resolveMasterConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): MasterConfig {
  const configPath = (flags['config'] as string | undefined) ?? env['KAIROS_CONFIG'];
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(masterConfigSchema.shape)) {
    const flag = flags[key];
    const fromEnv = env[envName(key)];
    if (flag !== undefined) merged[key] = coerce(key, flag, `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    else if (fromEnv !== undefined) merged[key] = coerce(key, fromEnv, envName(key));
    else if (fromFile[key] !== undefined) merged[key] = coerce(key, fromFile[key], `${configPath}: ${key}`);
  }
  const parsed = masterConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'config';
    const flag = `--${field.split('.')[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new ConfigError(`${flag}: ${issue.message}`, { field });
  }
  const config = parsed.data;
  if (config.peers[config.id] === undefined) throw new ConfigError(`--peers must include this replica's own id "${config.id}"`);
  if (config.heartbeatTicks >= config.electionTicks) throw new ConfigError('--heartbeat-ticks must be smaller than --election-ticks');
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  // Mesos: the default role '*' cannot have quota.
  if (config.roles['*']?.quota) throw new ConfigError('--roles: the default role * cannot have a quota');
  checkDataDir(config.dataDir);
  return { ...config, dataDir: resolve(config.dataDir) };
}

/** The data dir must be a writable directory, or creatable inside a writable parent. */
function checkDataDir(dataDir: string): void {
  const path = resolve(dataDir);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new ConfigError(`--data-dir: ${path} exists and is not a directory`);
    try {
      accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch {
      throw new ConfigError(`--data-dir: ${path} is not readable and writable`);
    }
    return;
  }
  let parent = dirname(path);
  while (!existsSync(parent)) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(`--data-dir: cannot create ${path} (${parent} is not writable)`);
  }
}
