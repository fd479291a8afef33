/**
 * Background log traffic: every so often, every node that believes it leads — stale leaders in a
 * minority included — is handed a burst of writes to a key no client checks. Bursts make logs
 * diverge in long uncommitted suffixes that later leaders must overwrite, which is where the
 * subtle Raft bugs live (Figure 8, commit past the matched prefix, conflicting truncation).
 */
import { encodeKvCommand } from './kv-state-machine.js';
import type { SimCluster } from './sim-cluster.js';

export interface ChurnPlan {
  intervalMs: number;
  burst: number;
}

export class LogChurn {
  private running = false;
  private written = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly plan: ChurnPlan,
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
  }

  private schedule(): void {
    const delay = this.cluster.rng.next() * 2 * this.plan.intervalMs;
    this.cluster.later(delay, () => {
      if (!this.running) return;
      this.burst();
      this.schedule();
    });
  }

  private burst(): void {
    const count = this.cluster.rng.int(1, this.plan.burst);
    for (const node of this.cluster.nodeList()) {
      if (!node.isLeader) continue;
      for (let k = 0; k < count; k++) {
        node.propose(encodeKvCommand({ op: 'put', key: '__churn', value: `w${++this.written}` }));
      }
    }
  }
}
