/**
 * One worker thread of a WorkerFleet (worker-fleet.ts): a SimFleet of its share of the agents,
 * answering the main thread's requests (start, census, stop) by message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SimFleet, type SimFleetOptions } from '../../src/agent/sim/sim-agent.js';
import type { FleetCensus, FleetReply, FleetRequest } from './worker-fleet.js';

const fleet = new SimFleet(workerData as SimFleetOptions);
const port = parentPort!;

function census(aboveTerm: number, countTasks: boolean): FleetCensus {
  const states: Record<string, number> = {};
  let registered = 0;
  let back = 0;
  let running = 0;
  let dials = 0;
  let standby = 0;
  let adoptions = 0;
  let digestHellos = 0;
  let reportedAgain = 0;
  for (const agent of fleet.agents) {
    const { state, highestTerm, stats } = agent.link;
    states[state] = (states[state] ?? 0) + 1;
    if (state === 'registered') registered++;
    if (isBack(agent, aboveTerm)) back++;
    dials += stats.dials;
    standby += agent.link.standbyLinks;
    adoptions += stats.adoptions;
    digestHellos += stats.digestHellos;
    reportedAgain += stats.reportedAgain;
    if (countTasks) for (const update of agent.updatesMade) if (update.state === 'TASK_RUNNING') running++;
  }
  return { agents: fleet.agents.length, registered, back, running, dials, standby, adoptions, digestHellos, reportedAgain, states };
}

/** Registered with a master whose term is above `aboveTerm` (a new leader's, after a kill). */
function isBack(agent: (typeof fleet.agents)[number], aboveTerm: number): boolean {
  return agent.link.state === 'registered' && agent.link.highestTerm > aboveTerm;
}

/** Agents back: only what `whenBack` needs, kept cheap. */
function countBack(aboveTerm: number): number {
  let back = 0;
  for (const agent of fleet.agents) if (isBack(agent, aboveTerm)) back++;
  return back;
}

/** Resolves with the wall-clock instant (ms, sub-ms precision) the count was first seen reached. */
function whenBack(aboveTerm: number, which: 'first' | 'all', timeoutMs: number): Promise<number> {
  const wanted = which === 'first' ? Math.min(1, fleet.agents.length) : fleet.agents.length;
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const now = performance.now();
      if (countBack(aboveTerm) >= wanted) resolve(performance.timeOrigin + now);
      else if (now > deadline) reject(new Error(`fleet worker: ${which} agents not back within ${timeoutMs} ms`));
      else setTimeout(check, 2);
    };
    check();
  });
}

port.on('message', (request: FleetRequest) => {
  const reply = (value: FleetCensus | number | null): void => port.postMessage({ id: request.id, value } satisfies FleetReply);
  if (request.t === 'start') {
    fleet.start();
    reply(null);
  } else if (request.t === 'census') {
    reply(census(request.aboveTerm, request.countTasks));
  } else if (request.t === 'whenBack') {
    // A timeout fails the worker, which fails every request the main thread has pending.
    whenBack(request.aboveTerm, request.which, request.timeoutMs).then(reply, (error: Error) => process.nextTick(() => {
      throw error;
    }));
  } else {
    void fleet.stop().then(() => reply(null));
  }
});
