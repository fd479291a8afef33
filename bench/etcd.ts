/**
 * etcd as the reference Raft system (BENCHMARKS.md goals 1–3): Debian's etcd-server, three
 * members on loopback in temp dirs with ports from 23000–23999, driven over the v3 JSON gateway
 * (POST /v3/kv/put with base64 key and value; POST /v3/maintenance/status to find the leader).
 * `tuned` passes --heartbeat-interval 50 --election-timeout 250 (defaults are 100/1000 ms).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { relaunchAndCatchUp, signalAndWaitFor, type ClusterUnderTest, type LeaderInfo, type WriteAttempt } from './lib/cluster.js';
import { httpRequest, tryHttpRequest } from './lib/http.js';
import type { LoadTarget } from './lib/load.js';
import { freePortsInRange } from './lib/ports.js';
import { startProcess, waitFor, type ManagedProcess } from './lib/process.js';

export const ETCD_BINARY = '/usr/bin/etcd';

/** The installed etcd version, or null (with the reason) if the binary is absent. */
export function etcdVersion(): { version: string | null; reason: string } {
  if (!existsSync(ETCD_BINARY)) {
    return { version: null, reason: `${ETCD_BINARY} not found: install it with "apt-get install -y etcd-server etcd-client"` };
  }
  const output = execFileSync(ETCD_BINARY, ['--version'], { encoding: 'utf8' });
  const match = /etcd Version:\s*(\S+)/.exec(output);
  return { version: match?.[1] ?? 'unknown', reason: '' };
}

interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process: ManagedProcess | null;
}

interface StatusBody {
  header?: { member_id?: string; raft_term?: string };
  leader?: string;
  raftIndex?: string;
  raftAppliedIndex?: string;
  raftTerm?: string;
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

export class EtcdCluster implements ClusterUnderTest {
  readonly label: string;
  readonly memberNames = ['e1', 'e2', 'e3'] as const;
  private members = new Map<string, EtcdMember>();
  /** etcd member ids (decimal uint64 strings) → our names, learned from each member's status. */
  private namesById = new Map<string, string>();

  constructor(
    private readonly workDir: string,
    private readonly tuned: boolean,
    version: string,
  ) {
    this.label = `etcd ${version} ${tuned ? 'tuned 50/250 ms' : 'defaults'}`;
  }

  async start(): Promise<void> {
    const ports = await freePortsInRange(6, 23000, 23999);
    this.memberNames.forEach((name, index) => {
      const dataDir = join(this.workDir, `etcd-${this.tuned ? 'tuned' : 'defaults'}-${name}`);
      mkdirSync(dataDir, { recursive: true });
      this.members.set(name, { name, clientPort: ports[index * 2] as number, peerPort: ports[index * 2 + 1] as number, dataDir, process: null });
    });
    for (const name of this.memberNames) this.launch(name);
    await this.waitForLeader(30_000);
  }

  private member(name: string): EtcdMember {
    const member = this.members.get(name);
    if (member === undefined) throw new Error(`bench: no etcd member ${name}`);
    return member;
  }

  private launch(name: string): void {
    const member = this.member(name);
    const initialCluster = [...this.members.values()].map((peer) => `${peer.name}=http://127.0.0.1:${peer.peerPort}`).join(',');
    const clientUrl = `http://127.0.0.1:${member.clientPort}`;
    const peerUrl = `http://127.0.0.1:${member.peerPort}`;
    const args = [
      '--name', name, '--data-dir', member.dataDir,
      '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'kairos-bench',
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
    ];
    if (this.tuned) args.push('--heartbeat-interval', '50', '--election-timeout', '250');
    member.process = startProcess({ name, command: ETCD_BINARY, args, logPath: `${member.dataDir}.log` });
  }

  private async status(name: string, timeoutMs = 500): Promise<StatusBody> {
    const member = this.member(name);
    const response = await httpRequest(`http://127.0.0.1:${member.clientPort}/v3/maintenance/status`, { method: 'POST', body: '{}', timeoutMs });
    if (response.status !== 200) throw new Error(`status of ${name}: HTTP ${response.status}`);
    const body = JSON.parse(response.body.toString()) as StatusBody;
    if (body.header?.member_id !== undefined) this.namesById.set(body.header.member_id, name);
    return body;
  }

  private running(): string[] {
    return this.memberNames.filter((name) => this.member(name).process?.isRunning() === true);
  }

  async waitForLeader(timeoutMs: number): Promise<LeaderInfo> {
    return waitFor(
      async () => {
        const statuses = await Promise.all(this.running().map((name) => this.status(name)));
        const leaders = new Set(statuses.map((status) => status.leader ?? '0'));
        const [leaderId] = leaders;
        if (leaders.size !== 1 || leaderId === undefined || leaderId === '0') return null;
        const member = this.namesById.get(leaderId);
        if (member === undefined) return null;
        return { member, term: Number(statuses[0]?.raftTerm ?? 0) };
      },
      { timeoutMs, what: `${this.label}: one leader agreed by every running member` },
    );
  }

  writeTarget(member: string, valueBytes: number): LoadTarget {
    const value = base64('v'.repeat(valueBytes));
    return {
      host: '127.0.0.1',
      port: this.member(member).clientPort,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      next: (worker, sequence) => ({
        path: '/v3/kv/put',
        body: `{"key":"${base64(`bench/${worker}/${sequence % 1000}`)}","value":"${value}"}`,
      }),
      isSuccess: (status) => status === 200,
    };
  }

  async tryWrite(member: string, key: string, afterTerm: number, timeoutMs: number): Promise<WriteAttempt> {
    const url = `http://127.0.0.1:${this.member(member).clientPort}/v3/kv/put`;
    const response = await tryHttpRequest(url, { method: 'POST', body: JSON.stringify({ key: base64(key), value: base64('failover') }), timeoutMs });
    if (response.status !== 200) return { committed: false, term: null, detail: `HTTP ${response.status} ${response.body.toString().slice(0, 80)}` };
    const term = Number((JSON.parse(response.body.toString()) as StatusBody).header?.raft_term ?? 0);
    return { committed: term > afterTerm, term, detail: `term ${term}` };
  }

  signalAndWait(member: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    return signalAndWaitFor(this.member(member).process, signal);
  }

  restart(member: string, timeoutMs: number): Promise<void> {
    return relaunchAndCatchUp(this, member, timeoutMs, () => this.launch(member), async (name, leader) => {
      const [mine, leaders] = await Promise.all([this.status(name), this.status(leader)]);
      return Number(mine.raftAppliedIndex ?? 0) >= Number(leaders.raftIndex ?? 1) - 1;
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => member.process?.stop(5000)));
  }
}
