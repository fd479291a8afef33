/**
 * Goal: the failover measurement reports the time from the signal to the first write committed
 * by a NEW leader — not the probe timeout, not a commit in the old term. Method: a fake
 * 3-member cluster whose survivors commit only 150 ms after the leader is signalled (earlier
 * writes hang, as etcd's do when forwarded to a dead leader, or report the old term); the
 * measured figure must be close to 150 ms, and the old leader must have been restarted.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterUnderTest, LeaderInfo, WriteAttempt } from '../lib/cluster.js';
import type { LoadTarget } from '../lib/load.js';
import { measureFailoverRound } from '../raft-failover.js';

class FakeCluster implements ClusterUnderTest {
  readonly label = 'fake';
  readonly memberNames = ['a', 'b', 'c'];
  signalledAt = Number.NaN;
  restarted: string[] = [];
  constructor(private readonly electionMs: number) {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  waitForLeader(): Promise<LeaderInfo> {
    return Promise.resolve({ member: 'a', term: 5 });
  }
  writeTarget(): LoadTarget {
    throw new Error('not used');
  }
  async tryWrite(member: string, _key: string, afterTerm: number, timeoutMs: number): Promise<WriteAttempt> {
    expect(member).not.toBe('a');
    const sinceSignal = performance.now() - this.signalledAt;
    if (sinceSignal < this.electionMs / 2) {
      // Forwarded to the dead leader: hangs until the probe's own timeout.
      await new Promise((resolvePromise) => setTimeout(resolvePromise, Math.min(timeoutMs, 400)));
      return { committed: false, term: null, detail: 'timeout' };
    }
    const term = sinceSignal < this.electionMs ? afterTerm : afterTerm + 1; // old term first
    return { committed: term > afterTerm, term, detail: `term ${term}` };
  }
  signalAndWait(): Promise<void> {
    this.signalledAt = performance.now();
    return Promise.resolve();
  }
  restart(member: string): Promise<void> {
    this.restarted.push(member);
    return Promise.resolve();
  }
}

describe('measureFailoverRound', () => {
  it('measures the election, not the hung probe or an old-term commit', async () => {
    const cluster = new FakeCluster(150);
    const elapsedMs = await measureFailoverRound({ cluster, signal: 'SIGKILL', rounds: 1 }, 0);
    expect(elapsedMs).toBeGreaterThanOrEqual(150);
    expect(elapsedMs).toBeLessThan(150 + 60);
    expect(cluster.restarted).toEqual(['a']);
  });
});
