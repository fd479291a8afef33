/**
 * The Docker executor: runs a task as a container through dockerode. Pull policy, command,
 * env, volumes, port mappings, network mode, cpu/mem limits and identifying labels come from
 * the task; the sandbox is mounted at /mnt/mesos/sandbox (as Mesos does) and the container's
 * stdout/stderr are streamed into the sandbox files. After exit the container is removed
 * unless the agent keeps them. Every way a launch can fail becomes a LaunchError whose message
 * says exactly what went wrong (no daemon, missing image, privileged refused...).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { LaunchError } from './command.js';
import { safeSegment } from '../sandbox.js';
import type { DockerSpec, ProcessExit, TaskSpec } from '../types.js';

export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';

export interface DockerExecutorOptions {
  docker: Docker;
  agentId?: string;
  /** Privileged containers are refused unless the agent was started with --allow-privileged. */
  allowPrivileged?: boolean;
  /** Remove containers after they exit (default true). */
  removeContainers?: boolean;
}

export interface WatchedContainer {
  containerId: string;
  exit: Promise<ProcessExit>;
}

export class DockerExecutor {
  private abandoned = false;

  constructor(private readonly options: DockerExecutorOptions) {}

  /** The agent is going away: stop removing containers, a later agent will reattach or reap them. */
  abandon(): void {
    this.abandoned = true;
  }

  /** Removes an exited container found at recovery (when the agent removes containers). */
  async reap(containerId: string): Promise<void> {
    if (this.options.removeContainers ?? true) await this.options.docker.getContainer(containerId).remove({ force: true }).catch(() => undefined);
  }

  /** Creates and starts the container; rejects with LaunchError on any launch failure. */
  async launch(request: { spec: TaskSpec; sandboxDir: string; baseEnv?: Record<string, string> }): Promise<WatchedContainer> {
    const { spec, sandboxDir } = request;
    const container = spec.container;
    if (!container) throw new LaunchError('task has no container spec');
    if (container.privileged && !this.options.allowPrivileged) {
      throw new LaunchError('privileged containers are not allowed on this agent (start it with --allow-privileged)');
    }
    await this.ping();
    await this.ensureImage(container);
    mkdirSync(sandboxDir, { recursive: true });
    let created: Docker.Container;
    try {
      created = await this.options.docker.createContainer(this.createOptions(spec, container, sandboxDir, request.baseEnv ?? {}));
    } catch (error) {
      throw new LaunchError(`cannot create the container: ${messageOf(error)}`);
    }
    const stdout = createWriteStream(join(sandboxDir, 'stdout'), { flags: 'a' });
    const stderr = createWriteStream(join(sandboxDir, 'stderr'), { flags: 'a' });
    try {
      await created.start();
    } catch (error) {
      stdout.end();
      stderr.end();
      await created.remove({ force: true }).catch(() => undefined);
      throw new LaunchError(`cannot start the container: ${messageOf(error)}`);
    }
    const logsDone = this.streamLogs(created, stdout, stderr);
    return { containerId: created.id, exit: this.watch(created, logsDone) };
  }

  /** Watches a container started by an earlier agent; null when it no longer runs. */
  async reattach(containerId: string, sandboxDir: string): Promise<WatchedContainer | null> {
    const container = this.options.docker.getContainer(containerId);
    const info = await container.inspect().catch(() => null);
    if (!info?.State.Running) return null;
    const stdout = createWriteStream(join(sandboxDir, 'stdout'), { flags: 'a' });
    const stderr = createWriteStream(join(sandboxDir, 'stderr'), { flags: 'a' });
    const since = Math.floor(Date.now() / 1000);
    return { containerId, exit: this.watch(container, this.streamLogs(container, stdout, stderr, since)) };
  }

  /** Whether a container still runs, or how it ended; null when it no longer exists. */
  async inspectState(containerId: string): Promise<{ running: true } | { running: false; exit: ProcessExit } | null> {
    const info = await this.options.docker.getContainer(containerId).inspect().catch(() => null);
    if (!info) return null;
    if (info.State.Running) return { running: true };
    return { running: false, exit: { status: info.State.ExitCode, ...(info.State.OOMKilled ? { oomKilled: true } : {}) } };
  }

  /** SIGTERM, then SIGKILL after the grace period (docker stop). */
  async stop(containerId: string, gracePeriodMs: number): Promise<void> {
    await this.options.docker.getContainer(containerId).stop({ t: Math.max(0, Math.ceil(gracePeriodMs / 1000)) }).catch(() => undefined);
  }

