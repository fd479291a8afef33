/**
 * Three real `kairos master` processes on loopback for the scenarios that drive a whole cluster
 * (bench/placement.ts, bench/takeover.ts): start them, find the leader, poll with a deadline.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './process.js';
import type { ScenarioContext } from './scenario.js';

type Json = Record<string, any>;

/** One master: its HTTP and Raft addresses, data dir, and process (null once killed). */
export interface MasterReplica {
  id: string;
  http: string;
  raft: string;
  dataDir: string;
  process: ManagedProcess | null;
}

/** Polls `probe` every `everyMs` until it returns a value (not undefined), or throws naming `what`. */
export type Poll = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs?: number) => Promise<T>;

/** A `Poll` whose timeout errors name `scenario`. */
export function poller(scenario: string): Poll {
  return (what, probe, timeoutMs, everyMs) => pollUntil(scenario, what, probe, timeoutMs, everyMs);
}

async function pollUntil<T>(scenario: string, what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${scenario}: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The replica's /raft/status, or undefined if it does not answer within `timeoutMs`. */
export async function raftStatus(replica: Pick<MasterReplica, 'http'>, timeoutMs = 500): Promise<Json | undefined> {
  try {
    return (await (await fetch(`http://${replica.http}/raft/status`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as Json;
  } catch {
    return undefined; // not up yet, or killed
  }
}

/** The first replica that says it is the leader, if any. */
export async function leaderOf<R extends Pick<MasterReplica, 'http'>>(replicas: R[]): Promise<R | undefined> {
  for (const replica of replicas) if ((await raftStatus(replica, 1_000))?.['role'] === 'leader') return replica;
  return undefined;
}

export interface StartMastersOptions {
  /** Names the scenario in timeout errors. */
  scenario: string;
  /** Extra `node` arguments before the CLI path (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Run each master in its data dir (so profiles and core files land there). */
  cwdInDataDir?: boolean;
  /** Masters' log level unless BENCH_MASTER_LOG_LEVEL says otherwise (default warn). */
  logLevel?: string;
}

/** Starts m1..m3 under `context.workDir` with `cli` and waits until one of them leads. */
export async function startMasters(context: ScenarioContext, cli: string, options: StartMastersOptions): Promise<MasterReplica[]> {
  const replicas: MasterReplica[] = [];
  for (const id of ['m1', 'm2', 'm3']) {
    const dataDir = join(context.workDir, id);
    mkdirSync(dataDir, { recursive: true });
    replicas.push({ id, http: `127.0.0.1:${await freePort()}`, raft: `127.0.0.1:${await freePort()}`, dataDir, process: null });
  }
  const peers = replicas.map((r) => `${r.id}=${r.raft}`).join(',');
  for (const replica of replicas) {
    replica.process = startProcess({
      name: replica.id,
      command: process.execPath,
      args: [...(options.nodeArgs ?? []), cli, 'master', '--id', replica.id, '--peers', peers, '--http', replica.http, '--data-dir', replica.dataDir, '--log-level', process.env['BENCH_MASTER_LOG_LEVEL'] ?? options.logLevel ?? 'warn'],
      logPath: `${replica.dataDir}.log`,
      ...(options.cwdInDataDir ? { cwd: replica.dataDir } : {}),
    });
  }
  await pollUntil(options.scenario, 'a leader', () => leaderOf(replicas), 30_000, 50);
  return replicas;
}

/** Wall-clock time (epoch ms) of the first line of `replica`'s log with message `msg` (and, if
 * given, at least term `minTerm`) — for moments only the master knows, such as its leader
 * services starting. Undefined when no such line was logged (e.g. the level is above info). */
export function loggedAtMs(replica: Pick<MasterReplica, 'dataDir'>, msg: string, minTerm = 0): number | undefined {
  let text: string;
  try {
    text = readFileSync(`${replica.dataDir}.log`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as Json;
      if (entry['msg'] === msg && (entry['term'] ?? 0) >= minTerm) return typeof entry['time'] === 'number' ? entry['time'] : Date.parse(String(entry['time']));
    } catch {
      // not a log record
    }
  }
  return undefined;
}
