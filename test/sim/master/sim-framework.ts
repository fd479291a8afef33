/**
 * A simulated v1 framework: an in-process client of the leader's SchedulerPort, behaving like a
 * scheduler over HTTP would — it finds the leader (following redirects, retrying while there is
 * none), SUBSCRIBEs with a failover_timeout, re-SUBSCRIBEs with its framework id after a
 * failover, ACCEPTs offers with LAUNCHes of random sizes, DECLINEs some, KILLs some,
 * ACKNOWLEDGEs every update with a uuid and RECONCILEs (implicitly and explicitly) after every
 * re-subscription and now and then. Calls and events take seeded network time; events of one
 * stream arrive in order.
 */
import type { SeededRng } from '../../../src/lib/rng.js';
import type { SchedulerPort, SchedulerSink, Subscription, V1Call, V1Event } from '../../../src/master/leader/scheduler-port.js';
import type { Sim } from './sim-time.js';

export type Endpoint =
  | { kind: 'port'; port: SchedulerPort; alive: () => boolean; replicaId: string }
  | { kind: 'redirect'; leader: string | null }
  | { kind: 'down' };

export interface FrameworkNet {
  readonly sim: Sim;
  readonly rng: SeededRng;
  readonly masters: readonly string[];
  delay(): number;
  /** What an HTTP request to `address` would reach. */
  reach(address: string): Endpoint;
}

export interface FrameworkOptions {
  name: string;
  failoverTimeoutSeconds: number;
  partitionAware: boolean;
  /** Tasks launched at most (keeps the registry's completed-task cache from evicting). */
  maxTasks: number;
}

export interface TaskView {
  readonly taskId: string;
  readonly frameworkId: string;
  agentId: string;
  /** Latest state the framework was told; null until the first update. */
  state: string | null;
}

type Json = Record<string, unknown>;

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);

export function isTerminalName(state: string | null): boolean {
  return state !== null && TERMINAL.has(state);
}

interface Stream {
  readonly epoch: number;
  endpoint: Extract<Endpoint, { kind: 'port' }>;
  subscription: Subscription | null;
  lastArrival: number;
  open: boolean;
  /** The master closed the stream (a refused SUBSCRIBE closes it before answering). */
  closedByMaster: boolean;
}

export class SimFramework {
  frameworkId: string | null = null;
  /** Framework ids this client had to give up (torn down while it was away). */
  readonly abandoned: string[] = [];
  readonly tasks = new Map<string, TaskView>();
  /** After each re-subscription: tasks the implicit RECONCILE named vs the leader's live tasks then. */
  onReconciled: ((framework: SimFramework, named: Set<string>) => void) | null = null;
  status: 'idle' | 'subscribing' | 'subscribed' | 'away' = 'idle';
  /** Launch nothing more (the liveness phase): every offer is declined. */
  quiet = false;
  readonly stats = { subscriptions: 0, accepts: 0, declines: 0, kills: 0, acks: 0, reconciles: 0, failedCalls: 0, tornDown: 0 };
  private stream: Stream | null = null;
  private epoch = 0;
  private taskSeq = 0;
  private hint: string | null = null;
  private cursor = 0;
  private retryTimerArmed = false;
  private stopped = false;

  constructor(
    private readonly net: FrameworkNet,
    readonly options: FrameworkOptions,
  ) {}

  get replicaId(): string | null {
    return this.stream?.open ? this.stream.endpoint.replicaId : null;
  }

  get launched(): number {
    return this.taskSeq;
  }

  start(): void {
    this.every(this.net.rng.int(1000, 3000), () => this.chores());
    this.subscribeSoon(0);
  }

  stop(): void {
    this.stopped = true;
  }

  /** The client drops its stream (as closing the HTTP connection) and stays away for `awayMs`. */
  goAway(awayMs: number): void {
    const stream = this.stream;
    if (!stream) return;
    this.status = 'away';
    this.stream = null;
    stream.open = false;
    this.net.sim.after(this.net.delay(), () => stream.subscription?.disconnect());
    this.net.sim.after(awayMs, () => {
      if (this.status === 'away') this.subscribeSoon(0);
    });
  }

  /** The master process behind the stream died: the HTTP connection broke. */
  connectionBroke(replicaId: string): void {
    if (this.stream?.endpoint.replicaId !== replicaId) return;
    this.streamEnded();
  }

  // ---- subscription ----

  private subscribeSoon(delayMs: number): void {
    if (this.retryTimerArmed || this.stopped) return;
    this.retryTimerArmed = true;
    this.status = 'subscribing';
    this.net.sim.after(delayMs, () => {
      this.retryTimerArmed = false;
      void this.subscribeOnce();
    });
  }

