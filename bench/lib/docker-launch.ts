/**
 * Docker launch measurement for bench/agent-launch: container tasks through `Agent` with a
 * DockerExecutor (launch → TASK_RUNNING latency, launch → TASK_FINISHED rate) against a plain
 * `docker run --rm IMAGE true` loop at the same concurrency. Task ids carry the pid and a run
 * tag so container names never collide with leftovers of an earlier run.
 */
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { Agent } from '../../src/agent/agent.js';
import { DockerExecutor } from '../../src/agent/executors/docker.js';
import type { StatusUpdate } from '../../src/agent/types.js';
import { summarize, type Summary } from './stats.js';

/** One concurrency level of one path: launches/s plus per-launch latency in ms. */
export interface DockerLaunchFigures {
  concurrency: number;
  tasks: number;
  perSecond: number;
  /** Agent: launch → TASK_RUNNING. docker run: process start → exit (the whole run). */
  latencyMs: Summary;
  failed: number;
}

/** Runs `count` jobs with at most `concurrency` in flight; returns the elapsed seconds. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await job(next++);
  }));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const elapsedMs = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;

/** Container tasks running `true` through the agent. */
export async function agentDockerLaunches(workDir: string, image: string, count: number, concurrency: number, tag: string): Promise<DockerLaunchFigures> {
  const waiters = new Map<string, { running: () => void; done: (ok: boolean) => void }>();
  let agent: Agent | null = null;
  const sink = {
    send: (update: StatusUpdate) => {
      void agent?.acknowledge(update.taskId, update.uuid);
      const waiter = waiters.get(update.taskId);
      if (update.state === 'TASK_RUNNING') waiter?.running();
      else if (update.state === 'TASK_FINISHED') waiter?.done(true);
      else if (update.state === 'TASK_FAILED' || update.state === 'TASK_ERROR' || update.state === 'TASK_LOST' || update.state === 'TASK_KILLED') waiter?.done(false);
    },
  };
  agent = await Agent.start({ workDir, sink, cgroups: null, docker: new DockerExecutor({ docker: new Docker() }) });
  const latencies: number[] = [];
  let failed = 0;
  try {
    const seconds = await pool(count, concurrency, async (i) => {
      const taskId = `bench-docker-${process.pid}-${tag}-${i}`;
      const started = process.hrtime.bigint();
      const finished = new Promise<boolean>((resolve) => waiters.set(taskId, {
        running: () => latencies.push(elapsedMs(started)),
        done: resolve,
      }));
      void agent!.launch({ taskId, frameworkId: 'bench', command: { shell: false, value: 'true', arguments: ['true'] }, container: { image, pullPolicy: 'never' } });
      if (!(await finished)) failed++;
      waiters.delete(taskId);
    });
    return { concurrency, tasks: count, perSecond: count / seconds, latencyMs: summarize(latencies), failed };
  } finally {
    await agent.close();
  }
}

function dockerRun(image: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['run', '--rm', image, 'true'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** The reference: `docker run --rm IMAGE true` processes, `concurrency` at a time. */
export async function dockerRunLaunches(image: string, count: number, concurrency: number): Promise<DockerLaunchFigures> {
  const latencies: number[] = [];
  let failed = 0;
  const seconds = await pool(count, concurrency, async () => {
    const started = process.hrtime.bigint();
    if (!(await dockerRun(image))) failed++;
    latencies.push(elapsedMs(started));
  });
  return { concurrency, tasks: count, perSecond: count / seconds, latencyMs: summarize(latencies), failed };
}
