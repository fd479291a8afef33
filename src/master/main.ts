/**
 * `kairos master` composition root: builds the concrete shells (LevelDB store, TCP transport,
 * clock, RNG, HTTP server), injects them, and owns the process's orderly shutdown. Nothing else
 * constructs shells.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { MasterConfig } from '../cli/config.js';
import { SystemClock } from '../lib/clock.js';
import { watchLoopStalls } from '../lib/loop-stalls.js';
import type { Logger } from '../lib/log.js';
import { SeededRng, seedFromCrypto } from '../lib/rng.js';
import { LISTEN_BACKLOG } from '../lib/net.js';
import { StartupPhases } from '../lib/startup-phases.js';
import { defaultRaftConfig } from '../raft/core/types.js';
import { RaftNode } from '../raft/driver.js';
import { LevelRaftStore } from '../raft/storage/level-store.js';
import { TcpTransport } from '../raft/transport/tcp-transport.js';
import { leaderHttpAddress, type MasterContext } from './api/context.js';
import { drainHttp, waitUntil } from './drain.js';
import { buildMasterServer } from './server.js';
import { MasterStateMachine, encodeCommand } from './state/machine.js';
import { KAIROS_VERSION } from '../version.js';
import { takeEarlyServer } from '../cli/early-http.js';
import { MasterEngine } from './leader/engine.js';
import { installChronosState } from '../chronos/install.js';
import { startChronosRuns } from '../chronos/runner/install.js';

export interface RunningMaster {
  context: MasterContext;
  server: FastifyInstance;
  /** Graceful: hands leadership over first, then closes HTTP, transport and storage. */
  stop(): Promise<void>;
}

export async function runMaster(config: MasterConfig, logger: Logger): Promise<RunningMaster> {
  const startup = new StartupPhases();
  startup.mark('loadMs');
  mkdirSync(config.dataDir, { recursive: true });
  const store = await LevelRaftStore.open(join(config.dataDir, 'raft'));
  startup.mark('storeOpenMs');
  const tls = readTls(config);
  const transport = await TcpTransport.start({
    id: config.id,
    listen: config.peers[config.id]!,
    peers: Object.fromEntries(Object.entries(config.peers).filter(([id]) => id !== config.id)),
    logger: logger.child({ component: 'transport' }),
    ...(tls ? { tls } : {}),
  });
  startup.mark('transportMs');
  const state = new MasterStateMachine();
  state.onMembersChanged = () => reconcilePeers(config, state, transport);
  // The registry part must be registered before the node starts (it applies the log from there on).
  const engine = new MasterEngine({
    clock: new SystemClock(),
    logger: logger.child({ component: 'engine' }),
    settings: {
      agentHeartbeatMs: config.agentHeartbeatMs,
      maxMissedHeartbeats: config.agentMaxMissedHeartbeats,
      allocator: config.allocator,
      allocationIntervalMs: config.allocationIntervalMs,
      allocationBatchMs: config.allocationBatchMs,
      schedulerHeartbeatMs: config.schedulerHeartbeatMs,
      roles: config.roles,
    },
  });
  state.addPart(engine.registry);
  const chronos = installChronosState(state, { logger: logger.child({ component: 'chronos' }) });
  const node = await RaftNode.start({
    config: {
      ...defaultRaftConfig,
      id: config.id,
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
    },
    // A joining replica starts with no configuration and waits for the leader to add it.
    bootstrapConf: { voters: config.join ? [] : Object.keys(config.peers).sort(), learners: [] },
    store,
    transport,
    stateMachine: state,
    clock: new SystemClock(),
    rng: new SeededRng(seedFromCrypto()),
    logger: logger.child({ component: 'raft' }),
    tickMs: config.tickMs,
    snapshotEveryEntries: config.snapshotEntries,
    requestTimeoutMs: 5_000,
    maxQueuedProposals: 100_000,
  });
  startup.mark('raftMs');
  const context: MasterContext = { node, state, logger, httpAddress: config.http, raftAddress: config.peers[config.id]!, version: KAIROS_VERSION };
  advertiseWhenLeading(context);
  engine.attach(context);
  chronos.runner = startChronosRuns({ node, state, jobs: chronos.jobs, clock: new SystemClock(), logger: logger.child({ component: 'chronos-runs' }), scheduler: () => context.scheduler?.() ?? null, registry: context.registry }).runner;
  // Clients of the HTTP API are not required to present certificates; replicas are (Raft TLS).
  const prebound = tls ? null : await takeEarlyServer(config.http);
  const server = await buildMasterServer(context, {
    https: tls ? { ...tls, requestClientCert: false } : null,
    prebound,
    transportStats: () => transport.stats(),
    chronos,
  });
  engine.attachServer(server.server);
  if (!prebound) {
    const [host, port] = splitAddress(config.http);
    await server.listen({ host, port, backlog: LISTEN_BACKLOG });
  }
  startup.mark('httpMs');
  logger.info({ http: config.http, raft: config.peers[config.id], dataDir: config.dataDir, startup: startup.summary() }, 'master replica serving');
  // A stall near the election timeout costs leadership: say so where the elections are logged.
  const electionTimeoutMs = config.electionTicks * config.tickMs;
  const stalls = watchLoopStalls(new SystemClock(), {
    everyMs: 50,
    thresholdMs: Math.max(100, electionTimeoutMs / 4),
    onStall: (stalledMs) => logger.warn({ stalledMs: Math.round(stalledMs), electionTimeoutMs, leader: node.isLeader }, 'event loop stalled'),
  });
  return {
    context,
    server,
    async stop() {
      stalls.stop();
      const wasLeader = node.isLeader;
      if (wasLeader) {
        // Hand over while the node still runs, so the new leader's HTTP address is applied here.
        await node.transferLeadership(null, 1_500).catch(() => false);
        await waitUntil(() => leaderHttpAddress(context) !== null, 1_000);
      }
      await node.stop({ transfer: true });
      await engine.stop();
      if (wasLeader) await drainHttp(server.server);
      await server.close();
    },
  };
}

/** A new leader records where it serves HTTP, so followers can redirect clients to it. */
function advertiseWhenLeading(context: MasterContext): void {
  const { node, state, logger } = context;
  node.onLeaderChange((soft, term) => {
    if (soft.role !== 'leader') return;
    const known = state.members.get(node.id);
    if (known && known.httpAddress === context.httpAddress) return;
    node
      .propose(encodeCommand({ t: 'member.advertise', id: node.id, httpAddress: context.httpAddress, raftAddress: context.raftAddress, term }))
      .catch((error: Error) => logger.warn({ err: error }, 'could not advertise this leader\'s HTTP address'));
  });
}

/**
 * Points the transport at every replica the replicated members table knows (added through the
 * membership API) besides the ones given by --peers; forgets removed ones.
 */
function reconcilePeers(config: MasterConfig, state: MasterStateMachine, transport: TcpTransport): void {
  const wanted = new Map(Object.entries(config.peers));
  for (const member of state.members.all()) if (member.raftAddress) wanted.set(member.id, member.raftAddress);
  for (const [id, address] of wanted) if (id !== config.id) transport.setPeer(id, address);
}

function readTls(config: MasterConfig): { cert: Buffer; key: Buffer; ca?: Buffer } | null {
  if (!config.tlsCert || !config.tlsKey) return null;
  return {
    cert: readFileSync(config.tlsCert),
    key: readFileSync(config.tlsKey),
    ...(config.tlsCa ? { ca: readFileSync(config.tlsCa) } : {}),
  };
}

export function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  return [host, Number(address.slice(at + 1))];
}