  private async subscribeOnce(): Promise<void> {
    if (this.stopped || this.stream) return;
    const address = this.hint ?? this.net.masters[this.cursor++ % this.net.masters.length]!;
    this.hint = null;
    const endpoint = await this.travel(() => this.net.reach(address));
    if (endpoint.kind === 'redirect' && endpoint.leader) {
      this.hint = endpoint.leader;
      return this.subscribeSoon(this.net.delay());
    }
    if (endpoint.kind !== 'port') return this.subscribeSoon(this.net.rng.int(50, 500));
    const epoch = ++this.epoch;
    const stream: Stream = { epoch, endpoint, subscription: null, lastArrival: 0, open: true, closedByMaster: false };
    this.stream = stream;
    const resubscribing = this.frameworkId !== null;
    const info: Json = {
      user: 'sim',
      name: this.options.name,
      failover_timeout: this.options.failoverTimeoutSeconds,
      ...(this.frameworkId ? { id: { value: this.frameworkId } } : {}),
      ...(this.options.partitionAware ? { capabilities: [{ type: 'PARTITION_AWARE' }] } : {}),
    };
    const call: V1Call = { type: 'SUBSCRIBE', subscribe: { framework_info: info }, ...(this.frameworkId ? { framework_id: { value: this.frameworkId } } : {}) };
    try {
      const subscription = await endpoint.port.subscribe(call, this.sinkFor(stream));
      if (this.stream !== stream || !stream.open) {
        subscription.disconnect();
        return;
      }
      if (stream.closedByMaster) return; // refused: ERROR, then the close ends the stream
      stream.subscription = subscription;
      this.frameworkId = subscription.frameworkId;
      this.status = 'subscribed';
      this.stats.subscriptions++;
      if (resubscribing) this.reconcile(true);
    } catch {
      if (this.stream === stream) this.streamEnded();
    }
  }

  private sinkFor(stream: Stream): SchedulerSink {
    const arrive = (fn: () => void): void => {
      stream.lastArrival = Math.max(stream.lastArrival, this.net.sim.now + this.net.delay());
      this.net.sim.at(stream.lastArrival, () => {
        if (this.stream === stream && stream.open && stream.endpoint.alive()) fn();
      });
    };
    return {
      send: (event) => {
        if (!stream.endpoint.alive()) return;
        this.capture?.(event);
        arrive(() => this.onEvent(event));
      },
      close: (reason) => {
        if (!stream.endpoint.alive()) return;
        stream.closedByMaster = true;
        arrive(() => {
          if (reason === 'Framework has been removed' && this.frameworkId !== null) this.abandon();
          this.streamEnded();
        });
      },
    };
  }

  private streamEnded(): void {
    const stream = this.stream;
    if (stream) stream.open = false;
    this.stream = null;
    if (this.status !== 'away') this.subscribeSoon(this.net.rng.int(20, 400));
  }

  /** The master tore this framework down while it was away: start over as a new framework. */
  private abandon(): void {
    this.abandoned.push(this.frameworkId!);
    this.stats.tornDown++;
    this.frameworkId = null;
  }

  // ---- events ----

  private onEvent(event: V1Event): void {
    switch (event.type) {
      case 'OFFERS':
        for (const offer of ((event['offers'] as Json)['offers'] as Json[])) this.onOffer(offer);
        return;
      case 'UPDATE':
        this.onUpdate((event['update'] as Json)['status'] as Json);
        return;
      case 'ERROR':
        return;
      default:
        return;
    }
  }

