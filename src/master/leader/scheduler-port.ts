/**
 * The Mesos v1 scheduler API as an in-process interface on the leading master. The HTTP route
 * (`POST /api/v1/scheduler`, src/master/api/scheduler/) decodes and schema-validates JSON and
 * then calls this port; the built-in Chronos framework calls it directly with the same JSON
 * shapes. Events come back through a sink as the JSON objects the RecordIO stream carries, so
 * both kinds of framework see exactly the same offers, updates, rescinds and heartbeats.
 *
 * Errors: methods throw typed KairosErrors (ValidationError → 400 with the field named,
 * NotLeaderError → 307/503, ForbiddenError-like mismatches → 400/403 as the spec says); a
 * rejected call changes nothing.
 */

/** One v1 event object, e.g. `{ type: 'OFFERS', offers: { offers: [...] } }`. */
export interface V1Event {
  type: 'SUBSCRIBED' | 'OFFERS' | 'INVERSE_OFFERS' | 'RESCIND' | 'RESCIND_INVERSE_OFFER' | 'UPDATE' | 'UPDATE_OPERATION_STATUS' | 'MESSAGE' | 'FAILURE' | 'ERROR' | 'HEARTBEAT';
  [field: string]: unknown;
}

/** One v1 call object as decoded from JSON (`type` plus the payload under its lowercase key). */
export interface V1Call {
  type: string;
  framework_id?: { value: string };
  [field: string]: unknown;
}

/** Where a subscribed framework's events go. The port calls `close` when the subscription
 * ends (leadership lost, TEARDOWN, a newer SUBSCRIBE of the same framework, ERROR). */
export interface SchedulerSink {
  send(event: V1Event): void;
  close(reason: string): void;
  /** Optional: bytes sent and not yet taken by the reader (bulk answers pace themselves by it). */
  backlogBytes?(): number;
}

export interface Subscription {
  frameworkId: string;
  /** Sent as `Mesos-Stream-Id`; later calls must present it. */
  streamId: string;
  /** Ends the subscription from the client side (HTTP stream closed): the framework becomes
   * disconnected and its failover timer starts. Idempotent. */
  disconnect(): void;
}

export interface CallOptions {
  recordInBackground?: boolean;
}

export interface SchedulerPort {
  /** SUBSCRIBE: registers (no `framework_info.id`) or fails over (known id, within
   * `failover_timeout`) a framework; resolves after the change is committed through Raft and
   * SUBSCRIBED has been handed to `sink` (followed by HEARTBEATs and OFFERS). */
  subscribe(call: V1Call, sink: SchedulerSink, options?: { internal?: boolean }): Promise<Subscription>;
  /** Any other call; resolves once it is accepted (202): for state-changing calls, once
   * committed through Raft. `streamId` is the caller's Mesos-Stream-Id (null for internal).
   * With `recordInBackground`, an ACCEPT resolves as soon as its offers are validated and
   * claimed, as Mesos answers 202 (mesos-api.md §0 C5); its launches and reservations are then
   * recorded through Raft and their outcome reaches the framework as UPDATE events. */
  call(call: V1Call, streamId: string | null, options?: CallOptions): Promise<void>;
}
