/**
 * What the Raft node drives: a deterministic state machine fed committed commands in log order.
 * `apply` must be a pure function of the state and the command (every replica computes the same
 * result) and must not throw for a command it rejects: it returns the rejection as its result.
 */
export interface StateMachine<Result = unknown> {
  /** Applies one committed command; the result is returned to the proposer on the leader. */
  apply(command: Uint8Array, index: number): Result;
  /** A self-contained encoding of the whole state as of the last applied index. */
  snapshot(): Uint8Array;
  /**
   * Optional: the same snapshot a bounded piece of work per `next()`. The node pauses applying
   * until the generator returns, so the state holds still while it runs across event-loop turns.
   */
  snapshotInPieces?(): Generator<void, Uint8Array, void>;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}