  private onOffer(offer: Json): void {
    const offerId = (offer['id'] as { value: string }).value;
    const agentId = (offer['agent_id'] as { value: string }).value;
    const { rng } = this.net;
    if (this.quiet || this.taskSeq >= this.options.maxTasks || rng.next() < 0.25) {
      this.stats.declines++;
      return this.call({ type: 'DECLINE', decline: { offer_ids: [{ value: offerId }], filters: { refuse_seconds: rng.int(0, 3) } } });
    }
    const free = freeOf(offer['resources'] as Json[]);
    const taskInfos: Json[] = [];
    const wanted = rng.int(1, 4);
    for (let i = 0; i < wanted && this.taskSeq < this.options.maxTasks; i++) {
      const oversize = rng.next() < 0.02;
      const cpus = oversize ? free.cpus + 1 : rng.int(1, 10) / 10;
      const mem = rng.int(16, 512);
      const disk = rng.int(0, 64);
      const port = rng.next() < 0.3 ? free.ports.shift() : undefined;
      if (!oversize && (cpus > free.cpus + 1e-9 || mem > free.mem || disk > free.disk)) break;
      free.cpus -= cpus;
      free.mem -= mem;
      free.disk -= disk;
      const taskId = `${this.options.name}-t${++this.taskSeq}`;
      const duration = rng.next() < 0.2 ? 'forever' : String(rng.int(200, 20_000));
      const resources: Json[] = [
        { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
        { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
        ...(disk > 0 ? [{ name: 'disk', type: 'SCALAR', scalar: { value: disk } }] : []),
        ...(port !== undefined ? [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: port, end: port }] } }] : []),
      ];
      taskInfos.push({ name: taskId, task_id: { value: taskId }, agent_id: { value: agentId }, resources, command: { value: `sleep ${duration}` } });
      this.tasks.set(taskId, { taskId, frameworkId: this.frameworkId!, agentId, state: null });
    }
    this.stats.accepts++;
    this.call({ type: 'ACCEPT', accept: { offer_ids: [{ value: offerId }], operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }], filters: { refuse_seconds: 1 } } });
  }

  private onUpdate(status: Json): void {
    const taskId = (status['task_id'] as { value: string }).value;
    const state = status['state'] as string;
    const agentId = (status['agent_id'] as { value: string } | undefined)?.value ?? '';
    const task = this.tasks.get(taskId);
    if (task && task.frameworkId === this.frameworkId) task.state = state;
    const uuid = status['uuid'];
    if (typeof uuid === 'string') {
      this.stats.acks++;
      this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: taskId }, uuid } });
    }
  }

  // ---- chores ----

  private chores(): void {
    if (this.status !== 'subscribed' || this.stopped) return;
    const { rng } = this.net;
    const running = [...this.tasks.values()].filter((t) => t.frameworkId === this.frameworkId && t.state === 'TASK_RUNNING');
    if (running.length > 0 && rng.next() < 0.35) {
      const victim = running[rng.int(0, running.length - 1)]!;
      this.stats.kills++;
      this.call({ type: 'KILL', kill: { task_id: { value: victim.taskId }, agent_id: { value: victim.agentId } } });
    }
    if (rng.next() < 0.3) this.reconcile(false);
    if (rng.next() < 0.1) this.call({ type: 'REVIVE' });
  }

  /** Implicit (after a failover; checked against the leader) and explicit for tasks not known final. */
  reconcile(afterFailover: boolean): void {
    this.stats.reconciles++;
    if (afterFailover) this.call({ type: 'RECONCILE', reconcile: { tasks: [] } }, true);
    const open = [...this.tasks.values()].filter((t) => t.frameworkId === this.frameworkId && !isTerminalName(t.state));
    if (open.length > 0) {
      this.call({ type: 'RECONCILE', reconcile: { tasks: open.map((t) => ({ task_id: { value: t.taskId }, agent_id: { value: t.agentId } })) } });
    }
  }

  /** Events the port sends while a captured call runs (implicit reconciliation answers). */
  private capture: ((event: V1Event) => void) | null = null;

  private call(call: Omit<V1Call, 'framework_id'>, captureAnswers = false): void {
    const stream = this.stream;
    const frameworkId = this.frameworkId;
    if (!stream || !stream.subscription || frameworkId === null) return;
    const streamId = stream.subscription.streamId;
    this.net.sim.after(this.net.delay(), () => {
      if (!stream.endpoint.alive()) return;
      const full = { ...call, framework_id: { value: frameworkId } } as V1Call;
      const named = new Set<string>();
      if (captureAnswers) {
        this.capture = (event) => {
          if (event.type === 'UPDATE') named.add((((event['update'] as Json)['status'] as Json)['task_id'] as { value: string }).value);
        };
      }
      let pending: Promise<void>;
      try {
        // Half the ACCEPTs are answered as HTTP clients get them (before their launches are
        // recorded), half as the built-in framework waits for them: both must keep the invariants.
        const recordInBackground = call.type === 'ACCEPT' && this.net.rng.next() < 0.5;
        pending = stream.endpoint.port.call(full, streamId, { recordInBackground });
      } finally {
        this.capture = null;
      }
      if (captureAnswers) this.onReconciled?.(this, named);
      pending.catch(() => {
        this.stats.failedCalls++;
      });
    });
  }

  private travel<T>(fn: () => T): Promise<T> {
    return new Promise((resolve) => this.net.sim.after(this.net.delay(), () => resolve(fn())));
  }

  private every(ms: number, fn: () => void): void {
    this.net.sim.after(ms, () => {
      if (this.stopped) return;
      fn();
      this.every(ms, fn);
    });
  }
}

/** What an offer holds: scalars and the individual free ports. */
function freeOf(resources: Json[]): { cpus: number; mem: number; disk: number; ports: number[] } {
  const free = { cpus: 0, mem: 0, disk: 0, ports: [] as number[] };
  for (const r of resources) {
    const name = r['name'] as string;
    if (name === 'cpus' || name === 'mem' || name === 'disk') free[name] += (r['scalar'] as { value: number }).value;
    if (name === 'ports') {
      for (const range of ((r['ranges'] as Json)['range'] as Array<{ begin: number; end: number }>)) {
        for (let p = range.begin; p <= range.end && free.ports.length < 8; p++) free.ports.push(p);
      }
    }
  }
  return free;
}
