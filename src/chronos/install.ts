/**
 * Wiring of Chronos into a master replica, in two steps the composition root calls:
 *
 * 1. `installChronosState(state)` before the Raft node starts: registers the replicated job
 *    store (the `job` state part) on every replica and returns the deps the API needs. The run
 *    side (C2) plugs its ChronosRunner in later by setting `deps.runner`.
 * 2. `registerChronosRoutes(app, context, deps)` while the HTTP server is built: the Chronos
 *    REST API under `/scheduler` and `/v1/scheduler`.
 */
import type { FastifyInstance } from 'fastify';
import type { MasterContext } from '../master/api/context.js';
import type { MasterStateMachine } from '../master/state/machine.js';
import type { Logger } from '../lib/log.js';
import { registerChronosApi, type ChronosApiDeps } from './api/index.js';
import type { JobDefaults } from './model/index.js';
import { JobStore } from './state/jobs.js';
import { installChronosRuns, runsOptionsFromEnv } from './runner/install.js';

export type { ChronosApiDeps } from './api/index.js';

export interface ChronosInstallOptions {
  /** Flag-derived job defaults (cpus, mem, disk, user, epsilon); Chronos' own when absent. */
  readonly defaults?: JobDefaults;
  /** Where a throwing job-change listener is reported. */
  readonly logger?: Logger;
}

export function installChronosState(state: MasterStateMachine, options: ChronosInstallOptions = {}): ChronosApiDeps {
  const jobs = new JobStore(options.defaults);
  const logger = options.logger;
  if (logger) jobs.onListenerError = (error) => logger.error({ err: error }, 'a Chronos job-change listener threw');
  state.addPart(jobs);
  // The run side's `run` part (C2): runs, history, stats; its leader services start in main.ts.
  installChronosRuns(state, jobs, runsOptionsFromEnv());
  return { jobs, runner: () => null };
}

export function registerChronosRoutes(app: FastifyInstance, context: MasterContext, deps: ChronosApiDeps): void {
  registerChronosApi(app, context, deps);
}
