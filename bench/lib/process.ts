/**
 * Child processes for benchmarks: start with output to a log file, signal, wait for exit, and
 * wait for a condition with a deadline (never a fixed sleep). Every child started here is killed
 * when the bench process exits, so an interrupted run leaves no etcd or master behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { httpRequest, type HttpRequestOptions } from './http.js';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Open a Node IPC channel (the child must be a Node script); enables request(). */
  ipc?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running (or exited) child and its exit promise. */
export interface ManagedProcess {
  readonly spec: ProcessSpec;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** IPC only: sends `{ requestId, ...message }` and resolves with the child's reply carrying the
   * same requestId (see bench/kairos-driver-replica.ts), or rejects after timeoutMs. */
  request<T>(message: Record<string, unknown>, timeoutMs: number): Promise<T>;
}

let nextRequestId = 1;

function requestOverIpc<T>(child: ChildProcess, message: Record<string, unknown>, timeoutMs: number): Promise<T> {
  if (child.send === undefined) return Promise.reject(new Error('bench: child has no IPC channel'));
  const requestId = nextRequestId++;
  return new Promise<T>((resolvePromise, reject) => {
    const onMessage = (reply: unknown): void => {
      if ((reply as { requestId?: number }).requestId !== requestId) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolvePromise(reply as T);
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`bench: no IPC reply to ${String(message['type'])} within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.send({ requestId, ...message });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

export function startProcess(spec: ProcessSpec): ManagedProcess {
  installExitHook();
  const logFd = openSync(spec.logPath, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: spec.ipc === true ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', logFd, logFd],
  });
  closeSync(logFd); // the child holds its own copy
  if (child.pid === undefined) throw new Error(`bench: could not start ${spec.command} (${spec.name})`);
  live.add(child);
  let running = true;
  const exited = new Promise<ExitStatus>((resolvePromise) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolvePromise({ code, signal });
    });
  });
  const pid = child.pid;
  return {
    spec,
    pid,
    exited,
    isRunning: () => running,
    signal: (signal) => {
      if (running) child.kill(signal);
    },
    stop: async (graceMs = 5000) => {
      if (!running) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
    request: (message, timeoutMs) => requestOverIpc(child, message, timeoutMs),
  };
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Named in the timeout error, e.g. "etcd member e2 healthy". */
  what: string;
}

/** Polls `condition` until it returns a non-null value or the deadline passes (then throws). */
export async function waitFor<T>(condition: () => Promise<T | null>, options: WaitOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 20;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await condition();
      if (value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const reason = lastError === null ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`bench: timed out after ${options.timeoutMs} ms waiting for ${options.what}${reason}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
  }
}

/** Waits until `url` answers with a status accepted by `isReady` (default 2xx). */
export function waitForHttp(
  url: string,
  options: WaitOptions & { request?: HttpRequestOptions; isReady?: (status: number) => boolean },
): Promise<number> {
  const isReady = options.isReady ?? ((status: number) => status >= 200 && status < 300);
  return waitFor(async () => {
    const response = await httpRequest(url, { timeoutMs: 1000, ...options.request });
    return isReady(response.status) ? response.status : null;
  }, options);
}
