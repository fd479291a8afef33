/**
 * The command executor: runs a task's command as a detached process group inside its sandbox,
 * with stdout/stderr in sandbox files, optional user switch and cgroup limits.
 *
 * Every task runs under a tiny /bin/sh wrapper that (1) joins the task's cgroups, (2) runs the
 * command in the foreground, (3) writes the command's exit status to `<runDir>/exit_status`.
 * The wrapper leads the process group (detached → setsid), so it outlives an agent that is
 * SIGKILLed, and a restarted agent can read the recorded status of a task it could not wait on.
 * The wrapper catches SIGTERM with a no-op trap (a caught signal is reset to default on exec,
 * so the command still sees SIGTERM; an ignored one would stay ignored) and the shell defers
 * the trap until the foreground command ends, so a graceful kill still records the status.
 */
import { spawn } from 'node:child_process';
import { closeSync, chownSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { CgroupController } from './cgroups.js';
import { environHas, groupHasMembers, identify, isRunning, lookupUser, readProcStat, signalGroup } from './proc.js';
import type { ProcessExit, ProcessIdentity, TaskSpec } from '../types.js';

const WRAPPER = [
  'rundir=$1; shift',
  'exitfile="$rundir/exit_status"',
  'echo $$ > "$rundir/pid"',
  'for f in $KAIROS_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done',
  'unset KAIROS_CGROUP_PROCS',
  "trap ':' TERM",
  '"$@"',
  'code=$?',
  'echo "$code" > "$exitfile.tmp" && mv "$exitfile.tmp" "$exitfile"',
  'exit "$code"',
].join('\n');

/** Raised when a task cannot be started at all (→ TASK_FAILED, container launch failed). */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
}

export interface LaunchRequest {
  spec: TaskSpec;
  sandboxDir: string;
  /** Agent-private directory for the task (exit status file); not browsable. */
  runDir: string;
  /** Variables set before the task's own environment (MESOS_* and friends). */
  baseEnv?: Record<string, string>;
}

/** A process the executor is watching, launched now or reattached after a restart. */
export interface WatchedProcess {
  identity: ProcessIdentity;
  containerId?: string;
  /** Resolves once the process group leader has ended. */
  exit: Promise<ProcessExit>;
}

export interface CommandExecutorOptions {
  cgroups: CgroupController | null;
  /** How often a reattached (non-child) process is checked in /proc. */
  pollIntervalMs?: number;
}

export class CommandExecutor {
  private readonly pollIntervalMs: number;

  constructor(private readonly options: CommandExecutorOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  /** Starts the task; rejects with LaunchError when it cannot be started. */
  async launch(request: LaunchRequest): Promise<WatchedProcess> {
    const { spec, sandboxDir, runDir } = request;
    mkdirSync(sandboxDir, { recursive: true });
    mkdirSync(runDir, { recursive: true });
    const userPrefix = this.userPrefix(spec, sandboxDir);
    const containerId = this.options.cgroups ? containerIdOf(spec.taskId) : undefined;
    const procsFiles = containerId ? this.createCgroup(containerId, spec) : [];
    const argv = [...userPrefix, ...commandArgv(spec)];
    const env = { ...request.baseEnv, ...spec.command.environment, KAIROS_CGROUP_PROCS: procsFiles.join(' ') };
    const stdout = openSync(join(sandboxDir, 'stdout'), 'a');
    const stderr = openSync(join(sandboxDir, 'stderr'), 'a');
    try {
      const child = spawn('/bin/sh', ['-c', WRAPPER, 'kairos-task', runDir, ...argv], {
        cwd: sandboxDir,
        env,
        detached: true,
        stdio: ['ignore', stdout, stderr],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) => reject(new LaunchError(`cannot start the task: ${error.message}`)));
      });
      child.unref();
      const pid = child.pid as number;
      const identity = identify(pid) ?? { pid, startTime: -1 };
      const exit = new Promise<ProcessExit>((resolve) => {
        child.once('exit', (code, signal) => resolve(this.finish(identity, runDir, containerId, code, signal)));
      });
      return { identity, exit, ...(containerId ? { containerId } : {}) };
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }

