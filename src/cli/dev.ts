/**
 * `kairos dev` (what `npm start` runs): a local HA cluster of three master replicas as child
 * processes, data under one directory, logs in files, a summary on the terminal. Ctrl-C stops
 * every child cleanly; a replica that dies is restarted with back-off; running it again restarts
 * from the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { exitWithUsageError } from './exit.js';
import type { ChronosGateway } from '../chronos/api/gateway.js';
import { createExampleJob, EXAMPLE_JOB } from '../chronos/example-job.js';

interface Replica {
  id: string;
  http: string;
  raft: string;
  child: ChildProcess | null;
  restarts: number;
  /** CLI arguments after the script (set for agents; masters get theirs in start()). */
  args?: string[];
}

interface DevOptions {
  basePort: string;
  dataDir: string;
  masters: string;
  agents: string;
}

export function addDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start a local HA cluster (3 master replicas) with data under one directory')
    .option('--base-port <port>', 'HTTP port of the first master; others at +10, +20; Raft ports at +100', '5050')
    .option('--data-dir <dir>', 'where every replica keeps its data and logs', '.kairos')
    .option('--masters <n>', 'number of master replicas (odd)', '3')
    .option('--agents <n>', 'number of agents (HTTP on base port +1, +2, …; work dirs agentN)', '1')
    .action(async (options: DevOptions) => {
      const basePort = Number(options.basePort);
      const count = Number(options.masters);
      if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65_000) exitWithUsageError(`--base-port: "${options.basePort}" is not a port`);
      if (!Number.isInteger(count) || count < 1 || count > 7 || count % 2 === 0) exitWithUsageError('--masters: must be 1, 3, 5 or 7');
      const agents = Number(options.agents);
      if (!Number.isInteger(agents) || agents < 0 || agents > 9) exitWithUsageError('--agents: must be 0 to 9');
      await runDevCluster(basePort, count, resolve(options.dataDir), agents);
    });
}

async function runDevCluster(basePort: number, count: number, dataDir: string, agentCount = 0): Promise<void> {
  // An empty data dir is a first start: the example job is created once the cluster is up.
  const firstStart = !existsSync(join(dataDir, 'm1'));
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const replicas: Replica[] = Array.from({ length: count }, (_, i) => ({
    id: `m${i + 1}`,
    http: `127.0.0.1:${basePort + i * 10}`,
    raft: `127.0.0.1:${basePort + 100 + i * 10}`,
    child: null,
    restarts: 0,
  }));
  const peers = replicas.map((r) => `${r.id}=${r.raft}`).join(',');
  const agents = devAgents(agentCount, basePort, dataDir, replicas.map((r) => r.http).join(','));
  let stopping = false;
  const chronosPort = Number(process.env['KAIROS_CHRONOS_PORT'] ?? 4400);
  const chronosGateway = chronosPort > 0 ? await startGateway(chronosPort, replicas.map((r) => r.http)) : null;

  const start = (replica: Replica): void => {
    const log = createWriteStream(join(logDir, `${replica.id}.log`), { flags: 'a' });
    const args = [process.argv[1]!, ...(replica.args ?? ['master', '--id', replica.id, '--peers', peers, '--http', replica.http, '--data-dir', join(dataDir, replica.id)])];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KAIROS_EXIT_WITH_PARENT: '1' } });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    replica.child = child;
    child.on('exit', (code, signal) => {
      replica.child = null;
      if (stopping) return;
      replica.restarts++;
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(replica.restarts, 6));
      say(`${replica.id} exited (${signal ?? `code ${code}`}); restarting in ${(delayMs / 1000).toFixed(1)} s — log: ${join(logDir, `${replica.id}.log`)}`);
      setTimeout(() => {
        if (!stopping) start(replica);
      }, delayMs);
    });
  };

  for (const replica of replicas) start(replica);
  for (const agent of agents) start(agent);
  say(`starting ${count} master replicas and ${agentCount} agent(s); data and logs under ${dataDir}`);

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping every replica…');
    await chronosGateway?.close();
    await Promise.all([...agents, ...replicas].map((r) => stopChild(r.child)));
    say('stopped; run it again to restart from the same data');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  let lastLeader: string | null = null;
  let announced = false;
  for (;;) {
    await delay(500);
    if (stopping) return;
    const leader = await findLeader(replicas);
    if (leader && !announced) {
      announced = true;
      printWelcome(replicas, leader, dataDir);
      if (chronosGateway) say(`Chronos API on http://127.0.0.1:${chronosPort}/scheduler/jobs (and /scheduler/* on every replica)`);
      if (firstStart) void createExampleJob(`http://${leader.http}`).then((status) => say(status === 204 ? `created the example job ${EXAMPLE_JOB.name} (schedule ${EXAMPLE_JOB.schedule})` : `could not create the example job (HTTP ${status})`));
      for (const agent of agents) say(`agent ${agent.id}  http://${agent.http}/state  work dir ${join(dataDir, agent.id)}`);
    } else if (leader && lastLeader !== null && leader.id !== lastLeader) {
      say(`leader is now ${leader.id} (term ${leader.term}) at http://${leader.http}`);
    }
    if (leader) lastLeader = leader.id;
  }
}

