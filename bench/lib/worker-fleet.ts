/**
 * Simulated agents in worker threads, off the bench's main thread (which runs the framework
 * client and the polling that times things). Each worker runs a SimFleet of its share; the
 * bench asks for a census (how many registered, back with a newer term, ...). More than one
 * worker lets the fleet's reconnect burst use several cores, but on a 2-core machine those
 * cores are the masters' too: measured there, 2 workers made the takeover slower than 1.
 */
import { Worker } from 'node:worker_threads';
import type { SimFleetOptions } from '../../src/agent/sim/sim-agent.js';

/** What the fleet's agents are doing, summed over workers. */
export interface FleetCensus {
  agents: number;
  /** Links registered with some master. */
  registered: number;
  /** Registered with a master whose term is above the census's `aboveTerm`. */
  back: number;
  /** TASK_RUNNING updates made (counted only when asked: it visits every update). */
  running: number;
  /** Dials made since start (to the leader; standby links not counted). */
  dials: number;
  /** Open standby links. */
  standby: number;
  /** Links a new leader called on (standby links adopted) since start. */
  adoptions: number;
  /** Hellos that reported their tasks as a digest, since start. */
  digestHellos: number;
  /** Hellos the master answered `reportKnown` or `reportInFull`, since start. */
  reportedAgain: number;
  /** Agents per link state. */
  states: Record<string, number>;
}

type Request =
  | { t: 'start' }
  | { t: 'stop' }
  | { t: 'census'; aboveTerm: number; countTasks: boolean }
  | { t: 'whenBack'; aboveTerm: number; which: 'first' | 'all'; timeoutMs: number };
export type FleetRequest = { id: number } & Request;
export interface FleetReply {
  id: number;
  /** A census, a wall-clock instant in ms with sub-ms precision (`whenBack`), or nothing. */
  value: FleetCensus | number | null;
}

/** Options a worker can receive (no functions: they do not cross threads). */
export type WorkerFleetOptions = Omit<SimFleetOptions, 'dial' | 'random' | 'log' | 'taskDurationMs'> & { taskDurationMs?: number | null };

export class WorkerFleet {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (value: FleetCensus | number | null) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;
  private nextId = 1;

  /** `threads` workers share `options.count` agents; names stay unique across workers. */
  constructor(options: WorkerFleetOptions, threads: number) {
    const count = Math.max(1, Math.min(threads, options.count));
    this.workers = Array.from({ length: count }, (_, k) => {
      const share = Math.floor(options.count / count) + (k < options.count % count ? 1 : 0);
      const worker = new Worker(new URL('./fleet-worker.js', import.meta.url), {
        workerData: { ...options, count: share, prefix: `${options.prefix ?? 'sim-'}w${k}-` },
      });
      worker.on('message', (reply: FleetReply) => {
        this.waiting.get(reply.id)?.resolve(reply.value);
        this.waiting.delete(reply.id);
      });
      worker.on('error', (error) => {
        this.failure = error;
        for (const { reject } of this.waiting.values()) reject(error);
        this.waiting.clear();
      });
      return worker;
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { t: 'start' })));
  }

  /** Summed census; `aboveTerm` decides which registered agents count as `back`. */
  async census(aboveTerm = Number.POSITIVE_INFINITY, countTasks = false): Promise<FleetCensus> {
    const parts = (await Promise.all(this.workers.map((w) => this.ask(w, { t: 'census', aboveTerm, countTasks })))) as Array<FleetCensus | null>;
    const total: FleetCensus = { agents: 0, registered: 0, back: 0, running: 0, dials: 0, standby: 0, adoptions: 0, digestHellos: 0, reportedAgain: 0, states: {} };
    for (const part of parts) {
      if (!part) throw new Error('a fleet worker did not answer its census');
      total.agents += part.agents;
      total.registered += part.registered;
      total.back += part.back;
      total.running += part.running;
      total.dials += part.dials;
      total.standby += part.standby;
      total.adoptions += part.adoptions;
      total.digestHellos += part.digestHellos;
      total.reportedAgain += part.reportedAgain;
      for (const [state, n] of Object.entries(part.states)) total.states[state] = (total.states[state] ?? 0) + n;
    }
    return total;
  }

  /**
   * When the first agent (`first`) or every agent (`all`) is registered with a term above
   * `aboveTerm`, as an instant of this thread's `performance.now()`. Each worker watches its own
   * agents with a light count every few milliseconds: polling a full census from here as often
   * took ≈ 7 % of the fleet thread's time in the very window being measured (a fifth in its
   * busiest second).
   */
  async whenBack(aboveTerm: number, which: 'first' | 'all', timeoutMs: number): Promise<number> {
    const instants = (await Promise.all(this.workers.map((w) => this.ask(w, { t: 'whenBack', aboveTerm, which, timeoutMs })))) as number[];
    const wallMs = which === 'first' ? Math.min(...instants) : Math.max(...instants);
    return wallMs - performance.timeOrigin;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { t: 'stop' })));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private ask(worker: Worker, request: Request): Promise<FleetCensus | number | null> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, ...request } satisfies FleetRequest);
    });
  }
}
