/**
 * How fast this machine is right now. The box is a shared 2-core VM whose host's load comes and
 * goes: the same code placed 1,300 tasks/s at one hour and 4,000 an hour or two later, and the
 * VM reports no steal time and a load average of its own processes only. A fixed single-threaded
 * workload timed before and after a scenario says which kind of hour a figure comes from, so
 * figures from different runs can be compared (or not) with that in view.
 */
import { pack, unpack } from 'msgpackr';

const WARM_UP_ROUNDS = 6;
const ROUNDS = 5;
const RECORDS = 12_000;

/** Median wall-clock ms of the fixed workload over a few rounds (≈ 30 ms each on a quiet box), after warm-up rounds. */
export function speedProbeMs(): number {
  const times: number[] = [];
  for (let round = 0; round < WARM_UP_ROUNDS; round++) workload(); // until the JIT has optimised it
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    workload();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(ROUNDS / 2)]! * 10) / 10;
}

/** What a master does most: build small records, encode and decode them, hash ids into maps. */
function workload(): void {
  let seed = 12345;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const table = new Map<string, { id: string; cpus: number; mem: number; state: string }>();
  for (let i = 0; i < RECORDS; i++) {
    const id = `task-${next().toString(36)}`;
    table.set(id, { id, cpus: (next() % 40) / 10, mem: next() % 4096, state: i % 3 === 0 ? 'TASK_RUNNING' : 'TASK_STAGING' });
  }
  const encoded = pack([...table.values()]);
  const decoded = unpack(encoded) as Array<{ id: string; cpus: number }>;
  decoded.sort((a, b) => a.cpus - b.cpus || (a.id < b.id ? -1 : 1));
  JSON.parse(JSON.stringify(decoded));
}