/** Agents of the dev cluster: HTTP on the base port +1, +2, …, work dirs `<dataDir>/agentN`. */
function devAgents(count: number, basePort: number, dataDir: string, masters: string): Replica[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `agent${i + 1}`;
    const http = `127.0.0.1:${basePort + 1 + i}`;
    const args = ['agent', '--masters', masters, '--work-dir', join(dataDir, id), '--http', http, '--attributes', `dev:${id}`];
    return { id, http, raft: '', child: null, restarts: 0, args };
  });
}

async function findLeader(replicas: Replica[]): Promise<{ id: string; http: string; term: number } | null> {
  for (const replica of replicas) {
    try {
      const response = await fetch(`http://${replica.http}/raft/status`, { signal: AbortSignal.timeout(300) });
      const status = (await response.json()) as { role: string; term: number };
      if (status.role === 'leader') return { id: replica.id, http: replica.http, term: status.term };
    } catch {
      // replica not up (yet); try the next one
    }
  }
  return null;
}

function printWelcome(replicas: Replica[], leader: { id: string; http: string; term: number }, dataDir: string): void {
  const lines = [
    '',
    'Kairos dev cluster is up.',
    ...replicas.map((r) => `  ${r.id}  http://${r.http}  raft ${r.raft}${r.id === leader.id ? '   ← leader' : ''}`),
    '',
    `  leader:        http://${leader.http}  (any replica redirects: http://${replicas[0]!.http}/master/redirect)`,
    `  cluster state: curl -sL http://${replicas[0]!.http}/master/state   (Mesos v0 JSON: agents, frameworks, tasks)`,
    `  frameworks:    POST http://${leader.http}/api/v1/scheduler   (Mesos v1 scheduler API)`,
    `  raft status:   curl -s http://${replicas[0]!.http}/raft/status`,
    `  write / read:  curl -L -X PUT --data hello http://${replicas[0]!.http}/raft/kv/greeting ; curl -L http://${replicas[0]!.http}/raft/kv/greeting`,
    `  data and logs: ${dataDir}`,
    '',
    'Ctrl-C stops the cluster; kill a replica to watch failover.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/**
 * The Chronos port (KAIROS_CHRONOS_PORT, default 4400, 0 = off): a proxy to the replicas. A busy
 * port is reported, not fatal: every replica serves the Chronos API too.
 */
async function startGateway(port: number, targets: readonly string[]): Promise<ChronosGateway | null> {
  try {
    // Loaded on use, like the agent daemon (src/cli/agent.ts): other commands start faster.
    const { startChronosGateway } = await import('../chronos/api/gateway.js');
    return await startChronosGateway({ host: '127.0.0.1', port, targets: () => targets });
  } catch (error) {
    say(`Chronos port ${port} unavailable (${(error as Error).message}); the Chronos API is still on every replica under /scheduler`);
    return null;
  }
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

function say(message: string): void {
  process.stdout.write(`[kairos dev] ${message}\n`);
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
