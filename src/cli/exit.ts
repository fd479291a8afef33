/** One clear line on stderr and exit code 2: the contract for bad flags and bad config. */
export function exitWithUsageError(message: string): never {
  process.stderr.write(`kairos: ${message.split('\n')[0]}\n`);
  process.exit(2);
}
