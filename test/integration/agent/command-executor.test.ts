/**
 * The command executor against real processes. Goal: commands run in their sandbox with the
 * given environment, stdout/stderr land in sandbox files, exit statuses come back exactly,
 * SIGTERM reaches a trapping task, a group kill leaves no descendant behind, a pid is only
 * trusted together with its start time, a restarted agent can reattach to a running task and
 * read its recorded exit status, and a cgroup memory limit is enforced where cgroups are
 * writable. Method: launch real /bin/sh tasks in temp dirs and observe /proc; every wait is a
 * condition with a deadline.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../../src/agent/executors/cgroups.js';
import { CommandExecutor, LaunchError } from '../../../src/agent/executors/command.js';
import { groupMembers, identify, isRunning } from '../../../src/agent/executors/proc.js';
import type { CommandSpec, TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-exec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
function task(command: Partial<CommandSpec> & { value: string }, extra: Partial<TaskSpec> = {}): { spec: TaskSpec; sandboxDir: string; runDir: string } {
  seq += 1;
  const taskId = `t${seq}`;
  return {
    spec: { taskId, frameworkId: 'f', command: { shell: true, ...command }, ...extra },
    sandboxDir: join(root, taskId, 'sandbox'),
    runDir: join(root, taskId, 'run'),
  };
}
const plain = new CommandExecutor({ cgroups: null, pollIntervalMs: 20 });
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

describe('CommandExecutor', () => {
  it('runs a shell command with stdout and stderr in the sandbox and reports its exit status', async () => {
    const t = task({ value: 'echo out; echo err >&2; exit 7' });
    const watched = await plain.launch(t);
    expect(await watched.exit).toEqual({ status: 7 });
    expect(read(t.sandboxDir, 'stdout')).toBe('out\n');
    expect(read(t.sandboxDir, 'stderr')).toBe('err\n');
  });

  it('execs argv without a shell (argv[0] included in arguments)', async () => {
    const t = task({ shell: false, value: '/bin/echo', arguments: ['echo', 'a  b', '$HOME'] });
    expect((await (await plain.launch(t)).exit).status).toBe(0);
    expect(read(t.sandboxDir, 'stdout')).toBe('a  b $HOME\n');
  });

  it('sets the environment and runs in the sandbox directory', async () => {
    const t = task({ value: 'pwd; echo "$GREETING-$MESOS_SANDBOX"', environment: { GREETING: 'hello' } });
    const watched = await plain.launch({ ...t, baseEnv: { MESOS_SANDBOX: t.sandboxDir, PATH: '/usr/bin:/bin' } });
    expect((await watched.exit).status).toBe(0);
    expect(read(t.sandboxDir, 'stdout')).toBe(`${t.sandboxDir}\nhello-${t.sandboxDir}\n`);
  });

  it('a missing executable exits 127; an unknown user is a launch error', async () => {
    const t = task({ shell: false, value: '/nonexistent/binary' });
    expect((await (await plain.launch(t)).exit).status).toBe(127);
    if (process.getuid?.() === 0) {
      await expect(plain.launch(task({ value: 'true', user: 'no-such-user-kairos' }))).rejects.toBeInstanceOf(LaunchError);
    }
  });

  it.runIf(process.getuid?.() === 0)('runs as the requested user when the agent is root', async () => {
    const t = task({ value: 'id -u; touch mine', user: 'nobody' });
    expect((await (await plain.launch(t)).exit).status).toBe(0);
    expect(read(t.sandboxDir, 'stdout')).toBe('65534\n');
  });

  it('SIGTERM reaches a task that traps it, and the wrapper still records its status', async () => {
    const t = task({ value: "trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 0.05; done" });
    const watched = await plain.launch(t);
    await waitFor('task ready', () => (read(t.sandboxDir, 'stdout').includes('ready') ? true : undefined));
    expect(plain.signal(watched.identity, 'SIGTERM')).toBe(true);
    expect(await watched.exit).toEqual({ status: 0 });
    expect(read(t.sandboxDir, 'stdout')).toContain('got-term');
  });

  it('a group kill leaves no descendants behind (grandchild included)', async () => {
    const t = task({ value: "trap '' TERM; sleep 300 & echo $! > grandchild; sleep 300" });
    const watched = await plain.launch(t);
    const grandchild = await waitFor('grandchild pid', () => {
      const text = read(t.sandboxDir, 'stdout') + safeRead(join(t.sandboxDir, 'grandchild'));
      return /\d+/.test(text) ? Number(text.trim()) : undefined;
    });
    expect(groupMembers(watched.identity.pid)).toContain(grandchild);
    plain.signal(watched.identity, 'SIGTERM');
    plain.signal(watched.identity, 'SIGKILL');
    await watched.exit;
    await waitFor('group empty', () => (groupMembers(watched.identity.pid).length === 0 ? true : undefined));
  });

  it('when the main command exits, leftover descendants in its group are killed', async () => {
    const t = task({ value: 'sleep 300 & echo $! > bg; exit 0' });
    const watched = await plain.launch(t);
    expect((await watched.exit).status).toBe(0);
    await waitFor('group empty', () => (groupMembers(watched.identity.pid).length === 0 ? true : undefined));
  });

  it('a recycled pid is not trusted: identity includes the start time', async () => {
    const t = task({ value: 'sleep 300' });
    const watched = await plain.launch(t);
    expect(isRunning(watched.identity)).toBe(true);
    const impostor = { pid: watched.identity.pid, startTime: watched.identity.startTime + 1 };
    expect(isRunning(impostor)).toBe(false);
    expect(plain.reattach(impostor, t.runDir)).toBeNull();
    plain.signal(watched.identity, 'SIGKILL');
    await watched.exit;
    expect(isRunning(watched.identity)).toBe(false);
    expect(identify(999_999_999)).toBeNull();
  });

  it('a second executor reattaches to a running task and reads its recorded exit status', async () => {
    const t = task({ value: 'while [ ! -f go ]; do sleep 0.02; done; exit 4' });
    const first = await plain.launch(t);
    const restarted = new CommandExecutor({ cgroups: null, pollIntervalMs: 20 });
    const reattached = restarted.reattach(first.identity, t.runDir);
    expect(reattached).not.toBeNull();
    expect(restarted.recordedExit(t.runDir)).toBeNull();
    writeFileSync(join(t.sandboxDir, 'go'), '');
    expect(await reattached?.exit).toEqual({ status: 4 });
    expect(restarted.recordedExit(t.runDir)).toEqual({ status: 4 });
    await first.exit;
  });
});

describe('cgroup detection', () => {
  it('reports why when no usable hierarchy exists, instead of failing', () => {
    expect(detectCgroups(join(root, 'no-cgroups-here'))).toMatchObject({ controller: null, reason: expect.stringMatching(/no cgroup/) });
    const blocked = join(root, 'blocked-cgroups');
    mkdirSync(join(blocked, 'cpu'), { recursive: true });
    writeFileSync(join(blocked, 'memory'), 'not a directory');
    expect(detectCgroups(blocked)).toMatchObject({ controller: null, reason: expect.stringMatching(/not writable/) });
  });
});

const detection = detectCgroups();
describe.runIf(detection.controller !== null)('cgroup limits', () => {
  it('a task allocating past its memory limit is OOM-killed and reported as such', async () => {
    const executor = new CommandExecutor({ cgroups: detection.controller, pollIntervalMs: 20 });
    const hog = `${process.execPath} -e "const a=[];for(let i=0;i<120;i++)a.push(Buffer.alloc(1<<20,1));console.log('survived')"`;
    const limited = task({ value: hog }, { limits: { memMb: 48, cpus: 0.5 } });
    const exit = await (await executor.launch(limited)).exit;
    expect(exit.oomKilled).toBe(true);
    expect(exit.status).toBe(137);
    expect(read(limited.sandboxDir, 'stdout')).not.toContain('survived');
    // The same program with room to spare finishes normally.
    const roomy = task({ value: hog }, { limits: { memMb: 512 } });
    expect(await (await executor.launch(roomy)).exit).toEqual({ status: 0 });
  });
});

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
