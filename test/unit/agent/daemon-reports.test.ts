/**
 * Pure translations of the agent daemon: tasks reported in `hello`, the launch spec for a
 * `runTask`, the /state document, and `kairos agent` configuration.
 * Goal: live tasks and terminal-but-unacknowledged ones are reported with their resources;
 * limits come from resources unless the spec sets them; /state has the Mesos v0 shape; flags
 * beat env, missing resources are detected, bad input is one ConfigError naming the flag.
 */
import { describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../../../src/agent/daemon/config.js';
import { helloTasks, launchSpec, liveTasksOf, reportedTasks, skippedResends } from '../../../src/agent/daemon/reports.js';
import { taskDigestOf } from '../../../src/protocol/task-digest.js';
import { parseResources } from '../../../src/agent/daemon/resources.js';
import { buildAgentState } from '../../../src/agent/daemon/state-json.js';
import type { TaskRecord, TaskSpec } from '../../../src/agent/types.js';
import { ConfigError } from '../../../src/lib/errors.js';

const spec = (taskId: string, frameworkId = 'f1', extra: Partial<TaskSpec> = {}): TaskSpec => ({ taskId, frameworkId, command: { shell: true, value: 'x' }, ...extra });
const records: TaskRecord[] = [
  { spec: spec('live', 'f1', { resources: parseResources('cpus:1') }), phase: 'running', lastState: 'TASK_RUNNING' },
  { spec: spec('done-unacked'), phase: 'terminal', lastState: 'TASK_FINISHED' },
  { spec: spec('done-acked', 'f2'), phase: 'terminal', lastState: 'TASK_FAILED' },
];

describe('reportedTasks / liveTasksOf', () => {
  it('reports live tasks and terminal ones with unacknowledged updates', () => {
    const reported = reportedTasks(records, new Map([['done-unacked', 'u1']]));
    expect(reported.map((t) => [t.spec.taskId, t.state, t.pending])).toEqual([['live', 'TASK_RUNNING', undefined], ['done-unacked', 'TASK_FINISHED', 'u1']]);
    expect(reported[0]!.resources).toEqual(parseResources('cpus:1'));
    expect(reported[1]!.resources).toBeUndefined();
    expect(liveTasksOf(records, 'f1')).toEqual(['live']);
    expect(liveTasksOf(records, 'f2')).toEqual([]);
  });
});

describe('launchSpec', () => {
  it('takes limits from resources and keeps the resources', () => {
    const out = launchSpec(spec('t'), parseResources('cpus:0.5;mem:128;ports:[31000-31000]'));
    expect(out.limits).toEqual({ cpus: 0.5, memMb: 128 });
    expect(out.resources).toHaveLength(3);
  });
  it('keeps limits the spec sets and adds nothing without resources', () => {
    expect(launchSpec(spec('t', 'f', { limits: { memMb: 64 } }), parseResources('cpus:1;mem:512')).limits).toEqual({ cpus: 1, memMb: 64 });
    expect(launchSpec(spec('t'), [])).toEqual(spec('t'));
  });
});

describe('buildAgentState', () => {
  it('has the Mesos v0 agent shape', () => {
    const state = buildAgentState({
      agentId: 'M-S1',
      hostname: 'box',
      httpAddress: '10.0.0.1:5051',
      version: '0.1.0',
      startTimeSec: 1,
      resources: parseResources('cpus:4;mem:100;ports:[1-2,5-6]'),
      attributes: { rack: 'r1' },
      master: '10.0.0.9:5050',
      tasks: records,
      sandboxOf: (r) => `/sb/${r.spec.taskId}`,
    }) as Record<string, any>;
    expect(state).toMatchObject({ id: 'M-S1', hostname: 'box', pid: 'slave(1)@10.0.0.1:5051', port: 5051, master_hostname: '10.0.0.9', attributes: { rack: 'r1' } });
    expect(state['resources']).toEqual({ cpus: 4, mem: 100, ports: '[1-2,5-6]' });
    expect(state['frameworks']).toHaveLength(1);
    const f1 = state['frameworks'][0];
    expect(f1.id).toBe('f1');
    expect(f1.executors[0]).toMatchObject({ id: 'live', directory: '/sb/live', tasks: [{ id: 'live', state: 'TASK_RUNNING', slave_id: 'M-S1', resources: { cpus: 1 } }] });
    expect(f1.completed_executors[0].completed_tasks[0]).toMatchObject({ id: 'done-unacked', state: 'TASK_FINISHED' });
    expect(state['completed_frameworks'].map((f: { id: string }) => f.id)).toEqual(['f2']);
  });
});

describe('resolveAgentConfig', () => {
  const detect = () => ({ cpus: 2, memMb: 1000, diskMb: 5000 });
  it('merges flags over env and detects missing resources', () => {
    const config = resolveAgentConfig({ masters: 'a:1, b:2', resources: 'cpus:1' }, { KAIROS_WORK_DIR: '/tmp/w', KAIROS_MASTERS: 'z:9', KAIROS_ATTRIBUTES: 'rack:r1', KAIROS_ALLOW_PRIVILEGED: 'true' }, detect);
    expect(config.masters).toEqual(['a:1', 'b:2']);
    expect(config.workDir).toBe('/tmp/w');
    expect(config.attributes).toEqual({ rack: 'r1' });
    expect(config.allowPrivileged).toBe(true);
    expect(config.http).toBe('127.0.0.1:5051');
    expect(config.resources.map((r) => [r.name, r.scalar?.value])).toEqual([['cpus', 1], ['mem', 1000], ['disk', 5000], ['ports', undefined]]);
  });
  it('advertises the hostname when listening on every interface', () => {
    expect(resolveAgentConfig({ masters: 'a:1', workDir: '/tmp/w', http: '0.0.0.0:5051', hostname: 'box' }, {}, detect).advertisedHttp).toBe('box:5051');
  });
  it.each([
    [{ workDir: '/tmp/w' }, /--masters: is required/],
    [{ masters: 'a:1' }, /--work-dir: is required/],
    [{ masters: 'nope', workDir: '/tmp/w' }, /--masters: must be host:port/],
    [{ masters: 'a:1', workDir: '/tmp/w', resources: 'cpus:-1' }, /--resources: "cpus:-1" is not a number/],
    [{ masters: 'a:1', workDir: '/tmp/w', attributes: 'rack' }, /--attributes/],
    [{ masters: 'a:1', workDir: '/tmp/w', missedPongs: 'x' }, /--missed-pongs/],
  ])('refuses %o', (flags, message) => {
    expect(() => resolveAgentConfig(flags, {}, detect)).toThrow(ConfigError);
    expect(() => resolveAgentConfig(flags, {}, detect)).toThrow(message);
  });
});

describe('skippedResends / helloTasks', () => {
  it('skips the recorded uuids and the pending update of each task of an unrelayed framework', () => {
    const heads = new Map([['live', 'u-live'], ['done-unacked', 'u-done'], ['done-acked', 'u-other']]);
    expect(skippedResends(records, heads, new Set(['r1']), new Set())).toEqual(new Set(['r1']));
    expect(skippedResends(records, heads, new Set(['r1']), new Set(['f1']))).toEqual(new Set(['r1', 'u-live', 'u-done']));
    expect(skippedResends(records, heads, new Set(), new Set(['f2']))).toEqual(new Set(['u-other']));
  });

  it('reports tasks by digest, by id or in full; a body with its own digest goes as it is', () => {
    const tasks = reportedTasks(records, new Map([['done-unacked', 'u1']]));
    const body = { agentId: 'A1', tasks };
    const byId = tasks.map((t) => ({ frameworkId: t.spec.frameworkId, taskId: t.spec.taskId, state: t.state }));
    expect(helloTasks(body, 'digest')).toEqual({ tasks: [], digest: taskDigestOf(byId) });
    expect(helloTasks(body, 'known')).toEqual({ tasks: [], known: [byId[0], { ...byId[1], pending: 'u1' }] });
    expect(helloTasks(body, 'full')).toEqual({});
    expect(helloTasks({ tasks }, 'digest')).toEqual({});
    expect(helloTasks({ agentId: 'A1', tasks: [], digest: '2:00' }, 'digest')).toEqual({});
  });
});
