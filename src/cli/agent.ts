/**
 * `kairos agent`: runs one agent until SIGINT/SIGTERM (orderly stop; tasks keep running and
 * are reattached when the agent starts again on the same work dir) or until the master tells
 * it to shut down.
 */
import type { Command } from 'commander';
import { agentEnvName, resolveAgentConfig } from '../agent/daemon/config.js';
import { ConfigError, StorageError } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { exitWithUsageError } from './exit.js';

export function addAgentCommand(program: Command): void {
  const env = agentEnvName;
  program
    .command('agent')
    .description('run one agent: offers this machine to the masters and runs their tasks')
    .option('--masters <list>', `every master's HTTP address, host:port comma-separated (${env('masters')})`)
    .option('--work-dir <dir>', `checkpoints, sandboxes and task run files (${env('workDir')})`)
    .option('--resources <text>', `e.g. "cpus:4;mem:8192;disk:20000;ports:[31000-32000]"; missing ones are detected (${env('resources')})`)
    .option('--attributes <text>', `e.g. "rack:r1;zone:a" (${env('attributes')})`)
    .option('--http <host:port>', `HTTP listen address for /state, /metrics, /files, default 127.0.0.1:5051 (${env('http')})`)
    .option('--hostname <name>', `hostname reported to the masters, default the machine's (${env('hostname')})`)
    .option('--allow-privileged', `allow privileged Docker containers (${env('allowPrivileged')})`)
    .option('--docker-socket <path>', `Docker daemon socket, default /var/run/docker.sock (${env('dockerSocket')})`)
    .option('--missed-pongs <n>', `heartbeat intervals without hearing from the master before it is taken as gone, default 4 (${env('missedPongs')})`)
    .option('--standby-links <bool>', `keep an idle link to every other master so the next leader calls the agent, default true (${env('standbyLinks')})`)
    .option('--log-level <level>', `trace|debug|info|warn|error|fatal|silent, default info (${env('logLevel')})`)
    .option('--log-pretty', `human-readable logs instead of JSON lines (${env('logPretty')})`)
    .action(async (flags: Record<string, unknown>) => {
      let config;
      try {
        config = resolveAgentConfig(flags, process.env);
      } catch (error) {
        if (error instanceof ConfigError) exitWithUsageError(error.message);
        throw error;
      }
      const logger = createLogger({ level: config.logLevel, pretty: config.logPretty, name: 'kairos-agent' });
      let daemon;
      try {
        // Loaded here, not at the top: every `kairos` command (a restarting master included)
        // would otherwise load the agent and its Docker client (≈ 0.25 s) at start-up.
        const { runAgentDaemon } = await import('../agent/daemon/main.js');
        daemon = await runAgentDaemon(config, logger);
      } catch (error) {
        if (error instanceof StorageError || error instanceof ConfigError) exitWithUsageError(error.message);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') exitWithUsageError(`cannot listen on ${config.http}: ${(error as Error).message}`);
        throw error;
      }
      let stopping = false;
      const shutdown = (why: string, exitCode = 0): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ why }, 'stopping the agent');
        daemon
          .stop()
          .catch((error: Error) => logger.error({ err: error }, 'error during shutdown'))
          .finally(() => process.exit(exitCode));
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      void daemon.shutdownRequested.then((reason) => shutdown(`master: ${reason}`, 1));
      if (process.env['KAIROS_EXIT_WITH_PARENT'] === '1') {
        process.stdin.on('end', () => shutdown('parent exited'));
        process.stdin.on('close', () => shutdown('parent exited'));
        process.stdin.resume();
      }
    });
}
