/**
 * The `kairos` command. Subcommands: `master` (one replica), `agent`, `dev` (a local HA cluster).
 * Usage errors and bad configuration print one line on stderr and exit with code 2.
 */
import { Command, CommanderError } from 'commander';
import { KAIROS_VERSION } from '../version.js';
import { addAgentCommand } from './agent.js';
import { addDevCommand } from './dev.js';
import { exitWithUsageError } from './exit.js';

const program = new Command();
program
  .name('kairos')
  .description('Kairos: a fault-tolerant cluster resource manager and job scheduler (Mesos + Chronos on Raft)')
  .version(KAIROS_VERSION)
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined });

// `kairos agent` does not load the master (about a second of start-up here): a SIGKILLed agent
// must be back and re-registered before the master's unreachable timeout.
if (process.argv[2] !== 'agent') (await import('./master.js')).addMasterCommand(program);
addAgentCommand(program);
addDevCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) process.exit(0);
    exitWithUsageError(error.message.replace(/^error: /, ''));
  }
  throw error;
}
