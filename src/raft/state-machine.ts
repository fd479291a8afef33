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
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void;
}
