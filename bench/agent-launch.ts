/**
 * Issue 5 benchmark: command-task launch rate through the agent (`Agent`: synced LevelDB
 * checkpoints, process group under the wrapper, status updates checkpointed before they are
 * sent), against raw `spawn('/bin/true')` in the same run; goal ≥ 0.3×. Each task is launched
 * and counted when its TASK_FINISHED reaches the sink (every update acknowledged at once, as a
 * master would). Concurrency 16 for both, median of 3 rounds.
 *
 * Docker: container tasks running `true` through `Agent` + DockerExecutor at concurrency 1/8/32
 * (launch → TASK_RUNNING p50/p99, launch → TASK_FINISHED launches/s; goal ≥ 66/s where dockerd
 * allows) against a `docker run --rm IMAGE true` loop at the same concurrency, in the same run.
 * Measured where a Docker daemon answers (the local test image is built if missing); otherwise
 * the table says why it was skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Agent } from '../src/agent/agent.js';
import type { StatusUpdate } from '../src/agent/types.js';
import { repeat, type Scenario, type ScenarioContext, type ScenarioReport } from './lib/scenario.js';
import { median, ratio } from './lib/stats.js';
import type { Table } from './lib/table.js';
import { TEST_IMAGE, ensureTestImage } from './lib/docker-image.js';
import { agentDockerLaunches, dockerRunLaunches, type DockerLaunchFigures } from './lib/docker-launch.js';

const CONCURRENCY = 16;

/** Runs `count` jobs with at most `concurrency` in flight; returns jobs per second. */
async function rate(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await job(next++);
  }));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function rawSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/true', [], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

async function agentRate(workDir: string, count: number): Promise<number> {
  const finished = new Map<string, () => void>();
  let agent: Agent | null = null;
  const sink = {
    send: (update: StatusUpdate) => {
      void agent?.acknowledge(update.taskId, update.uuid);
      if (update.state === 'TASK_FINISHED' || update.state === 'TASK_FAILED') finished.get(update.taskId)?.();
    },
  };
  agent = await Agent.start({ workDir, sink, cgroups: null, docker: null });
  try {
    return await rate(count, CONCURRENCY, (i) => {
      const taskId = `bench-${i}`;
      const done = new Promise<void>((resolve) => finished.set(taskId, resolve));
      void agent!.launch({ taskId, frameworkId: 'bench', command: { shell: false, value: '/bin/true', arguments: ['/bin/true'] } });
      return done;
    });
  } finally {
    await agent.close();
  }
}

function dockerSkipReason(): string | null {
  const info = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  if (info.status !== 0) return 'no Docker daemon answers on this machine';
  try {
    ensureTestImage();
  } catch (error) {
    return `test image ${TEST_IMAGE} is missing and could not be built: ${(error as Error).message}`;
  }
  return null;
}

const DOCKER_CONCURRENCY = [1, 8, 32] as const;

interface DockerLevel {
  agent: DockerLaunchFigures;
  dockerRun: DockerLaunchFigures;
}

async function dockerLevels(context: ScenarioContext): Promise<DockerLevel[]> {
  const levels: DockerLevel[] = [];
  for (const concurrency of DOCKER_CONCURRENCY) {
    const count = context.quick ? Math.max(4, concurrency) : Math.max(32, concurrency * 3);
    context.progress(`docker run loop: ${count} × true at concurrency ${concurrency}`);
    const dockerRun = await dockerRunLaunches(TEST_IMAGE, count, concurrency);
    context.progress(`agent: ${count} container tasks at concurrency ${concurrency}`);
    const agent = await agentDockerLaunches(join(context.workDir, `docker-${concurrency}`), TEST_IMAGE, count, concurrency, `c${concurrency}`);
    levels.push({ agent, dockerRun });
  }
  return levels;
}

function dockerTable(levels: DockerLevel[]): Table {
  const ms = (value: number) => Math.round(value);
  return {
    title: `Docker launches of \`true\` (${TEST_IMAGE}): agent launch → RUNNING latency (ms), launch → FINISHED rate vs a \`docker run --rm\` loop`,
    header: ['concurrency', 'tasks', 'agent RUNNING p50', 'agent RUNNING p99', 'agent launches/s', 'docker run p50 (whole run)', 'docker run/s', 'agent ÷ docker run', 'failed (agent/run)'],
    rows: levels.map(({ agent, dockerRun }) => [
      String(agent.concurrency),
      String(agent.tasks),
      ms(agent.latencyMs.p50),
      ms(agent.latencyMs.p99),
      agent.perSecond,
      ms(dockerRun.latencyMs.p50),
      dockerRun.perSecond,
      `${ratio(agent.perSecond, dockerRun.perSecond).toFixed(2)}× (goal ≥ 66/s where dockerd allows)`,
      `${agent.failed}/${dockerRun.failed}`,
    ]),
  };
}

export const agentLaunchScenario: Scenario = {
  name: 'agent-launch',
  description: 'command-task launch rate through the agent vs raw spawn(/bin/true); Docker launch latency where a daemon answers',
  async run(context): Promise<ScenarioReport> {
    const count = context.quick ? 40 : 200;
    const rounds = context.quick ? 1 : 3;
    const raw = await repeat(rounds, async () => {
      context.progress(`raw spawn: ${count} × /bin/true`);
      return rate(count, CONCURRENCY, rawSpawn);
    });
    const viaAgent = await repeat(rounds, async (round) => {
      context.progress(`agent: ${count} command tasks (round ${round + 1})`);
      return agentRate(join(context.workDir, `agent-${round}`), count);
    });
    const dockerSkipped = dockerSkipReason();
    const docker = dockerSkipped === null ? await dockerLevels(context) : [];
    const rawRate = median(raw);
    const agentRateMedian = median(viaAgent);
    const tables: Table[] = [
      {
        title: `Command-task launch → TASK_FINISHED (${count} tasks, concurrency ${CONCURRENCY}, median of ${rounds})`,
        header: ['path', 'tasks/s', 'vs raw spawn'],
        rows: [
          ['raw spawn(/bin/true)', rawRate, '1.00×'],
          ['agent (checkpointed, no cgroups)', agentRateMedian, `${ratio(agentRateMedian, rawRate).toFixed(2)}× (goal ≥ 0.3×)`],
        ],
      },
      dockerSkipped === null ? dockerTable(docker) : { title: 'Docker launch latency', header: ['status'], rows: [[dockerSkipped]] },
    ];
    return { tables, figures: { count, concurrency: CONCURRENCY, rawPerSecond: raw, agentPerSecond: viaAgent, ratio: ratio(agentRateMedian, rawRate), docker: dockerSkipped === null ? docker : { skipped: dockerSkipped } } };
  },
};
