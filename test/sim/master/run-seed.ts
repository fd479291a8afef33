/**
 * One seed of the master simulation: sizes and fault mix drawn from the seed, a fault phase,
 * then the liveness phase — every fault healed, and within a virtual-time budget one leader,
 * every agent registered with it, every framework subscribed to it and knowing each of its
 * tasks as RUNNING or final, exactly as the registry has it — then every replica caught up
 * and identical. Returns what the checker found.
 */
import { isTerminalTaskState } from '../../../src/actors/task-state.js';
import type { PolicyName } from '../../../src/allocator/types.js';
import { encode } from '../../../src/lib/codec.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { stateForFramework } from '../../../src/master/leader/events.js';
import { resetIds } from './ids.js';
import { drawFaultMix, Nemesis, type FaultMix } from './nemesis.js';
import { isTerminalName } from './sim-framework.js';
import { MasterWorld } from './world.js';

const POLICIES: readonly PolicyName[] = ['drf', 'round-robin', 'priority'];

export interface SeedOptions {
  faultyMs?: number;
  livenessBudgetMs?: number;
  agents?: number;
  frameworks?: number;
  bypassFencing?: boolean;
  /** Faults forced on or off whatever the seed draws. */
  mix?: Partial<FaultMix>;
  /** The leaders' offer policy; by default one of the three, drawn from the seed. */
  allocator?: PolicyName;
  /** Control runs: called once the world exists (plant a bug). */
  mutate?: (world: MasterWorld) => void;
}

export interface SeedResult {
  seed: number;
  agents: number;
  frameworks: number;
  allocator: PolicyName;
  mix: FaultMix;
  violations: string[];
  liveness: string[];
  stats: MasterWorld['stats'] & { launches: number; entries: number; terms: number; refused: number; tornDown: number; settledMs: number };
  digest: string;
}

export function sizesOf(seed: number): { agents: number; frameworks: number } {
  const rng = new SeededRng(seed ^ 0x5eed5eed);
  return { agents: rng.int(3, 12), frameworks: rng.int(2, 4) };
}

export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  resetIds();
  const sizes = sizesOf(seed);
  const agents = options.agents ?? sizes.agents;
  const frameworks = options.frameworks ?? sizes.frameworks;
  // Every policy meets the faults: the seed picks which one the leaders use.
  const allocator = options.allocator ?? POLICIES[seed % POLICIES.length]!;
  const world = new MasterWorld({ seed, agents, frameworks, bypassFencing: options.bypassFencing ?? false, allocator });
  if (agents > 60) world.checker.sweepEvery = 200;
  options.mutate?.(world);
  const mix = { ...drawFaultMix(world), ...options.mix };
  const faultyMs = options.faultyMs ?? 20_000;
  const nemesis = new Nemesis(world, mix, faultyMs);
  world.start();
  nemesis.start();
  await world.runUntil(faultyMs);

  // Liveness phase: the nemesis is done (its last master fault ends by itself); heal the rest.
  world.slowUntil = 0;
  world.partitionedUntil.clear();
  for (const framework of world.frameworks) framework.quiet = true;
  const budget = options.livenessBudgetMs ?? 60_000;
  let problems = livenessProblems(world);
  const deadline = world.sim.now + budget;
  while (problems.length > 0 && world.sim.now < deadline) {
    await world.runUntil(Math.min(deadline, world.sim.now + 500));
    problems = livenessProblems(world);
  }
  const settledMs = Math.max(0, world.sim.now - faultyMs);
  if (problems.length === 0) finalChecks(world);
  const refused = world.agents.reduce((n, a) => n + a.link.stats.refused, 0);
  for (const framework of world.frameworks) framework.stop();
  return {
    seed,
    agents,
    frameworks,
    allocator,
    mix,
    violations: [...world.checker.violations],
    liveness: problems.slice(0, 10),
    stats: {
      ...world.stats,
      launches: world.checker.launches.size,
      entries: world.log.length,
      terms: world.log.term,
      refused,
      tornDown: world.frameworks.reduce((n, f) => n + f.stats.tornDown, 0),
      settledMs,
    },
    digest: world.logDigest(),
  };
}

/** What still stands between the world and a settled cluster (empty when settled). */
export function livenessProblems(world: MasterWorld): string[] {
  const problems: string[] = [];
  const leader = world.leader;
  const session = leader?.readySession;
  if (!leader || !session || leader.node.isolated) return ['no ready leader'];
  for (const replica of world.replicas.values()) if (!replica.alive || replica.node.isolated) problems.push(`master ${replica.id} is not back`);
  const registry = leader.engine.registry;
  for (const agent of world.agents) {
    const id = agent.agentId;
    if (agent.link.state !== 'registered' || agent.link.master !== leader.httpAddress || id === undefined) {
      problems.push(`agent ${agent.name} is ${agent.link.state} with ${agent.link.master ?? 'no master'}`);
      continue;
    }
    if (!session.hub.isConnected(id)) problems.push(`agent ${agent.name} has no link on the leader`);
    const state = registry.agent(id)?.machine.value;
    if (state !== 'active') problems.push(`agent ${agent.name} is ${String(state)} in the registry`);
  }
  for (const framework of world.frameworks) {
    if (framework.status !== 'subscribed' || framework.replicaId !== leader.id || framework.frameworkId === null) {
      problems.push(`framework ${framework.options.name} is ${framework.status} on ${framework.replicaId ?? 'nothing'}`);
      continue;
    }
    const info = registry.framework(framework.frameworkId)?.info;
    for (const task of framework.tasks.values()) {
      if (task.frameworkId !== framework.frameworkId) continue;
      const key = `${task.frameworkId}/${task.taskId}`;
      const entry = registry.task(task.frameworkId, task.taskId);
      if (world.checker.launches.has(key)) {
        if (!entry) {
          problems.push(`task ${key} was launched and the leader does not know it`);
          continue;
        }
        if (entry.state !== 'TASK_RUNNING' && !isTerminalTaskState(entry.state)) problems.push(`task ${key} is still ${entry.state}`);
        const expected = stateForFramework(entry.state, info);
        if (task.state !== expected) problems.push(`framework ${framework.options.name} thinks ${task.taskId} is ${task.state}, the registry says ${expected}`);
      } else if (!isTerminalName(task.state)) {
        problems.push(`task ${key} never launched and the framework thinks it is ${task.state}`);
      }
    }
  }
  for (const framework of registry.frameworks()) {
    for (const task of registry.tasksOf(framework.id).live) {
      if (task.state !== 'TASK_RUNNING') {
        problems.push(`task ${task.frameworkId}/${task.taskId} is ${task.state}`);
        continue;
      }
      const agent = world.agents.find((a) => a.agentId === task.agentId);
      const onAgent = agent?.taskStates()[task.taskId];
      if (onAgent !== 'TASK_RUNNING') problems.push(`task ${task.taskId} is RUNNING in the registry but ${String(onAgent)} on its agent`);
    }
  }
  return problems;
}

/** Settled: every replica applies the whole log and holds the same registry, byte for byte. */
function finalChecks(world: MasterWorld): void {
  let reference: Uint8Array | null = null;
  for (const replica of world.replicas.values()) {
    replica.node.applyTo(world.log.length);
    world.checker.sweep(replica, true);
    const bytes = encode(replica.engine.registry.toSnapshot());
    if (reference === null) reference = bytes;
    else if (Buffer.compare(Buffer.from(reference), Buffer.from(bytes)) !== 0) world.checker.report(`replica ${replica.id}'s registry differs from the others at index ${world.log.length}`);
  }
  world.checkLeader();
}
