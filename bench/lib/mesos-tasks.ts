/**
 * Realistic Mesos task records for snapshot benchmarks, shaped like the Mesos v1 `Task` message
 * (ids, resources as named scalars and port ranges, status history, labels, container or
 * command) so that key repetition and string sizes resemble a real registry. Deterministic for a
 * given Rng seed.
 */
import type { Rng } from '../../src/lib/rng.js';

/** One task as a registry snapshot would hold it. */
export interface BenchTask {
  taskId: string;
  name: string;
  frameworkId: string;
  agentId: string;
  executorId: string | null;
  state: string;
  resources: { name: string; type: 'SCALAR' | 'RANGES'; scalar?: number; ranges?: [number, number][]; role: string }[];
  statuses: { state: string; timestampMs: number; source: string; reason: string | null; healthy: boolean | null }[];
  labels: { key: string; value: string }[];
  container: { type: 'DOCKER' | 'MESOS'; image: string; network: string } | null;
  command: { value: string; shell: boolean; user: string } | null;
  launchedAtMs: number;
}

const STATES = ['TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_STAGING', 'TASK_FINISHED', 'TASK_FAILED'];
const IMAGES = ['registry.internal/payments/api:2.14.1', 'registry.internal/etl/spark-job:3.5.0', 'nginx:1.27-alpine', 'registry.internal/ml/trainer:0.9.3'];
const COMMANDS = ['/usr/local/bin/backup --target s3://backups/db', 'python3 -m etl.run --date $DATE', 'sh -c "./bin/report && gzip out/*.csv"'];

function uuid(rng: Rng): string {
  const hex = (count: number): string => {
    let out = '';
    for (let digit = 0; digit < count; digit++) out += rng.int(0, 15).toString(16);
    return out;
  };
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;
}

function pick<T>(rng: Rng, values: readonly T[]): T {
  return values[rng.int(0, values.length - 1)] as T;
}

function makeStatuses(rng: Rng, state: string, launchedAtMs: number): BenchTask['statuses'] {
  const statuses: BenchTask['statuses'] = [{ state: 'TASK_STAGING', timestampMs: launchedAtMs, source: 'SOURCE_MASTER', reason: null, healthy: null }];
  if (state !== 'TASK_STAGING') {
    statuses.push({ state: 'TASK_RUNNING', timestampMs: launchedAtMs + rng.int(200, 4000), source: 'SOURCE_EXECUTOR', reason: null, healthy: true });
  }
  if (state === 'TASK_FINISHED' || state === 'TASK_FAILED') {
    const reason = state === 'TASK_FAILED' ? 'REASON_COMMAND_EXECUTOR_FAILED' : null;
    statuses.push({ state, timestampMs: launchedAtMs + rng.int(5000, 600_000), source: 'SOURCE_EXECUTOR', reason, healthy: null });
  }
  return statuses;
}

export function makeTask(rng: Rng, frameworkIds: readonly string[], agentIds: readonly string[], serial: number): BenchTask {
  const state = pick(rng, STATES);
  const launchedAtMs = 1_718_000_000_000 + rng.int(0, 86_400_000);
  const isDocker = rng.next() < 0.6;
  const jobName = `job-${rng.int(0, 9999)}`;
  const port = 31000 + rng.int(0, 999);
  return {
    taskId: `chronos.${jobName}.${launchedAtMs}.${uuid(rng)}`,
    name: `ChronosTask:${jobName}`,
    frameworkId: pick(rng, frameworkIds),
    agentId: pick(rng, agentIds),
    executorId: isDocker ? null : `executor-${serial}`,
    state,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: rng.int(1, 40) / 10, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: rng.int(1, 64) * 64, role: '*' },
      { name: 'disk', type: 'SCALAR', scalar: rng.int(0, 20) * 512, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: [[port, port + rng.int(0, 2)]], role: '*' },
    ],
    statuses: makeStatuses(rng, state, launchedAtMs),
    labels: [
      { key: 'chronos.job', value: jobName },
      { key: 'owner', value: `team-${rng.int(0, 40)}@example.com` },
    ],
    container: isDocker ? { type: 'DOCKER', image: pick(rng, IMAGES), network: 'BRIDGE' } : null,
    command: isDocker ? null : { value: pick(rng, COMMANDS), shell: true, user: 'nobody' },
    launchedAtMs,
  };
}

/** `count` tasks spread over 100 frameworks and 5,000 agents (goal 6's cluster shape). */
export function makeTasks(count: number, rng: Rng): BenchTask[] {
  const frameworkIds = Array.from({ length: 100 }, () => `${uuid(rng)}-0000`);
  const agentIds = Array.from({ length: 5000 }, (_unused, index) => `${uuid(rng)}-S${index}`);
  return Array.from({ length: count }, (_unused, serial) => makeTask(rng, frameworkIds, agentIds, serial));
}
