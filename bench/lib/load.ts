/**
 * Closed-loop HTTP load: `concurrency` workers each keep exactly one request in flight (send,
 * wait for the answer, send the next) over keep-alive connections for a fixed duration. Only
 * requests that complete inside the measured window (after the warm-up, before the end) count,
 * for both throughput and latency, so connection set-up does not colour either figure.
 */
import { Agent, request } from 'node:http';
import { SampleBuffer, summarize, type Summary } from './stats.js';

/** One request to send: path (with query) and body. */
export interface LoadRequest {
  path: string;
  body: string | Buffer;
}

/** Where and what to send. `next` is called once per request, so it should be cheap. */
export interface LoadTarget {
  host: string;
  port: number;
  method: string;
  headers: Record<string, string>;
  next(worker: number, sequence: number): LoadRequest;
  /** Whether a status counts as a committed write (e.g. 200 for etcd, 204 for Kairos). */
  isSuccess(status: number): boolean;
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  requestTimeoutMs: number;
}

/** Figures of one closed-loop run. Latencies in milliseconds. */
export interface LoadResult {
  concurrency: number;
  measuredMs: number;
  successes: number;
  errors: number;
  throughputPerSec: number;
  latencyMs: Summary;
  /** Up to five distinct error descriptions, to explain a non-zero error count. */
  errorExamples: string[];
}

interface Window {
  measureFrom: number;
  measureUntil: number;
  stopAt: number;
}

class Recorder {
  readonly latencies = new SampleBuffer();
  successes = 0;
  errors = 0;
  readonly errorExamples = new Set<string>();

  record(window: Window, startedAt: number, finishedAt: number, error: string | null): void {
    if (finishedAt < window.measureFrom || finishedAt > window.measureUntil) return;
    if (error !== null) {
      this.errors++;
      if (this.errorExamples.size < 5) this.errorExamples.add(error);
      return;
    }
    this.successes++;
    this.latencies.push(finishedAt - startedAt);
  }
}

function sendOne(target: LoadTarget, agent: Agent, next: LoadRequest, timeoutMs: number): Promise<string | null> {
  return new Promise((resolvePromise) => {
    const outgoing = request(
      { host: target.host, port: target.port, method: target.method, path: next.path, headers: target.headers, agent },
      (incoming) => {
        const status = incoming.statusCode ?? 0;
        const ok = target.isSuccess(status);
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => {
          if (!ok && chunks.length < 4) chunks.push(chunk);
        });
        incoming.on('end', () => resolvePromise(ok ? null : `HTTP ${status} ${Buffer.concat(chunks).toString().slice(0, 120)}`));
        incoming.on('error', (error) => resolvePromise(error.message));
      },
    );
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    outgoing.on('error', (error) => resolvePromise(error.message));
    outgoing.end(next.body);
  });
}

/** One operation of a closed loop: resolves null on success or a short error description. */
export type LoadOperation = (worker: number, sequence: number) => Promise<string | null>;

async function runWorker(operation: LoadOperation, worker: number, window: Window, recorder: Recorder): Promise<void> {
  for (let sequence = 0; performance.now() < window.stopAt; sequence++) {
    const startedAt = performance.now();
    const error = await operation(worker, sequence);
    const finishedAt = performance.now();
    recorder.record(window, startedAt, finishedAt, error);
    // A refused connection fails in microseconds; back off so a dead target is not a busy loop.
    if (error !== null && finishedAt - startedAt < 5) await new Promise((resolvePromise) => setTimeout(resolvePromise, 10));
  }
}

/** Runs any async operation as a closed loop (`requestTimeoutMs` is the operation's business). */
export async function runClosedLoop(operation: LoadOperation, options: LoadOptions): Promise<LoadResult> {
  const begin = performance.now();
  const window: Window = {
    measureFrom: begin + options.warmupMs,
    measureUntil: begin + options.warmupMs + options.durationMs,
    stopAt: begin + options.warmupMs + options.durationMs,
  };
  const recorder = new Recorder();
  const workers: Promise<void>[] = [];
  for (let worker = 0; worker < options.concurrency; worker++) workers.push(runWorker(operation, worker, window, recorder));
  await Promise.all(workers);
  return {
    concurrency: options.concurrency,
    measuredMs: options.durationMs,
    successes: recorder.successes,
    errors: recorder.errors,
    throughputPerSec: (recorder.successes * 1000) / options.durationMs,
    latencyMs: summarize(recorder.latencies.toArray()),
    errorExamples: [...recorder.errorExamples],
  };
}

/** Closed-loop HTTP load against `target` over keep-alive connections (one per worker). */
export async function runHttpClosedLoop(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  try {
    return await runClosedLoop((worker, sequence) => sendOne(target, agent, target.next(worker, sequence), options.requestTimeoutMs), options);
  } finally {
    agent.destroy();
  }
}
