/**
 * The Agent shell end to end with real processes and a real LevelDB checkpoint, no master.
 * Goal: the status sequence reaches the sink; a kill escalates to SIGKILL after the grace
 * period for a task that ignores SIGTERM; and after an in-process "crash" (the agent is closed
 * without touching its tasks, then a new Agent opens the same work dir) running tasks are
 * reattached and report their real end, tasks that ended meanwhile are reported as they ended,
 * a vanished process is TASK_FAILED, and unacknowledged updates are re-sent.
 * Method: a recording sink; conditions polled with deadlines; tasks are gated on files the
 * test creates, so nothing depends on timing.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { CheckpointStore } from '../../../src/agent/checkpoint/store.js';
import type { StatusUpdate, TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-agent-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class RecordingSink {
  readonly sent: StatusUpdate[] = [];
  send(update: StatusUpdate): void {
    this.sent.push(update);
  }
  statesOf(taskId: string): string[] {
    return [...new Set(this.sent.filter((u) => u.taskId === taskId).map((u) => `${u.uuid}|${u.state}`))].map((k) => k.split('|')[1] ?? '');
  }
  last(taskId: string): StatusUpdate | undefined {
    return this.sent.filter((u) => u.taskId === taskId).at(-1);
  }
}

const fastRetry = { minMs: 50, maxMs: 200 };
function start(workDir: string, sink: RecordingSink): Promise<Agent> {
  return Agent.start({ workDir, sink, retry: fastRetry, cgroups: null, pollIntervalMs: 20 });
}
function spec(taskId: string, value: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return { taskId, frameworkId: 'fw', command: { shell: true, value }, ...extra };
}
/** Acknowledges every update as the master would, so each stream moves on. */
async function ackAll(agent: Agent, sink: RecordingSink): Promise<void> {
  for (const u of [...sink.sent]) await agent.acknowledge(u.taskId, u.uuid);
}
const waitState = (agent: Agent, sink: RecordingSink, taskId: string, state: string) =>
  waitFor(`${taskId} ${state}`, async () => {
    await ackAll(agent, sink);
    return sink.statesOf(taskId).includes(state) ? true : undefined;
  });