  /** Watches a process launched by an earlier agent; null when it is no longer running. */
  reattach(identity: ProcessIdentity, runDir: string, containerId?: string): WatchedProcess | null {
    if (!isRunning(identity)) return null;
    const exit = new Promise<ProcessExit>((resolve) => {
      const poll = (): void => {
        if (isRunning(identity)) {
          setTimeout(poll, this.pollIntervalMs).unref();
          return;
        }
        resolve(this.finish(identity, runDir, containerId, null, null));
      };
      poll();
    });
    return { identity, exit, ...(containerId ? { containerId } : {}) };
  }

  /**
   * Finds the wrapper of a task whose launch was checkpointed but whose pid was not (the agent
   * died in between): the pid the wrapper wrote, trusted only if that process still leads its
   * own group and carries the task's MESOS_TASK_ID in its environment.
   */
  findLaunched(runDir: string, taskId: string): ProcessIdentity | null {
    const pidFile = join(runDir, 'pid');
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    const stat = readProcStat(pid);
    if (!stat || stat.pgid !== pid || !environHas(pid, `MESOS_TASK_ID=${taskId}`)) return null;
    const identity = { pid, startTime: stat.startTime };
    return isRunning(identity) ? identity : null;
  }

  /** The exit status the wrapper recorded, if the task ended (read after an agent restart). */
  recordedExit(runDir: string, containerId?: string): ProcessExit | null {
    const status = readExitStatus(runDir);
    if (status === null) return null;
    return this.withOom({ status }, containerId);
  }

  /** Signals the task's whole process group (never a recycled pid). */
  signal(identity: ProcessIdentity, signal: NodeJS.Signals): boolean {
    return signalGroup(identity, signal);
  }

  private finish(identity: ProcessIdentity, runDir: string, containerId: string | undefined, code: number | null, signal: NodeJS.Signals | null): ProcessExit {
    // The task is over: descendants left in its group are orphans; Mesos destroys the container.
    if (groupHasMembers(identity.pid)) signalGroup(identity, 'SIGKILL');
    const recorded = readExitStatus(runDir);
    let exit: ProcessExit;
    if (recorded !== null) exit = { status: recorded };
    else if (signal) exit = { status: 128 + (constants.signals[signal] ?? 0), signal };
    else exit = { status: code };
    exit = this.withOom(exit, containerId);
    if (containerId) this.options.cgroups?.destroy(containerId);
    return exit;
  }

  private withOom(exit: ProcessExit, containerId: string | undefined): ProcessExit {
    return containerId && this.options.cgroups?.oomKilled(containerId) ? { ...exit, oomKilled: true } : exit;
  }

  private createCgroup(containerId: string, spec: TaskSpec): string[] {
    try {
      return this.options.cgroups?.create(containerId, spec.limits ?? {}) ?? [];
    } catch (error) {
      throw new LaunchError(`cannot create cgroup ${containerId}: ${(error as Error).message}`);
    }
  }

  /** `setpriv` prefix that drops to the task's user (only when the agent runs as root). */
  private userPrefix(spec: TaskSpec, sandboxDir: string): string[] {
    const name = spec.command.user;
    if (name === undefined || process.getuid?.() !== 0) return [];
    const user = lookupUser(name);
    if (!user) throw new LaunchError(`unknown user '${name}'`);
    chownSync(sandboxDir, user.uid, user.gid);
    return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'];
  }
}

/** argv for the command: `/bin/sh -c value`, or `value` followed by arguments after argv[0]. */
export function commandArgv(spec: TaskSpec): string[] {
  const { shell, value } = spec.command;
  if (shell) return ['/bin/sh', '-c', value];
  return [value, ...(spec.command.arguments ?? []).slice(1)];
}

/** A cgroup-safe name for the task's container. */
export function containerIdOf(taskId: string): string {
  return `task-${taskId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

function readExitStatus(runDir: string): number | null {
  const file = join(runDir, 'exit_status');
  if (!existsSync(file)) return null;
  const status = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(status) ? status : null;
}
