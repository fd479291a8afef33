/**
 * Runs one task's health checks (the shell around health-check.ts): waits `delayMs`, then checks
 * every `intervalMs` with a `timeoutMs` limit — COMMAND runs `/bin/sh -c` in the sandbox (exit
 * 0 = healthy), HTTP GETs 127.0.0.1:port/path (2xx/3xx or the listed statuses), TCP connects to
 * 127.0.0.1:port — and hands each policy decision to `onDecision`.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { HEALTH_CHECK_DEFAULTS, initialHealth, onCheckResult, type HealthCheckSpec, type HealthDecision, type HealthState } from './health-check.js';

export interface HealthCheckerOptions {
  spec: HealthCheckSpec;
  sandboxDir: string;
  env: Record<string, string>;
  clock: Clock;
  onDecision: (decision: HealthDecision) => void;
}

export class HealthChecker {
  private state: HealthState;
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly options: HealthCheckerOptions) {
    this.state = initialHealth(options.clock.monotonicMs());
  }

  start(): void {
    this.schedule(this.options.spec.delayMs ?? HEALTH_CHECK_DEFAULTS.delayMs);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(delayMs, () => void this.runOnce());
  }

  private async runOnce(): Promise<void> {
    const ok = await runCheck(this.options.spec, this.options.sandboxDir, this.options.env);
    if (this.stopped) return;
    const result = onCheckResult(this.state, this.options.spec, ok, this.options.clock.monotonicMs());
    this.state = result.state;
    for (const decision of result.decisions) this.options.onDecision(decision);
    if (result.decisions.some((d) => d.type === 'kill')) return;
    this.schedule(this.options.spec.intervalMs ?? HEALTH_CHECK_DEFAULTS.intervalMs);
  }
}

/** One check; true when healthy. Never throws. */
export async function runCheck(spec: HealthCheckSpec, sandboxDir: string, env: Record<string, string>): Promise<boolean> {
  const timeoutMs = spec.timeoutMs ?? HEALTH_CHECK_DEFAULTS.timeoutMs;
  try {
    if (spec.type === 'COMMAND' && spec.command !== undefined) return await commandCheck(spec.command, sandboxDir, env, timeoutMs);
    if (spec.type === 'HTTP' && spec.http) return await httpCheck(spec.http, timeoutMs);
    if (spec.type === 'TCP' && spec.tcp) return await tcpCheck(spec.tcp.port, timeoutMs);
  } catch {
    return false;
  }
  return false;
}

function commandCheck(command: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function httpCheck(http: NonNullable<HealthCheckSpec['http']>, timeoutMs: number): Promise<boolean> {
  const url = `${http.scheme ?? 'http'}://127.0.0.1:${http.port}${http.path ?? '/'}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return http.statuses ? http.statuses.includes(response.status) : response.status >= 200 && response.status < 400;
}

function tcpCheck(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
