/**
 * A small Mesos v1 HTTP scheduler for tests, speaking to masters as real framework clients do:
 * SUBSCRIBE (following 307 to the leader, retrying 503), reading the RecordIO event stream,
 * then calls carrying `Mesos-Stream-Id` to the master it subscribed to. Events are kept in order
 * and can be awaited with deadlines.
 */
import { request, type Agent, type ClientRequest, type IncomingMessage } from 'node:http';
import { RecordIoDecoder } from '../../src/master/api/scheduler/recordio.js';
import { hostOfLocation } from '../../src/protocol/connection.js';

export interface V1Event {
  type: string;
  [field: string]: unknown;
}

export interface TaskStatusJson {
  task_id: { value: string };
  agent_id?: { value: string };
  state: string;
  uuid?: string;
  reason?: string;
  source?: string;
  message?: string;
}

export interface OfferJson {
  id: { value: string };
  agent_id: { value: string };
  hostname: string;
  resources: Array<{ name: string; type: string; scalar?: { value: number }; ranges?: { range: Array<{ begin: number; end: number }> } }>;
  url?: { address?: { ip?: string; port?: number } };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface SubscribeOptions {
  /** Give up after this long (redirects, 503s, connection errors). */
  timeoutMs?: number;
  /** The framework id to fail over to (re-subscription). */
  frameworkId?: string;
  /** Roles to subscribe suppressed (`subscribe.suppressed_roles`): no offers until REVIVE. */
  suppressedRoles?: string[];
}

/** POST a JSON body once (no redirects followed). */
export function postJson(address: string, path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000, agent?: Agent): Promise<HttpAnswer> {
  const [host, port] = splitAddress(address);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, timeout: timeoutMs, ...(agent ? { agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${address}${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `//host:port/path` or `http://host:port/path` → host:port. */
export function addressOfLocation(location: string): string {
  const address = hostOfLocation(location);
  if (address === null) throw new Error(`unexpected Location ${location}`);
  return address;
}

/** An open SUBSCRIBE stream: where it is, its Mesos-Stream-Id, and the RecordIO body to read. */
export interface OpenSubscription {
  master: string;
  streamId: string | undefined;
  body: ReadableStream<Uint8Array>;
}

/**
 * POSTs SUBSCRIBE with fetch (framework id, when given, in the call and the info) and follows a
 * 307 to the leader up to 3 times; null when no master opened a stream.
 */
export async function openSubscription(master: string, info: Record<string, unknown>, frameworkId: string | undefined, signal: AbortSignal, hops = 0): Promise<OpenSubscription | null> {
  const idField = frameworkId ? { id: { value: frameworkId } } : {};
  const response = await fetch(`http://${master}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ type: 'SUBSCRIBE', ...(frameworkId ? { framework_id: { value: frameworkId } } : {}), subscribe: { framework_info: { ...info, ...idField } } }),
    redirect: 'manual',
    signal,
  });
  if (response.status === 307 && hops < 3) {
    const leader = hostOfLocation(response.headers.get('location') ?? '');
    await response.body?.cancel();
    return leader ? openSubscription(leader, info, frameworkId, signal, hops + 1) : null;
  }
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel();
    return null;
  }
  return { master, streamId: response.headers.get('mesos-stream-id') ?? undefined, body: response.body };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

export class V1Framework {
  /** Every event received on the current and earlier streams, in order. */
  readonly events: V1Event[] = [];
  frameworkId = '';
  streamId = '';
  /** The master the current subscription is open on (where calls go). */
  master = '';
  /** Masters that answered 307 on the way to the current subscription. */
  redirectedFrom: string[] = [];
  /** Resolves when the current stream ends: 'clean' (terminating chunk) or 'error'. */
  ended: Promise<'clean' | 'error'> = Promise.resolve('clean');
  /** Acknowledge every UPDATE that carries a uuid as soon as it arrives (as real clients do;
   * the agent sends a task's next update only after the previous one was acknowledged). */
  autoAcknowledge = false;
  /** Status codes of the automatic acknowledgements, by uuid. */
  readonly acknowledged = new Map<string, number>();
  private waiters = new Set<() => void>();
  private currentRequest: ClientRequest | null = null;

  /** The connection pool for calls (default: Node's global keep-alive agent, unbounded). */
  httpAgent: Agent | undefined = undefined;

  constructor(readonly frameworkInfo: Record<string, unknown>) {}

  /** SUBSCRIBE through any of `masters`, following 307 and retrying 503 or dead masters. */
  async subscribe(masters: string[], options: SubscribeOptions = {}): Promise<V1Event> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const frameworkId = options.frameworkId ?? (this.frameworkId || undefined);
    const info = { ...this.frameworkInfo, ...(frameworkId ? { id: { value: frameworkId } } : {}) };
    const call = {
      type: 'SUBSCRIBE',
      ...(frameworkId ? { framework_id: { value: frameworkId } } : {}),
      subscribe: { framework_info: info, ...(options.suppressedRoles ? { suppressed_roles: options.suppressedRoles } : {}) },
    };
    const from = this.events.length;
    this.redirectedFrom = [];
    let attempt = 0;
    let target = masters[0]!;
    let lastProblem = '';
    while (Date.now() < deadline) {
      try {
        const outcome = await this.open(target, call);
        if (outcome.kind === 'redirect') {
          this.redirectedFrom.push(target);
          target = outcome.location;
          continue;
        }
        if (outcome.kind === 'open') {
          const subscribed = await this.waitFor('SUBSCRIBED or ERROR', (e) => e.type === 'SUBSCRIBED' || e.type === 'ERROR', { from, timeoutMs: Math.max(1, deadline - Date.now()) });
          if (subscribed.type === 'ERROR') throw new Error(`subscription refused: ${JSON.stringify(subscribed)}`);
          this.frameworkId = (subscribed['subscribed'] as { framework_id: { value: string } }).framework_id.value;
          return subscribed;
        }
        lastProblem = `${target} answered ${outcome.status} ${outcome.body}`;
      } catch (error) {
        lastProblem = `${target}: ${(error as Error).message}`;
      }
      attempt += 1;
      target = masters[attempt % masters.length]!;
      await new Promise((r) => setTimeout(r, Math.min(500, 50 * attempt)));
    }
    throw new Error(`could not subscribe within the deadline (last: ${lastProblem})`);
  }

  private open(address: string, call: unknown): Promise<{ kind: 'redirect'; location: string } | { kind: 'open' } | { kind: 'refused'; status: number; body: string }> {
    const [host, port] = splitAddress(address);
    return new Promise((resolve, reject) => {
      const req = request({ host, port, path: '/api/v1/scheduler', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
        if (res.statusCode === 307) {
          res.resume();
          resolve({ kind: 'redirect', location: addressOfLocation(String(res.headers.location)) });
          return;
        }
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          return;
        }
        this.master = address;
        this.streamId = String(res.headers['mesos-stream-id'] ?? '');
        this.currentRequest = req;
        const decoder = new RecordIoDecoder();
        this.ended = new Promise((done) => {
          res.on('data', (chunk: Buffer) => {
            for (const record of decoder.push(chunk)) this.push(JSON.parse(record) as V1Event);
          });
          res.on('end', () => done('clean'));
          res.on('error', () => done('error'));
          res.on('aborted', () => done('error'));
          req.on('error', () => done('error'));
        });
        resolve({ kind: 'open' });
      });
      req.on('error', reject);
      req.end(JSON.stringify(call));
    });
  }

  private push(event: V1Event): void {
    this.events.push(event);
    const status = updateStatus(event);
    if (this.autoAcknowledge && status?.uuid !== undefined && !this.acknowledged.has(status.uuid)) {
      const uuid = status.uuid;
      this.acknowledged.set(uuid, 0);
      this.acknowledge(status).then(
        (answer) => this.acknowledged.set(uuid, answer.status),
        () => this.acknowledged.set(uuid, -1),
      );
    }
    for (const wake of [...this.waiters]) wake();
  }

  /** The first event at index ≥ `from` matching `predicate`; waits up to `timeoutMs`. */
  waitFor(what: string, predicate: (event: V1Event) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<V1Event> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? 20_000;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(predicate);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.events.slice(from).map((e) => e.type).join(',') || 'nothing'}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      const wake = (): void => void check();
      this.waiters.add(wake);
      check();
    });
  }

  /** The first UPDATE (from index `from`) for `taskId` in `state`. */
  async waitForUpdate(taskId: string, state: string | ((s: string) => boolean), options: { from?: number; timeoutMs?: number } = {}): Promise<TaskStatusJson> {
    const matches = typeof state === 'string' ? (s: string) => s === state : state;
    const event = await this.waitFor(`UPDATE ${taskId} ${String(state)}`, (e) => {
      const status = updateStatus(e);
      return status !== null && status.task_id.value === taskId && matches(status.state);
    }, options);
    return updateStatus(event)!;
  }

  /** Waits for an OFFERS event from `from` and returns its offers. */
  async nextOffers(options: { from?: number; timeoutMs?: number } = {}): Promise<OfferJson[]> {
    const event = await this.waitFor('OFFERS', (e) => e.type === 'OFFERS', options);
    return (event['offers'] as { offers: OfferJson[] }).offers;
  }

  /** A non-SUBSCRIBE call on the current stream. */
  call(type: string, payload: Record<string, unknown> = {}): Promise<HttpAnswer> {
    return postJson(this.master, '/api/v1/scheduler', { type, framework_id: { value: this.frameworkId }, ...payload }, { 'mesos-stream-id': this.streamId }, 10_000, this.httpAgent);
  }

  launch(offer: OfferJson, tasks: TaskToLaunch[]): Promise<HttpAnswer> {
    const operation = { type: 'LAUNCH', launch: { task_infos: tasks.map((task) => taskInfoJson(offer, task)) } };
    return this.call('ACCEPT', { accept: { offer_ids: [offer.id], operations: [operation], filters: { refuse_seconds: 1 } } });
  }

  /** One LAUNCH_GROUP of `tasks` under a default executor. */
  launchGroup(offer: OfferJson, tasks: TaskToLaunch[]): Promise<HttpAnswer> {
    const executor = { type: 'DEFAULT', executor_id: { value: `group-${tasks[0]?.id ?? 'empty'}` }, framework_id: { value: this.frameworkId } };
    const operation = { type: 'LAUNCH_GROUP', launch_group: { executor, task_group: { tasks: tasks.map((task) => taskInfoJson(offer, task)) } } };
    return this.call('ACCEPT', { accept: { offer_ids: [offer.id], operations: [operation], filters: { refuse_seconds: 1 } } });
  }

  decline(offers: OfferJson[], refuseSeconds = 1): Promise<HttpAnswer> {
    return this.call('DECLINE', { decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: refuseSeconds } } });
  }

  acknowledge(status: TaskStatusJson): Promise<HttpAnswer> {
    if (status.uuid === undefined) throw new Error(`update for ${status.task_id.value} carries no uuid`);
    return this.call('ACKNOWLEDGE', { acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
  }

  /** Explicit reconciliation for `tasks`, implicit when empty. */
  reconcile(tasks: Array<{ taskId: string; agentId?: string }> = []): Promise<HttpAnswer> {
    return this.call('RECONCILE', { reconcile: { tasks: tasks.map((t) => ({ task_id: { value: t.taskId }, ...(t.agentId ? { agent_id: { value: t.agentId } } : {}) })) } });
  }

  kill(taskId: string, agentId?: string): Promise<HttpAnswer> {
    return this.call('KILL', { kill: { task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) } });
  }

  teardown(): Promise<HttpAnswer> {
    return this.call('TEARDOWN');
  }

  /** Drops the current stream from the client side. */
  close(): void {
    this.currentRequest?.destroy();
    this.currentRequest = null;
  }
}

/** The TaskStatus of an UPDATE event, or null for other events. */
export function updateStatus(event: V1Event): TaskStatusJson | null {
  if (event.type !== 'UPDATE') return null;
  return (event['update'] as { status: TaskStatusJson }).status;
}

export interface TaskToLaunch {
  id: string;
  command: string;
  cpus?: number;
  mem?: number;
}

function taskInfoJson(offer: OfferJson, task: TaskToLaunch): Record<string, unknown> {
  return {
    name: task.id,
    task_id: { value: task.id },
    agent_id: offer.agent_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: task.cpus ?? 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: task.mem ?? 32 } },
    ],
    command: { value: task.command, shell: true },
  };
}
