/** A job store + run part on a real state machine, driven by encoded commands (shared by the run-part tests). */
import { expect } from 'vitest';
import { encode } from '../../../../src/lib/codec.js';
import { MasterStateMachine } from '../../../../src/master/state/machine.js';
import { JobStore } from '../../../../src/chronos/state/jobs.js';
import { jobPut } from '../../../../src/chronos/state/jobs-commands.js';
import { installChronosRuns } from '../../../../src/chronos/runner/install.js';
import type { RunsCommand, RunsOptions } from '../../../../src/chronos/state/runs.js';
import { dueRuns, manualRunKey, triggerJobOf } from '../../../../src/chronos/trigger/index.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function world(options: RunsOptions = {}) {
  const state = new MasterStateMachine();
  const jobs = new JobStore();
  state.addPart(jobs);
  const runs = installChronosRuns(state, jobs, options);
  const apply = (command: unknown) => state.apply(encode(command));
  const put = (input: Record<string, unknown>, nowMs = T0, kind: 'scheduled' | 'dependent' = 'scheduled') => {
    const result = apply(jobPut(input, kind, nowMs));
    expect(result).toMatchObject({ ok: true });
  };
  const run = (command: RunsCommand) => apply(command);
  const due = (nowMs: number) => {
    const views = [...jobs.all()].map((s) => triggerJobOf(s.job, s.createdAtMs));
    return dueRuns(views, runs.triggerState(), nowMs).commands;
  };
  const manual = (job: string, id: string, nowMs: number) =>
    run({ t: 'run.scheduled', key: manualRunKey(job, id), job, trigger: { kind: 'manual', requestId: id }, concurrent: true, proposedAtMs: nowMs });
  const finish = (key: string, nowMs: number, outcome: 'run.succeeded' | 'run.failed' = 'run.succeeded') => {
    const taskId = `t-${key}-${runs.run(key)!.machine.context.attempt}`;
    expect(run({ t: 'run.event', key, event: { type: 'run.launched', nowMs, taskId, agentId: 'a1' } })).toMatchObject({ ok: true });
    expect(run({ t: 'run.event', key, taskId, event: { type: 'run.started', nowMs: nowMs + 1 } })).toMatchObject({ ok: true });
    const end = outcome === 'run.succeeded' ? { type: outcome, nowMs: nowMs + 1000 } : { type: outcome, nowMs: nowMs + 1000, message: 'exit 1' };
    expect(run({ t: 'run.event', key, taskId, event: end } as RunsCommand)).toMatchObject({ ok: true });
  };
  return { state, jobs, runs, apply, put, run, due, manual, finish };
}

