/**
 * The agent core's decisions (pure reducer). Goal: the Mesos command-task status sequence,
 * checkpoint-before-spawn, the two-step kill (SIGTERM, then SIGKILL after the grace period),
 * kills that arrive mid-launch, and every recovery outcome (reattach, exited meanwhile, gone,
 * never started, a kill in progress) map to the right effects; terminal states are absorbing.
 * Method: feed events and compare effect lists; a fast-check property throws random event
 * sequences at one task and checks that at most one terminal update is ever emitted.
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { EMPTY_AGENT_STATE, step, type AgentCoreState, type AgentEffect, type AgentEvent } from '../../../src/agent/core.js';
import type { TaskRecord, TaskSpec } from '../../../src/agent/types.js';

const spec: TaskSpec = { taskId: 't1', frameworkId: 'f1', command: { shell: true, value: 'true' }, killGracePeriodMs: 500 };
const proc = { pid: 42, startTime: 1000 };

function run(events: AgentEvent[], from: AgentCoreState = EMPTY_AGENT_STATE): { state: AgentCoreState; effects: AgentEffect[] } {
  let state = from;
  const effects: AgentEffect[] = [];
  for (const event of events) {
    const result = step(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}
const states = (effects: AgentEffect[]) => effects.flatMap((e) => (e.type === 'statusUpdate' ? [e.state] : []));
const kinds = (effects: AgentEffect[]) => effects.map((e) => (e.type === 'signal' ? `signal:${e.signal}` : e.type));

describe('agent core', () => {
  it('checkpoints before starting, then RUNNING and FINISHED on exit 0', () => {
    const { effects, state } = run([
      { type: 'launchRequested', spec },
      { type: 'processStarted', taskId: 't1', process: proc },
      { type: 'processExited', taskId: 't1', exit: { status: 0 } },
    ]);
    expect(kinds(effects).slice(0, 2)).toEqual(['checkpointTask', 'startProcess']);
    expect(states(effects)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(state.tasks['t1']?.phase).toBe('terminal');
  });

  it('sends TASK_STARTING only when asked; duplicate launches are ignored', () => {
    const { effects } = run([
      { type: 'launchRequested', spec: { ...spec, sendStarting: true } },
      { type: 'launchRequested', spec },
      { type: 'processStarted', taskId: 't1', process: proc },
    ]);
    expect(states(effects)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(kinds(effects).filter((k) => k === 'startProcess')).toHaveLength(1);
  });

  it('non-zero exit and OOM are TASK_FAILED with reasons and the exit status', () => {
    const failed = run([{ type: 'launchRequested', spec }, { type: 'processStarted', taskId: 't1', process: proc }, { type: 'processExited', taskId: 't1', exit: { status: 3 } }]);
    expect(failed.effects.at(-1)).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_COMMAND_EXECUTOR_FAILED', exitStatus: 3, message: 'Command exited with status 3' });
    const oom = run([{ type: 'launchRequested', spec }, { type: 'processStarted', taskId: 't1', process: proc }, { type: 'processExited', taskId: 't1', exit: { status: 137, oomKilled: true } }]);
    expect(oom.effects.at(-1)).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY' });
  });

  it('kill: SIGTERM and a grace timer, SIGKILL when it expires, TASK_KILLED on exit', () => {
    const { effects } = run([
      { type: 'launchRequested', spec },
      { type: 'processStarted', taskId: 't1', process: proc },
      { type: 'killRequested', taskId: 't1' },
      { type: 'killRequested', taskId: 't1' },
      { type: 'killGraceExpired', taskId: 't1' },
      { type: 'processExited', taskId: 't1', exit: { status: 137, signal: 'SIGKILL' } },
    ]);
    expect(kinds(effects).slice(4)).toEqual(['checkpointTask', 'signal:SIGTERM', 'armKillTimer', 'signal:SIGKILL', 'cancelKillTimer', 'checkpointTask', 'statusUpdate']);
    expect(effects.find((e) => e.type === 'armKillTimer')).toMatchObject({ delayMs: 500 });
    expect(states(effects)).toEqual(['TASK_RUNNING', 'TASK_KILLED']);
  });

  it('a kill during launch is carried out once the process exists', () => {
    const { effects } = run([
      { type: 'launchRequested', spec },
      { type: 'killRequested', taskId: 't1' },
      { type: 'processStarted', taskId: 't1', process: proc },
    ]);
    expect(kinds(effects)).toContain('signal:SIGTERM');
  });

  it('a Docker task is killed with docker stop and the grace period, not signals', () => {
    const docker: TaskSpec = { ...spec, container: { image: 'busybox' } };
    const { effects } = run([
      { type: 'launchRequested', spec: docker },
      { type: 'processStarted', taskId: 't1', containerId: 'c1' },
      { type: 'killRequested', taskId: 't1' },
      { type: 'killGraceExpired', taskId: 't1' },
      { type: 'processExited', taskId: 't1', exit: { status: 137 } },
    ]);
    expect(effects.filter((e) => e.type === 'signal')).toEqual([]);
    expect(effects.find((e) => e.type === 'stopContainer')).toEqual({ type: 'stopContainer', taskId: 't1', containerId: 'c1', gracePeriodMs: 500 });
    expect(states(effects)).toEqual(['TASK_RUNNING', 'TASK_KILLED']);
  });

  it('launch failures are TASK_FAILED (container launch failed)', () => {
    const { effects } = run([{ type: 'launchRequested', spec }, { type: 'launchFailed', taskId: 't1', message: "unknown user 'x'" }]);
    expect(effects.at(-1)).toMatchObject({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
  });

  describe('recovery', () => {
    const running: TaskRecord = { spec, phase: 'running', lastState: 'TASK_RUNNING', process: proc };
    it('reattaches to a running task without a new update', () => {
      const { effects } = run([{ type: 'recovered', record: running, observation: { kind: 'running' } }]);
      expect(kinds(effects)).toEqual(['watchProcess']);
    });
    it('reports a task that exited meanwhile exactly as it ended', () => {
      const { effects } = run([{ type: 'recovered', record: running, observation: { kind: 'exited', exit: { status: 5 } } }]);
      expect(effects.at(-1)).toMatchObject({ state: 'TASK_FAILED', exitStatus: 5 });
      const killed = run([{ type: 'recovered', record: { ...running, phase: 'killing', killRequested: true }, observation: { kind: 'exited', exit: { status: 143 } } }]);
      expect(states(killed.effects)).toEqual(['TASK_KILLED']);
    });
    it('a vanished process is TASK_FAILED, a never-started task TASK_LOST, a terminal one stays quiet', () => {
      expect(states(run([{ type: 'recovered', record: running, observation: { kind: 'gone' } }]).effects)).toEqual(['TASK_FAILED']);
      const launching: TaskRecord = { spec, phase: 'launching', lastState: 'TASK_STAGING' };
      expect(states(run([{ type: 'recovered', record: launching, observation: { kind: 'neverStarted' } }]).effects)).toEqual(['TASK_LOST']);
      const done: TaskRecord = { ...running, phase: 'terminal', lastState: 'TASK_FINISHED' };
      expect(run([{ type: 'recovered', record: done, observation: { kind: 'gone' } }]).effects).toEqual([]);
    });
    it('a task checkpointed as launching whose process is found is reported RUNNING and watched', () => {
      const launching: TaskRecord = { spec, phase: 'launching', lastState: 'TASK_STAGING' };
      const { effects, state } = run([{ type: 'recovered', record: launching, observation: { kind: 'running', process: proc } }]);
      expect(kinds(effects)).toEqual(['checkpointTask', 'statusUpdate', 'watchProcess']);
      expect(state.tasks['t1']).toMatchObject({ phase: 'running', process: proc });
    });
    it('a kill in progress is restarted with SIGTERM and a fresh grace period', () => {
      const { effects } = run([{ type: 'recovered', record: { ...running, phase: 'killing', killRequested: true }, observation: { kind: 'running' } }]);
      expect(kinds(effects)).toEqual(['watchProcess', 'checkpointTask', 'signal:SIGTERM', 'armKillTimer']);
    });
  });

  const eventArb: fc.Arbitrary<AgentEvent> = fc.oneof(
    fc.constant<AgentEvent>({ type: 'launchRequested', spec }),
    fc.constant<AgentEvent>({ type: 'processStarted', taskId: 't1', process: proc }),
    fc.constant<AgentEvent>({ type: 'killRequested', taskId: 't1' }),
    fc.constant<AgentEvent>({ type: 'killGraceExpired', taskId: 't1' }),
    fc.constant<AgentEvent>({ type: 'launchFailed', taskId: 't1', message: 'x' }),
    fc.integer({ min: 0, max: 3 }).map<AgentEvent>((status) => ({ type: 'processExited', taskId: 't1', exit: { status } })),
  );
  fcTest.prop([fc.array(eventArb, { maxLength: 20 })], { numRuns: 300 })('at most one terminal update; nothing after it', (events) => {
    const emitted = states(run(events).effects);
    const terminalAt = emitted.findIndex((s) => ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST'].includes(s));
    if (terminalAt >= 0) expect(emitted.length).toBe(terminalAt + 1);
  });
});
