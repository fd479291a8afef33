/**
 * SIGKILL the agent process while tasks run, restart it, and check the tasks' fates reach the
 * "master" exactly as they happened. Goal: a task still running is reattached and its real exit
 * status is reported after the restart; a task that ended while the agent was dead is reported
 * with the status its wrapper recorded; an update that was sent but not acknowledged before the
 * crash is re-sent with the same uuid; acknowledged updates are not repeated.
 * Method: harness.ts (a tiny agent process speaking JSON lines) is compiled with tsc
 * --noCheck, run as a real child, fed launches and acks, and SIGKILLed; tasks are gated on
 * files the test creates, and every wait is a condition with a deadline.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusUpdate, TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';

const repo = resolve(import.meta.dirname, '../../..');
const outDir = join(repo, 'node_modules/.cache/kairos-agent-harness');
const harnessJs = join(outDir, 'test/integration/agent/harness.js');
const base = mkdtempSync(join(tmpdir(), 'kairos-crash-'));
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '--noCheck', '--outDir', outDir, '--rootDir', repo, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--skipLibCheck', '--types', 'node', join(repo, 'test/integration/agent/harness.ts')], { cwd: repo, stdio: 'pipe' });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

interface Harness {
  child: ChildProcess;
  updates: StatusUpdate[];
  /** Command lines the harness has finished (and, for acks, checkpointed). */
  done: Set<string>;
  send(command: unknown): string;
  exited: Promise<void>;
}

async function startHarness(workDir: string): Promise<Harness> {
  const child = spawn(process.execPath, [harnessJs, workDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const updates: StatusUpdate[] = [];
  const done = new Set<string>();
  let ready = false;
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: boolean; update?: StatusUpdate; done?: string };
    if (message.ready) ready = true;
    if (message.done !== undefined) done.add(message.done);
    if (message.update) updates.push(message.update);
  });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  await waitFor('harness ready', () => (ready ? true : undefined), 30_000);
  const send = (command: unknown): string => {
    const line = JSON.stringify(command);
    child.stdin?.write(`${line}\n`);
    return line;
  };
  return { child, updates, done, exited, send };
}

const spec = (taskId: string, value: string): TaskSpec => ({ taskId, frameworkId: 'fw', command: { shell: true, value } });
const gated = (gate: string, status: number) => `while [ ! -f ${gate} ]; do sleep 0.02; done; exit ${status}`;
const find = (h: Harness, taskId: string, state: string) => h.updates.find((u) => u.taskId === taskId && u.state === state);
const waitUpdate = (h: Harness, taskId: string, state: string) => waitFor(`${taskId} ${state}`, () => find(h, taskId, state), 20_000);
const ack = (h: Harness, u: StatusUpdate) => h.send({ ack: { taskId: u.taskId, uuid: u.uuid } });

describe('agent crash and restart (real process, SIGKILL)', () => {
  it('reattaches running tasks and reports every task exactly as it ended', async () => {
    const workDir = join(base, 'agent');
    const [gateA, gateB] = [join(base, 'gate-a'), join(base, 'gate-b')];
    const first = await startHarness(workDir);
    first.send({ launch: spec('a-survives', gated(gateA, 3)) });
    first.send({ launch: spec('b-ends-while-down', gated(gateB, 0)) });
    first.send({ launch: spec('c-unacked', 'exit 0') });
    const acks: string[] = [];
    for (const id of ['a-survives', 'b-ends-while-down', 'c-unacked']) acks.push(ack(first, await waitUpdate(first, id, 'TASK_RUNNING')));
    const unacked = await waitUpdate(first, 'c-unacked', 'TASK_FINISHED');
    // An ack counts once the agent has checkpointed it; one still in flight at the kill is
    // rightly re-sent after the restart (at-least-once), so wait for the harness to finish them.
    await waitFor('RUNNING acks checkpointed', () => (acks.every((line) => first.done.has(line)) ? true : undefined));

    first.child.kill('SIGKILL');
    await first.exited;
    writeFileSync(gateB, '');
    await waitFor('b recorded its exit', () => (existsSync(join(workDir, 'run', 'b-ends-while-down', 'exit_status')) ? true : undefined));

    const second = await startHarness(workDir);
    const resent = await waitUpdate(second, 'c-unacked', 'TASK_FINISHED');
    expect(resent.uuid).toBe(unacked.uuid);
    const b = await waitUpdate(second, 'b-ends-while-down', 'TASK_FINISHED');
    expect(b).toMatchObject({ exitStatus: 0 });
    // A is still running: no new update for it until its command actually ends.
    expect(second.updates.filter((u) => u.taskId === 'a-survives')).toEqual([]);
    writeFileSync(gateA, '');
    const a = await waitUpdate(second, 'a-survives', 'TASK_FAILED');
    expect(a).toMatchObject({ exitStatus: 3, message: 'Command exited with status 3', reason: 'REASON_COMMAND_EXECUTOR_FAILED' });
    // Acknowledged RUNNING updates were not repeated after the restart.
    expect(second.updates.some((u) => u.state === 'TASK_RUNNING')).toBe(false);
    for (const u of [resent, b, a]) ack(second, u);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
