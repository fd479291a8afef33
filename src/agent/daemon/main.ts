/**
 * Composition root of the agent process (`kairos agent`): the Agent (checkpoints, executors,
 * status updates), a Docker executor when a daemon answers, the master link, and the HTTP
 * server. `stop()` is the orderly SIGTERM path: tasks keep running and are reattached by the
 * next agent on the same work dir; a SIGKILL loses nothing either (everything is checkpointed
 * before it matters).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { SystemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { KAIROS_VERSION } from '../../version.js';
import { Agent } from '../agent.js';
import { DockerExecutor } from '../executors/docker.js';
import { sandboxRoot } from '../sandbox.js';
import type { StatusUpdate } from '../types.js';
import { AgentHost } from './agent-host.js';
import type { AgentConfig } from './config.js';
import { buildDaemonHttp } from './http.js';
import { MasterLink, type Dialer } from './master-link.js';
import { createAgentMetrics } from './metrics.js';
import { formatResources } from './resources.js';
import { buildAgentState } from './state-json.js';

export interface AgentDaemon {
  agent: Agent;
  link: MasterLink;
  /** The address the HTTP server listens on (host:port, the real port when 0 was asked). */
  httpAddress: string;
  /** Orderly stop: close the link and the HTTP server, leave tasks running. */
  stop(): Promise<void>;
  /** Resolves when the master told this agent to shut down. */
  shutdownRequested: Promise<string>;
}

export interface AgentDaemonOptions {
  clock?: Clock;
  /** Status update retry policy (tests shorten it). */
  retry?: { minMs: number; maxMs: number };
  dial?: Dialer;
  /** false: no Docker executor at all (tests); default probes the socket. */
  docker?: boolean;
  cgroups?: 'detect' | null;
}

export async function runAgentDaemon(config: AgentConfig, log: Logger, options: AgentDaemonOptions = {}): Promise<AgentDaemon> {
  const clock = options.clock ?? new SystemClock();
  const startTimeSec = clock.nowMs() / 1000;
  let link: MasterLink | null = null;
  const sink = {
    send: (update: StatusUpdate) => {
      const sent = link?.sendStatus(update) ?? false;
      log.debug({ taskId: update.taskId, state: update.state, uuid: update.uuid, sent }, 'status update');
    },
  };
  const docker = options.docker === false ? null : await connectDocker(config, log);
  const agent = await Agent.start({
    workDir: config.workDir,
    sink,
    clock,
    cgroups: options.cgroups === undefined ? 'detect' : options.cgroups,
    docker,
    log: log.child({ component: 'agent' }),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  let requestShutdown: (reason: string) => void = () => {};
  const shutdownRequested = new Promise<string>((resolve) => (requestShutdown = resolve));
  let launches = 0;
  const host = new AgentHost({
    agent,
    hostname: config.hostname,
    httpAddress: config.advertisedHttp,
    resources: config.resources,
    attributes: config.attributes,
    log: log.child({ component: 'master-link' }),
    onShutdown: (reason) => requestShutdown(reason),
    onLaunch: () => {
      launches++;
      metrics.launches.inc();
    },
  });
  link = new MasterLink({
    masters: config.masters,
    host,
    clock,
    highestTerm: await agent.highestTerm(),
    missedPongs: config.missedPongs,
    standby: config.standbyLinks,
    log: log.child({ component: 'master-link' }),
    ...(options.dial ? { dial: options.dial } : {}),
  });
  const theLink = link;
  const metrics = createAgentMetrics({
    tasks: () => agent.tasks(),
    pendingUpdates: () => agent.updates.pending().length,
    connected: () => theLink.state === 'registered',
    highestTerm: () => theLink.highestTerm,
    registrations: () => theLink.stats.registrations,
    refused: () => theLink.stats.refused,
  });
  // The files API confines paths to the sandbox root, which must exist before the first task.
  mkdirSync(sandboxRoot(config.workDir), { recursive: true });
  const app = buildDaemonHttp({
    sandboxRoot: sandboxRoot(config.workDir),
    metrics: metrics.registry,
    state: async () =>
      buildAgentState({
        agentId: theLink.agentId ?? (await agent.agentId()),
        hostname: config.hostname,
        httpAddress: config.advertisedHttp,
        version: KAIROS_VERSION,
        startTimeSec,
        resources: config.resources,
        attributes: config.attributes,
        master: theLink.master,
        tasks: agent.tasks(),
        sandboxOf: (record) => agent.sandboxDirOf(record.spec),
        flags: { work_dir: config.workDir, master: config.masters.join(','), launches: String(launches) },
      }),
  });
  const at = config.http.lastIndexOf(':');
  const listenHost = config.http.slice(0, at).replace(/^\[|\]$/g, '');
  try {
    await app.listen({ host: listenHost, port: Number(config.http.slice(at + 1)) });
  } catch (error) {
    await agent.close();
    throw error;
  }
  const bound = app.server.address();
  const httpAddress = bound && typeof bound === 'object' ? `${listenHost}:${bound.port}` : config.http;
  link.start();
  log.info({ http: httpAddress, masters: config.masters, resources: formatResources(config.resources), attributes: config.attributes, docker: docker !== null }, 'agent started');

  let stopped: Promise<void> | null = null;
  return {
    agent,
    link,
    httpAddress,
    shutdownRequested,
    stop: () =>
      (stopped ??= (async () => {
        await theLink.stop();
        await app.close();
        await agent.close();
        log.info('agent stopped; tasks keep running and are reattached on restart');
      })()),
  };
}

/** A Docker executor when the daemon answers a ping, else null and one warning. */
async function connectDocker(config: AgentConfig, log: Logger): Promise<DockerExecutor | null> {
  if (!existsSync(config.dockerSocket)) {
    log.warn({ socket: config.dockerSocket }, 'no Docker socket; container tasks will fail with TASK_FAILED');
    return null;
  }
  // Loaded only when a socket exists: dockerode is a large share of the agent's start-up time,
  // and a restarted agent must re-register before the master's unreachable timeout.
  const { default: Docker } = await import('dockerode');
  const docker = new Docker({ socketPath: config.dockerSocket, timeout: 5_000 });
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000).unref())]);
  } catch (error) {
    log.warn({ socket: config.dockerSocket, reason: (error as Error).message }, 'no Docker daemon answers; container tasks will fail with TASK_FAILED');
    return null;
  }
  return new DockerExecutor({ docker, allowPrivileged: config.allowPrivileged });
}
