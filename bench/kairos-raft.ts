/**
 * A 3-replica Kairos master cluster on loopback, driven exactly like etcd (bench/etcd.ts):
 * `node dist/bundle/kairos.js master --id m1 --peers m1=127.0.0.1:P1,... --http 127.0.0.1:H1
 * --data-dir DIR` per replica; GET /raft/status finds the leader; PUT /raft/kv/:key commits a
 * write (204 on the leader, 307 from a follower). Default Raft settings, logs at warn.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { relaunchAndCatchUp, signalAndWaitFor, type ClusterUnderTest, type LeaderInfo, type WriteAttempt } from './lib/cluster.js';
import { httpRequest, tryHttpRequest } from './lib/http.js';
import type { LoadTarget } from './lib/load.js';
import { freePort } from './lib/ports.js';
import { startProcess, waitFor, type ManagedProcess } from './lib/process.js';
import { repoRoot } from './lib/results.js';

/** The compiled CLI, or null (with the reason) when `npm run build` has not produced it yet. */
export function kairosCli(): { path: string | null; reason: string } {
  const path = join(repoRoot(), 'dist', 'bundle', 'kairos.js');
  if (existsSync(path)) return { path, reason: '' };
  return { path: null, reason: `${path} not found: run "npm run build" (the kairos master CLI may not exist yet)` };
}

interface KairosReplica {
  id: string;
  raftPort: number;
  httpPort: number;
  dataDir: string;
  process: ManagedProcess | null;
}

/** The subset of GET /raft/status the bench reads. */
interface RaftStatusBody {
  id: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
}

/** How replicas are launched: the real CLI, or a bench script that runs the same master and
 * also takes load commands over IPC (bench/kairos-driver-replica.ts). */
export interface KairosLaunch {
  script: string;
  /** Arguments before the flags, e.g. ['master'] for the CLI. */
  leadingArgs: string[];
  ipc: boolean;
}

export class KairosCluster implements ClusterUnderTest {
  readonly label: string;
  readonly memberNames = ['m1', 'm2', 'm3'] as const;
  private replicas = new Map<string, KairosReplica>();
  private readonly launchSpec: KairosLaunch;

  constructor(
    private readonly workDir: string,
    cliPath: string,
    launch: KairosLaunch | null = null,
  ) {
    this.launchSpec = launch ?? { script: cliPath, leadingArgs: ['master'], ipc: false };
    this.label = launch === null ? 'Kairos defaults' : 'Kairos defaults (node driver)';
  }

  async start(): Promise<void> {
    for (const id of this.memberNames) {
      const dataDir = join(this.workDir, `kairos-${id}`);
      mkdirSync(dataDir, { recursive: true });
      this.replicas.set(id, { id, raftPort: await freePort(), httpPort: await freePort(), dataDir, process: null });
    }
    for (const id of this.memberNames) this.launch(id);
    await this.waitForLeader(30_000);
  }

  private replica(id: string): KairosReplica {
    const replica = this.replicas.get(id);
    if (replica === undefined) throw new Error(`bench: no Kairos replica ${id}`);
    return replica;
  }

  private launch(id: string): void {
    const replica = this.replica(id);
    const peers = [...this.replicas.values()].map((peer) => `${peer.id}=127.0.0.1:${peer.raftPort}`).join(',');
    const args = [
      this.launchSpec.script, ...this.launchSpec.leadingArgs, '--id', id, '--peers', peers,
      '--http', `127.0.0.1:${replica.httpPort}`, '--data-dir', replica.dataDir, '--log-level', 'warn',
    ];
    replica.process = startProcess({ name: id, command: process.execPath, args, logPath: `${replica.dataDir}.log`, ipc: this.launchSpec.ipc });
  }

  private async status(id: string, timeoutMs = 500): Promise<RaftStatusBody> {
    const response = await httpRequest(`http://127.0.0.1:${this.replica(id).httpPort}/raft/status`, { timeoutMs });
    if (response.status !== 200) throw new Error(`status of ${id}: HTTP ${response.status}`);
    return JSON.parse(response.body.toString()) as RaftStatusBody;
  }

  private running(): string[] {
    return this.memberNames.filter((id) => this.replica(id).process?.isRunning() === true);
  }

  async waitForLeader(timeoutMs: number): Promise<LeaderInfo> {
    return waitFor(
      async () => {
        const statuses = await Promise.all(this.running().map((id) => this.status(id)));
        const leaders = new Set(statuses.map((status) => status.leader));
        const leader = statuses.find((status) => status.role === 'leader');
        if (leaders.size !== 1 || leader === undefined || !leaders.has(leader.id)) return null;
        return { member: leader.id, term: leader.term };
      },
      { timeoutMs, what: `${this.label}: one leader agreed by every running replica` },
    );
  }

  writeTarget(member: string, valueBytes: number): LoadTarget {
    const value = Buffer.alloc(valueBytes, 0x76);
    return {
      host: '127.0.0.1',
      port: this.replica(member).httpPort,
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      next: (worker, sequence) => ({ path: `/raft/kv/bench-${worker}-${sequence % 1000}`, body: value }),
      isSuccess: (status) => status === 204,
    };
  }

  async tryWrite(member: string, key: string, _afterTerm: number, timeoutMs: number): Promise<WriteAttempt> {
    // Followers answer 307 instead of forwarding, so a 204 from a survivor means it leads now.
    const url = `http://127.0.0.1:${this.replica(member).httpPort}/raft/kv/${encodeURIComponent(key)}`;
    const response = await tryHttpRequest(url, { method: 'PUT', body: 'failover', headers: { 'content-type': 'application/octet-stream' }, timeoutMs });
    return { committed: response.status === 204, term: null, detail: `HTTP ${response.status}` };
  }

  signalAndWait(member: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    return signalAndWaitFor(this.replica(member).process, signal);
  }

  restart(member: string, timeoutMs: number): Promise<void> {
    return relaunchAndCatchUp(this, member, timeoutMs, () => this.launch(member), async (name, leader) => {
      const [mine, leaders] = await Promise.all([this.status(name), this.status(leader)]);
      return mine.appliedIndex >= leaders.commitIndex;
    });
  }

  /** The running process of a replica (for IPC requests in the node-driver benchmark). */
  processOf(member: string): ManagedProcess {
    const process = this.replica(member).process;
    if (process === null) throw new Error(`bench: Kairos replica ${member} is not running`);
    return process;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((replica) => replica.process?.stop(5000)));
  }
}