  private async ping(): Promise<void> {
    try {
      await this.options.docker.ping();
    } catch (error) {
      throw new LaunchError(`no reachable Docker daemon: ${messageOf(error)}`);
    }
  }

  private async ensureImage(container: DockerSpec): Promise<void> {
    const policy = container.pullPolicy ?? 'ifMissing';
    const present = await this.options.docker.getImage(container.image).inspect().then(() => true, () => false);
    if (present && policy !== 'always') return;
    if (policy === 'never') throw new LaunchError(`image '${container.image}' is missing and the pull policy is 'never'`);
    try {
      const stream = await this.options.docker.pull(container.image);
      await new Promise<void>((resolve, reject) => this.options.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      const what = present ? 'could not be pulled' : 'is missing and could not be pulled';
      throw new LaunchError(`image '${container.image}' ${what}: ${messageOf(error)}`);
    }
  }

  private createOptions(spec: TaskSpec, container: DockerSpec, sandboxDir: string, baseEnv: Record<string, string>): Docker.ContainerCreateOptions {
    const env = { ...baseEnv, MESOS_SANDBOX: CONTAINER_SANDBOX, MESOS_TASK_ID: spec.taskId, ...spec.command.environment };
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostPort: string }>> = {};
    for (const port of container.portMappings ?? []) {
      const key = `${port.containerPort}/${port.protocol ?? 'tcp'}`;
      exposed[key] = {};
      bindings[key] = [...(bindings[key] ?? []), { HostPort: String(port.hostPort) }];
    }
    const binds = [`${sandboxDir}:${CONTAINER_SANDBOX}`, ...(container.volumes ?? []).map((v) => `${v.hostPath}:${v.containerPath}:${v.readOnly ? 'ro' : 'rw'}`)];
    const cmd = containerCommand(spec);
    return {
      name: `kairos-${safeSegment(spec.taskId)}`,
      Image: container.image,
      ...(cmd ? { Cmd: cmd } : {}),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: { ...container.labels, 'kairos.task_id': spec.taskId, 'kairos.framework_id': spec.frameworkId, ...(this.options.agentId ? { 'kairos.agent_id': this.options.agentId } : {}) },
      ExposedPorts: exposed,
      HostConfig: {
        Binds: binds,
        PortBindings: bindings,
        NetworkMode: container.networkMode ?? 'bridge',
        Privileged: container.privileged ?? false,
        ...(spec.limits?.memMb !== undefined ? { Memory: Math.floor(spec.limits.memMb * 1024 * 1024), MemorySwap: Math.floor(spec.limits.memMb * 1024 * 1024) } : {}),
        ...(spec.limits?.cpus !== undefined ? { NanoCpus: Math.round(spec.limits.cpus * 1e9) } : {}),
      },
    };
  }

  /** Follows the container's logs into the sandbox files; resolves when the stream ends. */
  private async streamLogs(container: Docker.Container, stdout: WriteStream, stderr: WriteStream, since?: number): Promise<void> {
    try {
      const stream = await container.logs({ follow: true, stdout: true, stderr: true, ...(since !== undefined ? { since } : {}) });
      this.options.docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('error', () => resolve());
      });
    } finally {
      await Promise.all([stdout, stderr].map((s) => new Promise((resolve) => s.end(resolve))));
    }
  }

  private async watch(container: Docker.Container, logsDone: Promise<void>): Promise<ProcessExit> {
    let exit: ProcessExit;
    try {
      const result = (await container.wait()) as { StatusCode: number };
      const info = await container.inspect().catch(() => null);
      exit = { status: result.StatusCode, ...(info?.State.OOMKilled ? { oomKilled: true } : {}) };
    } catch {
      exit = { status: null };
    }
    await logsDone;
    if ((this.options.removeContainers ?? true) && !this.abandoned) await container.remove({ force: true }).catch(() => undefined);
    return exit;
  }
}

/** Cmd for the container: a shell command, argv, or nothing (the image's default). */
export function containerCommand(spec: TaskSpec): string[] | null {
  const { shell, value } = spec.command;
  if (shell) return ['/bin/sh', '-c', value];
  if (value === '') return null;
  return [value, ...(spec.command.arguments ?? []).slice(1)];
}

function messageOf(error: unknown): string {
  const withJson = error as { json?: { message?: string }; message?: string };
  return withJson.json?.message ?? withJson.message ?? String(error);
}
