/**
 * `kairos master`: runs one master replica until SIGINT/SIGTERM, then shuts down gracefully
 * (leadership handed over first so the cluster fails over at once).
 */
import type { Command } from 'commander';
import { ConfigError, StorageError, UnavailableError } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { envName, resolveMasterConfig } from './config.js';
import { exitWithUsageError } from './exit.js';

export function addMasterCommand(program: Command): void {
  program
    .command('master')
    .description('run one master replica (Raft member, HTTP APIs)')
    .option('--id <id>', `this replica's id, one of the --peers ids (${envName('id')})`)
    .option('--peers <list>', `every replica as id=host:port of its Raft port, comma-separated (${envName('peers')})`)
    .option('--http <host:port>', `HTTP listen address (${envName('http')})`)
    .option('--data-dir <dir>', `where the Raft log and snapshots live (${envName('dataDir')})`)
    .option('--tick-ms <ms>', `length of one Raft tick, default 10 (${envName('tickMs')})`)
    .option('--election-ticks <n>', `election timeout in ticks, randomised in [n, 2n), default 40 (${envName('electionTicks')})`)
    .option('--heartbeat-ticks <n>', `leader heartbeat interval in ticks, default 5 (${envName('heartbeatTicks')})`)
    .option('--snapshot-entries <n>', `snapshot and compact the log every n entries, default 20000 (${envName('snapshotEntries')})`)
    .option('--log-level <level>', `trace|debug|info|warn|error|fatal|silent, default info (${envName('logLevel')})`)
    .option('--join', `start empty and wait to be added by the leader (POST /raft/members) instead of bootstrapping (${envName('join')})`)
    .option('--log-pretty', `human-readable logs instead of JSON lines (${envName('logPretty')})`)
    .option('--tls-cert <file>', `serve HTTPS and Raft TLS with this certificate (${envName('tlsCert')})`)
    .option('--tls-key <file>', `private key for --tls-cert (${envName('tlsKey')})`)
    .option('--tls-ca <file>', `CA bundle to verify peers (${envName('tlsCa')})`)
    .option('--agent-heartbeat-ms <ms>', `agent heartbeat interval, default 1000 (${envName('agentHeartbeatMs')})`)
    .option('--agent-max-missed-heartbeats <n>', `missed agent heartbeats before the agent is unreachable and its tasks LOST/UNREACHABLE; long enough for an agent restart, default 15 (${envName('agentMaxMissedHeartbeats')})`)
    .option('--allocator <policy>', `offer policy: drf|round-robin|priority, default drf (${envName('allocator')})`)
    .option('--allocation-interval-ms <ms>', `allocation cycle interval, default 1000 (${envName('allocationIntervalMs')})`)
    .option('--allocation-batch-ms <ms>', `least gap between event-triggered allocation cycles, default 100 (${envName('allocationBatchMs')})`)
    .option('--roles <json>', `per-role DRF weight, priority and quota guarantee, e.g. '{"ops":{"weight":2,"priority":1,"quota":{"cpus":4,"mem":4096}}}' (${envName('roles')})`)
    .option('--scheduler-heartbeat-ms <ms>', `HEARTBEAT interval to schedulers, at most 5000 (${envName('schedulerHeartbeatMs')})`)
    .option('--config <file>', 'JSON file with any of the settings above (camelCase keys); flags and env win (KAIROS_CONFIG)')
    .action(async (flags: Record<string, unknown>) => {
      let config;
      try {
        config = resolveMasterConfig(flags, process.env);
      } catch (error) {
        if (error instanceof ConfigError) exitWithUsageError(error.message);
        throw error;
      }
      const logger = createLogger({ level: config.logLevel, pretty: config.logPretty, bindings: { replica: config.id } });
      let master;
      try {
        // Loaded here, not at start-up: `kairos --version`, `help` and the `dev` launcher do not
        // need the master's HTTP stack, storage and allocator (≈ 0.4 s of loading).
        const { runMaster } = await import('../master/main.js');
        master = await runMaster(config, logger);
      } catch (error) {
        // Bad storage, bad config, or a port that cannot be bound: one line, exit code 2.
        if (error instanceof StorageError || error instanceof ConfigError || error instanceof UnavailableError) exitWithUsageError(error.message);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') exitWithUsageError(`cannot listen: ${(error as Error).message}`);
        throw error;
      }
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        master
          .stop()
          .catch((error: Error) => logger.error({ err: error }, 'error during shutdown'))
          .finally(() => process.exit(0));
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      // Started by `kairos dev`: exit when the parent goes away, so no replica is orphaned.
      if (process.env['KAIROS_EXIT_WITH_PARENT'] === '1') {
        process.stdin.on('end', () => shutdown('parent exited'));
        process.stdin.on('close', () => shutdown('parent exited'));
        process.stdin.resume();
      }
    });
}
