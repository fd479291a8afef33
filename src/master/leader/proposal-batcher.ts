/**
 * Coalesces registry commands proposed in the same event-loop turn into one `reg.batch` Raft
 * entry. Under load agents report thousands of status updates a second; one entry each means one
 * encode, one log record and one replication message each, and the Raft pipeline, not the
 * reducer, becomes the limit. Each caller still gets its own command's result (or error).
 */
import { ConflictError } from '../../lib/errors.js';
import type { RegistryCommand } from '../registry/commands.js';
import type { RegistryResult } from '../registry/state.js';

/** Commands per entry at most: one entry's apply blocks every replica's event loop (Raft
 * heartbeats included), so a burst becomes several moderate entries, not one huge one. */
export const BATCH_LIMIT = 256;

/** Re-registrations per entry at most (each carries and reconciles an agent's tasks). */
export const REREGISTER_BATCH_LIMIT = 32;

interface Waiting {
  command: RegistryCommand;
  resolve(result: RegistryResult): void;
  reject(error: unknown): void;
}

export class ProposalBatcher {
  private queue: Waiting[] = [];
  private flushScheduled = false;

  /**
   * @param proposeOne proposes a single command (used when only one is waiting)
   * @param proposeBatch proposes a `reg.batch` of the commands and resolves with its result
   * @param limit most commands per entry
   */
  constructor(
    private readonly proposeOne: (command: RegistryCommand) => Promise<RegistryResult>,
    private readonly proposeBatch: (commands: RegistryCommand[]) => Promise<RegistryResult>,
    private readonly limit = BATCH_LIMIT,
  ) {}

  propose(command: RegistryCommand): Promise<RegistryResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      if (this.queue.length >= this.limit) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const waiting = this.queue;
    this.queue = [];
    if (waiting.length === 0) return;
    if (waiting.length === 1) {
      const only = waiting[0]!;
      this.proposeOne(only.command).then(only.resolve, only.reject);
      return;
    }
    this.proposeBatch(waiting.map((w) => w.command)).then(
      (result) => settleEach(waiting, result),
      (error: unknown) => {
        for (const w of waiting) w.reject(error);
      },
    );
  }
}

function settleEach(waiting: readonly Waiting[], result: RegistryResult): void {
  if (result.kind !== 'batch' || result.results.length !== waiting.length) {
    for (const w of waiting) w.reject(new ConflictError('unexpected batch result'));
    return;
  }
  waiting.forEach((w, index) => {
    const own = result.results[index]!;
    if (own.ok) w.resolve(own.value as RegistryResult);
    else w.reject(new ConflictError(own.error));
  });
}