describe('Agent', () => {
  it('RUNNING then FINISHED, with MESOS_SANDBOX set and output in the sandbox', async () => {
    const workDir = join(root, 'a1');
    const sink = new RecordingSink();
    const agent = await start(workDir, sink);
    await agent.launch(spec('ok', 'echo "$MESOS_TASK_ID in $MESOS_SANDBOX"'));
    await waitState(agent, sink, 'ok', 'TASK_FINISHED');
    expect(sink.statesOf('ok')).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(agent.updates.pending()).toEqual([]);
    await agent.close();
  });

  it('kill escalates to SIGKILL after the grace period for a task that ignores SIGTERM', async () => {
    const workDir = join(root, 'a2');
    const sink = new RecordingSink();
    const agent = await start(workDir, sink);
    const trapped = join(root, 'a2-trapped');
    await agent.launch(spec('stubborn', `trap '' TERM; touch ${trapped}; sleep 300 & sleep 300`, { killGracePeriodMs: 200 }));
    await waitState(agent, sink, 'stubborn', 'TASK_RUNNING');
    // SIGTERM must arrive after the shell installed its trap, or it would die of it at once.
    await waitFor('trap installed', () => (existsSync(trapped) ? true : undefined));
    const began = Date.now();
    await agent.kill('stubborn');
    await waitState(agent, sink, 'stubborn', 'TASK_KILLED');
    expect(Date.now() - began).toBeGreaterThanOrEqual(180);
    expect(sink.last('stubborn')?.message).toMatch(/killed/);
    await agent.close();
  });

  it('the status stream is ordered: FINISHED goes out right behind an unacknowledged RUNNING, both retried in order', async () => {
    const workDir = join(root, 'a3');
    const sink = new RecordingSink();
    const agent = await start(workDir, sink);
    await agent.launch(spec('quick', 'exit 0'));
    await waitFor('both updates queued', () => (agent.updates.pending().length === 2 ? true : undefined));
    await waitFor('FINISHED retried', () => (sink.sent.filter((u) => u.state === 'TASK_FINISHED').length >= 2 ? true : undefined));
    // Nothing was acknowledged, yet FINISHED went out; every send of it follows a send of RUNNING.
    const states = sink.sent.map((u) => u.state);
    expect(states[0]).toBe('TASK_RUNNING');
    states.forEach((state, i) => {
      if (state === 'TASK_FINISHED') expect(states[i - 1]).toBe('TASK_RUNNING');
    });
    // Acknowledging the terminal update alone ends the stream (RUNNING is superseded).
    const finished = sink.sent.find((u) => u.state === 'TASK_FINISHED')!;
    expect(await agent.acknowledge('quick', finished.uuid)).toBe(true);
    expect(agent.updates.pending()).toEqual([]);
    await agent.close();
  });

  it('GC deletes finished, acknowledged sandboxes under disk pressure and forgets their tasks', async () => {
    const workDir = join(root, 'a5');
    const sink = new RecordingSink();
    const agent = await start(workDir, sink);
    await agent.launch(spec('big', 'head -c 4096 /dev/zero > blob'));
    await agent.launch(spec('live', 'sleep 300'));
    await waitState(agent, sink, 'big', 'TASK_FINISHED');
    await waitState(agent, sink, 'live', 'TASK_RUNNING');
    await waitFor('acked', async () => {
      await ackAll(agent, sink);
      return agent.updates.pending().length === 0 ? true : undefined;
    });
    const bigDir = agent.sandboxDirOf({ frameworkId: 'fw', taskId: 'big' });
    expect(await agent.collectGarbage({ maxAgeMs: 3_600_000, maxTotalBytes: 1_000_000 })).toEqual([]);
    expect(await agent.collectGarbage({ maxAgeMs: 3_600_000, maxTotalBytes: 1000 })).toEqual([bigDir]);
    expect(existsSync(bigDir)).toBe(false);
    expect(agent.task('big')).toBeUndefined();
    expect(existsSync(agent.sandboxDirOf({ frameworkId: 'fw', taskId: 'live' }))).toBe(true);
    await agent.kill('live');
    await waitState(agent, sink, 'live', 'TASK_KILLED');
    await agent.close();
  });

  it('after a crash, tasks are reattached or reported as they ended, and pending updates are re-sent', async () => {
    const workDir = join(root, 'a4');
    const sink = new RecordingSink();
    const first = await start(workDir, sink);
    const gate = join(root, 'a4-gate');
    await first.launch(spec('survivor', `while [ ! -f ${gate} ]; do sleep 0.02; done; exit 0`));
    const dieGate = join(root, 'a4-gate-dies');
    await first.launch(spec('dies-meanwhile', `while [ ! -f ${dieGate} ]; do sleep 0.02; done; exit 9`));
    await first.launch(spec('vanishes', 'sleep 300'));
    await first.launch(spec('unacked', 'exit 0'));
    for (const id of ['survivor', 'dies-meanwhile', 'vanishes']) await waitFor(`${id} running`, () => (sink.statesOf(id).includes('TASK_RUNNING') ? true : undefined));
    await waitFor('unacked finished', () => (first.task('unacked')?.phase === 'terminal' ? true : undefined));
    await first.close(); // nothing acknowledged; tasks untouched

    // While the agent is down: one task ends on its own; another is killed and its exit record lost.
    const vanishing = (await readRecord(workDir, 'vanishes')).process;
    if (!vanishing) throw new Error('no pid checkpointed');
    process.kill(-vanishing.pid, 'SIGKILL');
    await waitFor('vanished', () => (safeKill0(vanishing.pid) ? undefined : true));
    rmSync(join(workDir, 'run', 'vanishes'), { recursive: true, force: true });
    writeFileSync(dieGate, '');
    await waitFor('dies-meanwhile exited', () => (existsSync(join(workDir, 'run', 'dies-meanwhile', 'exit_status')) ? true : undefined));
    expect(sink.statesOf('dies-meanwhile')).toEqual(['TASK_RUNNING']);

    const sink2 = new RecordingSink();
    const second = await start(workDir, sink2);
    expect(second.task('survivor')?.phase).toBe('running');
    // Pending RUNNING updates from before the crash are re-sent first, per task in order.
    expect(sink2.sent.filter((u) => u.taskId === 'unacked').map((u) => u.state).slice(0, 2)).toEqual(['TASK_RUNNING', 'TASK_FINISHED']);
    await waitState(second, sink2, 'vanishes', 'TASK_FAILED');
    expect(sink2.last('vanishes')?.reason).toBe('REASON_EXECUTOR_TERMINATED');
    await waitState(second, sink2, 'unacked', 'TASK_FINISHED');
    writeFileSync(gate, '');
    await waitState(second, sink2, 'survivor', 'TASK_FINISHED');
    await waitState(second, sink2, 'dies-meanwhile', 'TASK_FAILED');
    expect(sink2.last('dies-meanwhile')).toMatchObject({ exitStatus: 9, message: 'Command exited with status 9' });
    await waitFor('all acknowledged', async () => {
      await ackAll(second, sink2);
      return second.updates.pending().length === 0 ? true : undefined;
    });
    await second.close();
  });
});

describe('Agent recovery of the launch window', () => {
  it('finds a task spawned just before the agent died (pid file + MESOS_TASK_ID), but not an impostor pid', async () => {
    const workDir = join(root, 'a6');
    const sink = new RecordingSink();
    const first = await start(workDir, sink);
    const gate = join(root, 'a6-gate');
    await first.launch(spec('window', `while [ ! -f ${gate} ]; do sleep 0.02; done; exit 0`));
    await first.launch(spec('impostor', 'exit 0'));
    await waitFor('both started', () => (first.task('window')?.process && first.task('impostor')?.phase === 'terminal' ? true : undefined));
    await first.close();
    // Rewind both checkpoints to "launch checkpointed, pid not yet": the agent died between spawn and checkpoint.
    const store = await CheckpointStore.open(join(workDir, 'checkpoint'));
    for (const taskId of ['window', 'impostor']) {
      const { process: _pid, ...record } = (await store.loadTasks()).find((r) => r.spec.taskId === taskId) ?? (() => { throw new Error('missing'); })();
      await store.putTask({ ...record, phase: 'launching', lastState: 'TASK_STAGING' });
    }
    await store.close();
    rmSync(join(workDir, 'run', 'impostor', 'exit_status'));
    writeFileSync(join(workDir, 'run', 'impostor', 'pid'), String(process.pid));

    const sink2 = new RecordingSink();
    const second = await start(workDir, sink2);
    expect(second.task('window')?.phase).toBe('running');
    await waitState(second, sink2, 'impostor', 'TASK_LOST');
    await waitState(second, sink2, 'window', 'TASK_RUNNING');
    writeFileSync(gate, '');
    await waitState(second, sink2, 'window', 'TASK_FINISHED');
    await second.close();
  });
});

async function readRecord(workDir: string, taskId: string) {
  const store = await CheckpointStore.open(join(workDir, 'checkpoint'));
  try {
    const record = (await store.loadTasks()).find((r) => r.spec.taskId === taskId);
    if (!record) throw new Error(`no checkpoint for ${taskId}`);
    return record;
  } finally {
    await store.close();
  }
}

function safeKill0(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
