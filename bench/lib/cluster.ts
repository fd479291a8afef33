/**
 * The one interface both Raft systems under test implement (etcd in bench/etcd.ts, Kairos in
 * bench/kairos-raft.ts), so the write and failover scenarios drive them with identical code and
 * their ratios compare like with like.
 */
import type { LoadTarget } from './load.js';
import { waitFor, type ManagedProcess } from './process.js';

/** Outcome of one probing write during failover. */
export interface WriteAttempt {
  /** True only if the write was committed in a term later than `afterTerm`. */
  committed: boolean;
  /** The term the answer reported (etcd header.raft_term; Kairos: the answering leader's). */
  term: number | null;
  detail: string;
}

export interface LeaderInfo {
  member: string;
  term: number;
}

/** A 3-member cluster on loopback with one process per member. Member names are stable. */
export interface ClusterUnderTest {
  /** Shown in tables, e.g. "etcd 3.4.23 defaults". */
  readonly label: string;
  readonly memberNames: readonly string[];
  start(): Promise<void>;
  /** Stops every member (SIGTERM, then SIGKILL) and forgets nothing on disk. */
  stop(): Promise<void>;
  /** Waits until every running member agrees on one leader, and returns it. */
  waitForLeader(timeoutMs: number): Promise<LeaderInfo>;
  /** Closed-loop write target aimed at `member` (the leader, for throughput runs). */
  writeTarget(member: string, valueBytes: number): LoadTarget;
  /** One write sent to `member`; never throws. */
  tryWrite(member: string, key: string, afterTerm: number, timeoutMs: number): Promise<WriteAttempt>;
  /** Sends `signal` to the member and resolves once its process has exited. */
  signalAndWait(member: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts a stopped member again on its data dir and waits until it has caught up. */
  restart(member: string, timeoutMs: number): Promise<void>;
}

/** Sends `signal` to a member's process (if running) and resolves once it has exited. */
export async function signalAndWaitFor(process: ManagedProcess | null, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  if (process === null) return;
  process.signal(signal);
  await process.exited;
}

/**
 * Relaunches a member and waits until it has caught up with the leader, as each system defines
 * "caught up" (`caughtUp` compares the member's status with the leader's).
 */
export async function relaunchAndCatchUp(
  cluster: Pick<ClusterUnderTest, 'label' | 'waitForLeader'>,
  member: string,
  timeoutMs: number,
  launch: () => void,
  caughtUp: (member: string, leader: string) => Promise<boolean>,
): Promise<void> {
  launch();
  await waitFor(
    async () => {
      const leader = await cluster.waitForLeader(timeoutMs);
      return (await caughtUp(member, leader.member)) ? true : null;
    },
    { timeoutMs, what: `${cluster.label}: ${member} restarted and caught up` },
  );
}
