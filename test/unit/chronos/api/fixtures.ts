/**
 * A single-replica setup for the Chronos API unit tests: the real state machine with the real
 * job store, a fake Raft node that applies each proposal at once (as a one-voter cluster would),
 * a runner that records calls, and a bare Fastify app with only the Chronos routes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { registerChronosApi } from '../../../../src/chronos/api/index.js';
import type { ApiRunner, ChronosApiDeps } from '../../../../src/chronos/api/deps.js';
import { installChronosState } from '../../../../src/chronos/install.js';
import type { JobStats, RunRecord } from '../../../../src/chronos/runner/port.js';
import { createLogger } from '../../../../src/lib/log.js';
import { NotLeaderError } from '../../../../src/lib/errors.js';
import type { MasterContext } from '../../../../src/master/api/context.js';
import { MasterStateMachine } from '../../../../src/master/state/machine.js';
import type { RaftNode } from '../../../../src/raft/driver.js';

export const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

export class ApplyingNode {
  isLeader = true;
  leaderId: string | null = 'm1';
  readonly id = 'm1';
  index = 0;
  readBarriers = 0;
  constructor(private readonly state: MasterStateMachine) {}
  async propose(data: Uint8Array): Promise<unknown> {
    if (!this.isLeader) throw new NotLeaderError(this.leaderId);
    this.index += 1;
    return this.state.apply(data, this.index);
  }
  async readBarrier(): Promise<void> {
    if (!this.isLeader) throw new NotLeaderError(this.leaderId);
    this.readBarriers += 1;
  }
  onLeaderChange(): void {}
}

export class RecordingRunner implements ApiRunner {
  readonly calls: Array<[string, ...unknown[]]> = [];
  statsByJob = new Map<string, Partial<JobStats>>();
  historyByJob = new Map<string, RunRecord[]>();
  async runNow(jobName: string, args?: string[]): Promise<RunRecord> {
    this.calls.push(['runNow', jobName, args]);
    return { runId: `${jobName}#manual`, jobName, cause: 'manual', scheduledAtMs: NOW_MS, state: 'queued', attempt: 0, taskIds: [] };
  }
  async markSuccess(jobName: string): Promise<void> {
    this.calls.push(['markSuccess', jobName]);
  }
  async killJobTasks(jobName: string): Promise<void> {
    this.calls.push(['killJobTasks', jobName]);
  }
  async fireEvent(event: string, payload: Record<string, string>): Promise<RunRecord[]> {
    this.calls.push(['fireEvent', event, payload]);
    return [{ runId: `ev#${event}`, jobName: 'x', cause: 'event', scheduledAtMs: NOW_MS, state: 'queued', attempt: 0, taskIds: [] }];
  }
  async completeAsyncTask(taskId: string, statusCode: number): Promise<void> {
    this.calls.push(['completeAsyncTask', taskId, statusCode]);
  }
  history(jobName: string): RunRecord[] {
    return this.historyByJob.get(jobName) ?? [];
  }
  stats(jobName: string): JobStats {
    return { successCount: 0, errorCount: 0, lastSuccess: '', lastError: '', errorsSinceLastSuccess: 0, percentiles: null, state: 'idle', ...this.statsByJob.get(jobName) };
  }
}

export interface Setup {
  app: FastifyInstance;
  node: ApplyingNode;
  deps: ChronosApiDeps;
  runner: RecordingRunner;
  state: MasterStateMachine;
  /** Sets whether the run side exists. */
  withRunner(present: boolean): void;
}

export async function setup(): Promise<Setup> {
  const state = new MasterStateMachine();
  const deps = installChronosState(state);
  const runner = new RecordingRunner();
  let present = true;
  deps.runner = () => (present ? runner : null);
  const node = new ApplyingNode(state);
  const context = {
    node: node as unknown as RaftNode,
    state,
    logger: createLogger({ level: 'silent' }),
    httpAddress: '127.0.0.1:4400',
    raftAddress: '127.0.0.1:4500',
    version: 'test',
  } satisfies MasterContext;
  const app = Fastify();
  registerChronosApi(app, context, { ...deps, now: () => NOW_MS, runner: () => deps.runner() });
  await app.ready();
  return { app, node, deps, runner, state, withRunner: (value) => (present = value) };
}
