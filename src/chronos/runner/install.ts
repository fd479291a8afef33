/**
 * Wiring of the Chronos run side into a master replica, in two steps:
 *
 * 1. `installChronosRuns(state, jobs)` before the Raft node starts (every replica): registers
 *    the `run` state part and connects it to the job store's change feed, so a created or
 *    rescheduled job starts being tracked at the log position of its put (with the put's nowMs).
 * 2. `startChronosRuns({...})` once the node runs: the leader services start when this replica
 *    becomes leader AND has caught up (a read barrier in the new term), and stop when it loses
 *    leadership. Returns the ChronosRunner accessor the REST API uses (null unless leading).
 */
import { encode } from '../../lib/codec.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { SchedulerPort } from '../../master/leader/scheduler-port.js';
import type { RegistryView } from '../../master/registry/types.js';
import type { MasterStateMachine } from '../../master/state/machine.js';
import type { RaftNode } from '../../raft/driver.js';
import type { JobStore } from '../state/jobs.js';
import { RunsPart, type RunJobSource, type RunsOptions } from '../state/runs.js';
import type { ChronosRunner } from './port.js';
import { ChronosRunService } from './service.js';
import { WebhookNotifier } from './webhook.js';

/**
 * Reducer settings from the environment (every replica must be started with the same values):
 * KAIROS_CHRONOS_HISTORY (finished runs kept per job, default 100) and
 * KAIROS_CHRONOS_RETRY_BASE_MS (first retry back-off, doubling per attempt; default 10 s).
 */
export function runsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RunsOptions {
  const positive = (text: string | undefined): number | undefined => {
    const value = Number(text);
    return text !== undefined && text !== '' && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const historyLimit = positive(env.KAIROS_CHRONOS_HISTORY);
  const retryBackoffBaseMs = positive(env.KAIROS_CHRONOS_RETRY_BASE_MS);
  return { ...(historyLimit !== undefined ? { historyLimit } : {}), ...(retryBackoffBaseMs !== undefined ? { retryBackoffBaseMs } : {}) };
}

/** Registers the `run` part (before the node starts) and feeds it the job store's changes. */
export function installChronosRuns(state: MasterStateMachine, jobs: JobStore, options: RunsOptions = {}): RunsPart {
  const source: RunJobSource = {
    job: (name) => jobs.job(name),
    recordCompletion: (completion) => jobs.graph.recordCompletion(completion),
    recordStarted: (name) => jobs.graph.recordStarted(name),
    recordMarkedSuccess: (name, runKey) => jobs.graph.recordMarkedSuccess(name, runKey),
  };
  const part = new RunsPart(() => source, options);
  state.addPart(part);
  jobs.onChange((change) => {
    if (change.kind === 'put') {
      const job = change.stored.job;
      const previous = change.previous;
      // Only a new job or a new schedule moves the mark; disabling/re-enabling keeps it, so the
      // stretch missed while disabled is recorded as skipped (trigger README).
      const rescheduled = previous === null || previous.schedule !== job.schedule || previous.scheduleTimeZone !== job.scheduleTimeZone || previous.epsilon !== job.epsilon;
      if (rescheduled) part.jobPut(job.name, change.stored.updatedAtMs);
      else part.observer?.jobChanged(job.name);
    } else if (change.kind === 'delete') {
      part.jobDeleted(change.name);
    }
  });
  return part;
}

export interface StartChronosRunsOptions {
  readonly node: RaftNode;
  readonly state: MasterStateMachine;
  readonly jobs: JobStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The v1 scheduler port while this replica leads (M1's engine); null otherwise. */
  readonly scheduler: () => SchedulerPort | null;
  readonly registry?: RegistryView | undefined;
  /** Webhook URL for failure/disable/delete notifications; default env KAIROS_CHRONOS_WEBHOOK. */
  readonly webhookUrl?: string | null;
}

export interface ChronosRunsHandle {
  /** The runner (with async task completion) while this replica leads and its services run; null otherwise. */
  runner(): (ChronosRunner & Pick<ChronosRunService, 'completeAsyncTask'>) | null;
  readonly service: ChronosRunService;
  stop(): void;
}

export function startChronosRuns(options: StartChronosRunsOptions): ChronosRunsHandle {
  const { node, state, jobs, clock, logger } = options;
  const part = state.part<RunsPart>('run');
  const webhook = new WebhookNotifier({ url: options.webhookUrl ?? process.env.KAIROS_CHRONOS_WEBHOOK ?? null, clock, logger });
  const service = new ChronosRunService({
    clock,
    logger,
    part,
    jobs,
    port: options.scheduler,
    registry: options.registry,
    propose: (command) => node.propose(encode(command)),
    webhook,
    replicaId: node.id,
    disableAfterFailures: Number(process.env.KAIROS_CHRONOS_DISABLE_AFTER_FAILURES ?? 0) || 0,
  });
  part.observer = { jobChanged: (name) => service.jobChanged(name), runChanged: (run, before) => service.runChanged(run, before) };
  jobs.onChange((change) => {
    if (change.kind === 'delete') service.jobDisabledOrDeleted('deleted', change.previous, change.index);
    else if (change.kind === 'put' && change.previous !== null && !change.previous.disabled && change.stored.job.disabled) {
      service.jobDisabledOrDeleted('disabled', change.stored.job, change.index);
    }
  });

  let generation = 0;
  let stopped = false;
  const becomeLeader = (attempt: number): void => {
    const mine = generation;
    node.readBarrier().then(
      () => {
        if (mine !== generation || stopped || !node.isLeader) return;
        logger.info('chronos run services starting (leader, state caught up)');
        service.start();
      },
      (error: unknown) => {
        if (mine !== generation || stopped || !node.isLeader || attempt >= 20) return;
        logger.debug({ err: error }, 'chronos: read barrier failed; retrying');
        clock.setTimer(100, () => becomeLeader(attempt + 1));
      },
    );
  };
  node.onLeaderChange((soft) => {
    if (soft.role === 'leader') {
      if (service.isRunning) return;
      generation += 1;
      becomeLeader(0);
    } else {
      generation += 1;
      if (service.isRunning) logger.info('chronos run services stopping (leadership lost)');
      service.stop();
    }
  });
  if (node.isLeader) {
    generation += 1;
    becomeLeader(0);
  }
  return {
    runner: () => (service.isRunning && node.isLeader ? service : null),
    service,
    stop() {
      stopped = true;
      generation += 1;
      service.stop();
    },
  };
}
