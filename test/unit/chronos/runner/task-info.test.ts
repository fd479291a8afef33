import { describe, expect, it } from 'vitest';
import { CHRONOS_JOB_DEFAULTS, scheduleCheckAt, validateJob, type ChronosJob } from '../../../../src/chronos/model/index.js';
import { buildTaskInfo, chronosTaskId } from '../../../../src/chronos/runner/task-info.js';
import { exitStatusOf, runEventForTaskState } from '../../../../src/chronos/runner/task-status.js';
import type { RunEntry } from '../../../../src/chronos/state/runs.js';

function job(input: Record<string, unknown>): ChronosJob {
  const result = validateJob({ name: 'j', command: 'echo hi', schedule: 'R/2026-01-01T00:00:00Z/PT1H', ...input }, 'scheduled', { defaults: CHRONOS_JOB_DEFAULTS, checkSchedule: scheduleCheckAt(Date.parse('2026-01-01T00:00:00Z')) });
  if (!result.ok) throw new Error(result.message);
  return result.job;
}

const run = (extra: Partial<RunEntry> = {}): RunEntry =>
  ({ key: 'j@1', job: 'j', cause: 'event', scheduledAtMs: 1000, taskDueMs: 1000, args: null, env: { FILE: 'a.txt', CHRONOS_JOB_NAME: 'evil' }, highPriority: false, machine: { value: 'queued', context: {} }, taskIds: [], exitStatus: null, message: null, ...extra }) as RunEntry;

describe('task info for a run (spec §2.4)', () => {
  it('uses Chronos task ids: ct:<due>:<attempt>:<job>:<args>', () => {
    expect(chronosTaskId(run(), job({ arguments: ['-a', 'b'] }), 2)).toBe('ct:1000:2:j:-a b');
    expect(chronosTaskId(run({ args: ['x;y'] }), job({}), 0)).toBe('ct:1000:0:j:xy');
  });

  it('sets CHRONOS_* variables first, then job and event variables that do not clash', () => {
    const info = buildTaskInfo({ run: run(), job: job({ environmentVariables: [{ name: 'A', value: '1' }] }), taskId: 't', attempt: 1, agentId: 'ag', hostname: 'h1' });
    const vars = (info.command as { environment: { variables: Array<{ name: string; value: string }> } }).environment.variables;
    const env = Object.fromEntries(vars.map((v) => [v.name, v.value]));
    expect(env).toMatchObject({ MESOS_TASK_ID: 't', mesos_task_id: 't', CHRONOS_JOB_NAME: 'j', HOST: 'h1', CHRONOS_JOB_RUN_TIME: '1000', CHRONOS_JOB_RUN_ATTEMPT: '1', A: '1', FILE: 'a.txt' });
    expect(vars.filter((v) => v.name === 'CHRONOS_JOB_NAME')).toHaveLength(1);
    expect(info).toMatchObject({ name: 'ChronosTask:j', task_id: { value: 't' }, agent_id: { value: 'ag' }, command: { shell: true, value: 'echo hi' } });
  });

  it('launches argv when shell is false and a Docker container when given', () => {
    const info = buildTaskInfo({ run: run(), job: job({ shell: false, command: '/bin/ls', arguments: ['-l'], container: { type: 'DOCKER', image: 'busybox' } }), taskId: 't', attempt: 0, agentId: 'a', hostname: 'h' });
    expect(info.command).toMatchObject({ shell: false, value: '/bin/ls', arguments: ['/bin/ls', '-l'] });
    expect(info.container).toMatchObject({ type: 'DOCKER', docker: { image: 'busybox' } });
  });
});

describe('task states → run events', () => {
  const at = (value: string) => ({ machine: { value, context: {} } }) as unknown as RunEntry;
  it('starts once, finishes, fails with the exit status, and is killed without retry', () => {
    expect(runEventForTaskState(at('launching'), 'TASK_RUNNING', null, 5)?.event).toEqual({ type: 'run.started', nowMs: 5 });
    expect(runEventForTaskState(at('running'), 'TASK_RUNNING', null, 5)).toBeNull();
    expect(runEventForTaskState(at('running'), 'TASK_FINISHED', null, 5)?.event.type).toBe('run.succeeded');
    expect(runEventForTaskState(at('running'), 'TASK_FAILED', 'Command exited with status 3', 5)).toMatchObject({ event: { type: 'run.failed' }, exitStatus: 3 });
    expect(runEventForTaskState(at('running'), 'TASK_KILLED', null, 5)?.event.type).toBe('run.killed');
    expect(runEventForTaskState(at('succeeded'), 'TASK_FAILED', null, 5)).toBeNull();
    // Async jobs (2.x): FINISHED is not the outcome; failures still are.
    expect(runEventForTaskState(at('running'), 'TASK_FINISHED', null, 5, true)).toBeNull();
    expect(runEventForTaskState(at('running'), 'TASK_FAILED', null, 5, true)?.event.type).toBe('run.failed');
    expect(exitStatusOf('exit code 127')).toBe(127);
    expect(exitStatusOf(null)).toBeNull();
  });
});
