/**
 * Issue 6 benchmark: due → task running for Chronos jobs on 3 real masters and a real agent
 * (goal p99 ≤ 1 s). N jobs share one ISO8601 schedule (`R<k>/<start>/PT2S`), so N runs are due in
 * the same millisecond k times. Each job's command appends `$CHRONOS_JOB_RUN_TIME` (the due
 * instant) and the time its shell started; latency = start − due, i.e. trigger, Raft commit of
 * the run record, offer, ACCEPT, the agent's launch and the process start. One run; figures are
 * per due run.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest } from './lib/http.js';
import { freePort } from './lib/ports.js';
import { startProcess, waitFor, type ManagedProcess } from './lib/process.js';
import type { Scenario, ScenarioReport } from './lib/scenario.js';
import { summarize } from './lib/stats.js';
import { KairosCluster, kairosCli } from './kairos-raft.js';

function samplesOf(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [due, started] = line.trim().split(/\s+/).map(Number);
      return (started ?? Number.NaN) - (due ?? Number.NaN);
    })
    .filter((value) => Number.isFinite(value));
}

export const chronosRunsScenario: Scenario = {
  name: 'chronos-runs',
  description: 'due → command started for N Chronos jobs due in the same millisecond (3 masters + 1 agent)',
  async run(context): Promise<ScenarioReport> {
    const jobs = context.quick ? 10 : 50;
    const repetitions = context.quick ? 2 : 5;
    const cli = kairosCli();
    if (cli.path === null) throw new Error(`bench: ${cli.reason}`);
    const cliPath = cli.path;
    const cluster = new KairosCluster(context.workDir, cliPath);
    let agent: ManagedProcess | null = null;
    try {
      await cluster.start();
      const leader = await cluster.waitForLeader(30_000);
      const leaderPort = cluster.writeTarget(leader.member, 1).port;
      const agentDir = join(context.workDir, 'agent');
      mkdirSync(agentDir, { recursive: true });
      agent = startProcess({
        name: 'agent',
        command: process.execPath,
        args: [cliPath, 'agent', '--masters', cluster.memberNames.map((id) => `127.0.0.1:${cluster.writeTarget(id, 1).port}`).join(','), '--work-dir', agentDir, '--http', `127.0.0.1:${await freePort()}`, '--resources', 'cpus:8;mem:8192;disk:100000;ports:[31000-32000]'],
        logPath: join(context.workDir, 'agent.log'),
      });
      const out = join(context.workDir, 'runs.out');
      const startMs = Math.ceil((Date.now() + 8_000) / 1000) * 1000;
      const start = new Date(startMs).toISOString().replace('.000Z', 'Z');
      context.progress(`creating ${jobs} jobs due together at ${start}, ${repetitions}× every 2 s`);
      for (let i = 0; i < jobs; i++) {
        const body = JSON.stringify({ name: `bench${i}`, command: `echo "$CHRONOS_JOB_RUN_TIME $(date +%s%3N)" >> ${out}`, schedule: `R${repetitions}/${start}/PT2S`, cpus: 0.05, mem: 16, disk: 1, epsilon: 'PT60S', concurrent: true });
        const answer = await httpRequest(`http://127.0.0.1:${leaderPort}/scheduler/iso8601`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 10_000 });
        if (answer.status >= 300) throw new Error(`bench: job create answered ${answer.status}: ${answer.body.toString()}`);
      }
      const expected = jobs * repetitions;
      await waitFor(async () => (samplesOf(out).length >= expected ? true : null), { timeoutMs: 120_000 + repetitions * 2_000, intervalMs: 200, what: `${expected} runs` });
      const samples = samplesOf(out);
      const summary = summarize(samples);
      return {
        tables: [
          {
            title: `Chronos due → command started (${jobs} jobs due in the same ms, ${repetitions} rounds, 3 masters + 1 agent)`,
            header: ['runs', 'p50 ms', 'p99 ms', 'max ms', 'goal p99'],
            rows: [[samples.length, summary.p50, summary.p99, summary.max, '≤ 1,000 ms']],
          },
        ],
        figures: { jobs, repetitions, runs: samples.length, latencyMs: summary },
      };
    } catch (error) {
      context.keepWorkDir();
      throw error;
    } finally {
      await agent?.stop();
      await cluster.stop();
    }
  },
};
