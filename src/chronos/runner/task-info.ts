/**
 * From a run to the Mesos v1 TaskInfo JSON the built-in framework launches (spec §2.4):
 * task id `ct:<dueMs>:<attempt>:<job>:<args>`, name `ChronosTask:<job>`, cpus/mem/disk, the
 * command (shell string, or argv when `shell:false`), `CHRONOS_*` / `mesos_task_id` environment
 * then the job's variables and an event's payload that do not clash, Docker `container`, URIs.
 * Also the offer fields the packer needs, read from Mesos offer JSON.
 *
 * Pure module.
 */
import type { ChronosJob } from '../model/index.js';
import type { RunEntry } from '../state/runs-types.js';
import type { OfferAttribute, PackOffer } from './packing.js';

/** Chronos' task id for attempt `attempt` of a run. */
export function chronosTaskId(run: Pick<RunEntry, 'job' | 'taskDueMs' | 'args'>, job: Pick<ChronosJob, 'arguments'>, attempt: number): string {
  const args = run.args !== null ? run.args.join(' ').replaceAll(';', '') : job.arguments.join(' ');
  return `ct:${run.taskDueMs}:${attempt}:${run.job}:${args}`;
}

export interface TaskInfoInput {
  readonly run: RunEntry;
  readonly job: ChronosJob;
  readonly taskId: string;
  readonly attempt: number;
  readonly agentId: string;
  readonly hostname: string;
}

type Json = Record<string, unknown>;

const scalar = (name: string, value: number): Json => ({ name, type: 'SCALAR', scalar: { value }, role: '*' });

export function buildTaskInfo(input: TaskInfoInput): Json {
  const { run, job, taskId } = input;
  const args = run.args ?? job.arguments;
  const command: Json = {
    shell: job.shell,
    value: job.shell && args.length > 0 ? `${job.command} ${args.join(' ')}` : job.command,
    environment: { variables: environmentOf(input) },
    user: job.runAsUser,
  };
  if (!job.shell) command.arguments = [job.command, ...args];
  const uris = [...job.uris.map((value) => ({ value })), ...job.fetch.map((f) => ({ value: f.uri, executable: f.executable, cache: f.cache, extract: f.extract, ...(f.outputFile ? { output_file: f.outputFile } : {}) }))];
  if (uris.length > 0) command.uris = uris;
  const task: Json = {
    name: `ChronosTask:${job.name}`,
    task_id: { value: taskId },
    agent_id: { value: input.agentId },
    resources: [scalar('cpus', job.cpus), scalar('mem', job.memMb), scalar('disk', job.diskMb)],
    command,
  };
  if (job.container !== null) task.container = containerOf(job.container);
  return task;
}

function environmentOf(input: TaskInfoInput): Array<{ name: string; value: string }> {
  const { run, job, taskId } = input;
  const base: Array<[string, string]> = [
    ['mesos_task_id', taskId],
    ['MESOS_TASK_ID', taskId],
    ['CHRONOS_JOB_OWNER', job.owner],
    ['CHRONOS_JOB_NAME', job.name],
    ['HOST', input.hostname],
    ['CHRONOS_RESOURCE_MEM', String(job.memMb)],
    ['CHRONOS_RESOURCE_CPU', String(job.cpus)],
    ['CHRONOS_RESOURCE_DISK', String(job.diskMb)],
    ['CHRONOS_JOB_RUN_TIME', String(run.taskDueMs)],
    ['CHRONOS_JOB_RUN_ATTEMPT', String(input.attempt)],
  ];
  const taken = new Set(base.map(([name]) => name));
  const out = base.map(([name, value]) => ({ name, value }));
  const extra: Array<[string, string]> = [...job.environmentVariables.map((v): [string, string] => [v.name, v.value]), ...Object.entries(run.env)];
  for (const [name, value] of extra) {
    if (taken.has(name)) continue;
    taken.add(name);
    out.push({ name, value });
  }
  return out;
}

function containerOf(container: NonNullable<ChronosJob['container']>): Json {
  const volumes = container.volumes.map((v) => ({
    container_path: v.containerPath,
    ...(v.hostPath !== null ? { host_path: v.hostPath } : {}),
    mode: v.mode ?? 'RW',
  }));
  if (container.type === 'MESOS') return { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: container.image } } }, volumes };
  return {
    type: 'DOCKER',
    docker: {
      image: container.image,
      network: container.network,
      force_pull_image: container.forcePullImage,
      parameters: container.parameters.map((p) => ({ key: p.key, value: p.value })),
    },
    volumes,
  };
}

/** The packer's view of a Mesos offer (JSON as the OFFERS event carries it). */
export function packOfferOf(offer: Json): PackOffer {
  const resources = Array.isArray(offer.resources) ? (offer.resources as Json[]) : [];
  const sum = (name: string): number =>
    resources.filter((r) => r.name === name && r.type !== 'RANGES').reduce((total, r) => total + Number((r.scalar as { value?: number } | undefined)?.value ?? 0), 0);
  return {
    id: String((offer.id as { value?: string } | undefined)?.value ?? ''),
    agentId: String((offer.agent_id as { value?: string } | undefined)?.value ?? ''),
    hostname: String(offer.hostname ?? ''),
    cpus: sum('cpus'),
    mem: sum('mem'),
    disk: sum('disk'),
    attributes: Array.isArray(offer.attributes) ? (offer.attributes as OfferAttribute[]) : [],
  };
}
