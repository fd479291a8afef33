/**
 * A Kairos master replica for the node-driver benchmark: the real composition root
 * (src/master/main.ts runMaster, same flags as `kairos master`), plus an IPC command that runs a
 * closed loop of RaftNode.propose() calls inside this process — committed writes with no HTTP in
 * the path. Started by bench/kairos-driver.ts through KairosCluster with ipc: true.
 *
 * IPC: { requestId, type: 'load', concurrency, durationMs, warmupMs, valueBytes }
 *   → { requestId, result: LoadResult } or { requestId, error }.
 */
import { resolveMasterConfig } from '../src/cli/config.js';
import { createLogger } from '../src/lib/log.js';
import { runMaster, type RunningMaster } from '../src/master/main.js';
import { encodeCommand } from '../src/master/state/machine.js';
import { runClosedLoop, type LoadResult } from './lib/load.js';

interface LoadCommand {
  requestId: number;
  type: 'load';
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  valueBytes: number;
}

/** "--data-dir x" → { dataDir: 'x' }, the shape commander hands to resolveMasterConfig. */
function parseFlags(argv: string[]): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (let index = 0; index + 1 < argv.length; index += 2) {
    const name = (argv[index] ?? '').replace(/^--/, '').replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    flags[name] = argv[index + 1];
  }
  return flags;
}

function proposeLoop(master: RunningMaster, command: LoadCommand): Promise<LoadResult> {
  const value = new Uint8Array(command.valueBytes).fill(0x76);
  const node = master.context.node;
  return runClosedLoop(
    async (worker, sequence) => {
      try {
        await node.propose(encodeCommand({ t: 'kv.put', key: `driver-${worker}-${sequence % 1000}`, value }));
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
    { concurrency: command.concurrency, durationMs: command.durationMs, warmupMs: command.warmupMs, requestTimeoutMs: 10_000 },
  );
}

async function main(): Promise<void> {
  const config = resolveMasterConfig(parseFlags(process.argv.slice(2)), {});
  const logger = createLogger({ level: config.logLevel, bindings: { replica: config.id } });
  const master = await runMaster(config, logger);
  process.on('message', (message: LoadCommand) => {
    if (message.type !== 'load') return;
    proposeLoop(master, message).then(
      (result) => process.send?.({ requestId: message.requestId, result }),
      (error: Error) => process.send?.({ requestId: message.requestId, error: error.message }),
    );
  });
  const shutdown = (): void => {
    master.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.once('disconnect', shutdown); // the bench went away: do not linger
}

main().catch((error: unknown) => {
  process.stderr.write(`kairos-driver-replica: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
