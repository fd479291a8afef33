/**
 * A cluster of real `kairos master` processes on loopback, each with its own LevelDB data dir in
 * a temp directory, for integration and chaos tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, spawnKairos, waitFor, type KairosProcess } from './process.js';

export interface ReplicaSpec {
  id: string;
  http: string;
  raft: string;
  dataDir: string;
  process: KairosProcess | null;
  log: string;
}

export interface RaftStatusBody {
  id: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  peers: Array<{ id: string; matchIndex: number }>;
}

export class TestCluster {
  readonly root: string;
  readonly replicas: ReplicaSpec[];

  private constructor(root: string, replicas: ReplicaSpec[], private readonly extraArgs: string[]) {
    this.root = root;
    this.replicas = replicas;
  }

  static async create(size = 3, extraArgs: string[] = []): Promise<TestCluster> {
    const root = mkdtempSync(join(tmpdir(), 'kairos-it-'));
    const ports = await freePorts(size * 2);
    const replicas = Array.from({ length: size }, (_, i) => ({
      id: `m${i + 1}`,
      http: `127.0.0.1:${ports[i * 2]}`,
      raft: `127.0.0.1:${ports[i * 2 + 1]}`,
      dataDir: join(root, `m${i + 1}`),
      process: null,
      log: '',
    }));
    return new TestCluster(root, replicas, extraArgs);
  }

  get peersFlag(): string {
    return this.replicas.map((r) => `${r.id}=${r.raft}`).join(',');
  }

  start(replica: ReplicaSpec, extraArgs: string[] = []): void {
    replica.process = spawnKairos([
      'master', '--id', replica.id, '--peers', this.peersFlag, '--http', replica.http, '--data-dir', replica.dataDir, ...this.extraArgs, ...extraArgs,
    ]);
  }

  /** Adds a replica spec (not started) with fresh ports; it appears in --peers of later starts. */
  async addSpec(id: string): Promise<ReplicaSpec> {
    const [http, raft] = await freePorts(2);
    const spec: ReplicaSpec = { id, http: `127.0.0.1:${http}`, raft: `127.0.0.1:${raft}`, dataDir: join(this.root, id), process: null, log: '' };
    this.replicas.push(spec);
    return spec;
  }

  startAll(): void {
    for (const replica of this.replicas) this.start(replica);
  }

  /** SIGKILL: no shutdown path runs. */
  kill(replica: ReplicaSpec): Promise<void> {
    return this.signal(replica, 'SIGKILL');
  }

  /** SIGTERM: graceful shutdown (leadership transfer). */
  terminate(replica: ReplicaSpec): Promise<void> {
    return this.signal(replica, 'SIGTERM');
  }

  private async signal(replica: ReplicaSpec, signal: NodeJS.Signals): Promise<void> {
    const proc = replica.process;
    if (!proc) return;
    replica.log += proc.output();
    proc.child.kill(signal);
    await proc.exited;
    replica.process = null;
  }

  async status(replica: ReplicaSpec): Promise<RaftStatusBody | undefined> {
    try {
      const response = await fetch(`http://${replica.http}/raft/status`, { signal: AbortSignal.timeout(500) });
      return (await response.json()) as RaftStatusBody;
    } catch {
      return undefined;
    }
  }

  /** The running replica that says it leads (and whose claim no other running replica contradicts with a higher term). */
  async waitForLeader(timeoutMs = 15_000): Promise<ReplicaSpec> {
    return waitFor('a leader', async () => {
      const statuses = await Promise.all(this.replicas.filter((r) => r.process).map(async (r) => ({ r, s: await this.status(r) })));
      const leaders = statuses.filter((x) => x.s?.role === 'leader');
      if (leaders.length === 0) return undefined;
      leaders.sort((a, b) => b.s!.term - a.s!.term);
      return leaders[0]!.r;
    }, timeoutMs);
  }

  /** Every started replica answers /raft/status and knows a leader. */
  async waitForAllUp(timeoutMs = 20_000): Promise<void> {
    await waitFor('every replica up and knowing a leader', async () => {
      const statuses = await Promise.all(this.replicas.filter((r) => r.process).map((r) => this.status(r)));
      return statuses.every((s) => s?.leader) ? true : undefined;
    }, timeoutMs);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.kill(r)));
  }

  /** Every process's output, for failure messages. */
  logs(): string {
    return this.replicas.map((r) => `--- ${r.id} ---\n${(r.log + (r.process?.output() ?? '')).slice(-4000)}`).join('\n');
  }

  async destroy(): Promise<void> {
    await this.stopAll();
    rmSync(this.root, { recursive: true, force: true });
  }
}

export async function putKv(http: string, key: string, value: string, timeoutMs = 2_000): Promise<Response> {
  return fetch(`http://${http}/raft/kv/${encodeURIComponent(key)}`, { method: 'PUT', body: value, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
}

/** PUT following 307s like `curl -L` (fetch does not re-send bodies on redirect by itself). */
export async function putKvFollowing(http: string, key: string, value: string, timeoutMs = 2_000): Promise<number> {
  let response = await putKv(http, key, value, timeoutMs);
  for (let hops = 0; response.status === 307 && hops < 3; hops++) {
    const location = response.headers.get('location')!;
    response = await fetch(location, { method: 'PUT', body: value, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  }
  return response.status;
}

export async function getKvFollowing(http: string, key: string, timeoutMs = 2_000): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${http}/raft/kv/${encodeURIComponent(key)}`, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
}
