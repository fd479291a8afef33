/**
 * Registry invariants under random command histories. Goal: whatever order commands arrive in,
 * (1) an agent's live tasks never use more than it has, (2) a terminal task never changes state
 * (unless its id is launched anew), (3) a rejected command or a repeated status uuid changes
 * nothing, (4) apply is deterministic and a snapshot taken midway restores to the same registry,
 * (5) each agent's digest and its tasks with kills requested, kept task by task, are what a fresh
 * walk of its live tasks gives, and
 * (6) a re-registration by a matching digest does exactly what the same report by id and state
 * does (also when described `asHeld`), while a digest that does not match changes nothing.
 * Method: fast-check histories over two agents and two frameworks (one partition-aware).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { TASK_STATE_NAMES, isTerminalTaskState } from '../../../src/actors/task-state.js';
import { decode, encodeDocument } from '../../../src/lib/codec.js';
import type { RegistryCommand } from '../../../src/master/registry/commands.js';
import { addAmounts, amountsOf, emptyAmounts, fitsIn, portCount } from '../../../src/master/registry/resources.js';
import { taskDigestOf } from '../../../src/protocol/task-digest.js';
import { taskKey, type RegistryTables } from '../../../src/master/registry/indexes.js';
import type { TaskContext } from '../../../src/actors/task.machine.js';
import { T0, TestRegistry, launchRecord, scalars } from './registry-helpers.js';

const AGENTS = ['a1', 'a2'];
const FRAMEWORKS = ['m-0001', 'm-0002'];
const TASKS = ['t0', 't1', 't2', 't3', 't4'];

function setup(): TestRegistry {
  const r = new TestRegistry({ maxCompletedTasksPerFramework: 3 });
  for (const agent of AGENTS) r.registerAgent(agent, scalars(4, 4096, [31000, 31003]));
  r.subscribe();
  r.subscribe({ partitionAware: true });
  return r;
}

const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);

const commandArbitrary: fc.Arbitrary<(nowMs: number) => RegistryCommand> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(pick(FRAMEWORKS), pick(TASKS), pick(AGENTS), fc.integer({ min: 1, max: 30 }), fc.boolean()).map(
    ([fw, task, agent, tenths, port]) => (nowMs: number) => ({
      t: 'reg.task.launch',
      tasks: [launchRecord(fw, task, { agentId: agent, resources: scalars(tenths / 10, 256, port ? [31000 + (tenths % 4), 31000 + (tenths % 4)] : undefined) })],
      nowMs,
    }) as RegistryCommand,
  ) },
  { weight: 6, arbitrary: fc.tuple(pick(FRAMEWORKS), pick(TASKS), pick(AGENTS), pick(TASK_STATE_NAMES), fc.integer({ min: 0, max: 4 })).map(
    ([fw, task, agent, state, uuid]) => (nowMs: number) => ({
      t: 'reg.task.status', agentId: agent, source: 'agent', update: { taskId: task, frameworkId: fw, state, uuid: `u${uuid}`, timestampMs: nowMs }, nowMs,
    }) as RegistryCommand,
  ) },
  { weight: 1, arbitrary: fc.tuple(pick(FRAMEWORKS), pick(TASKS)).map(([fw, task]) => (nowMs: number) => ({ t: 'reg.task.kill', frameworkId: fw, taskId: task, nowMs }) as RegistryCommand) },
  { weight: 1, arbitrary: pick(AGENTS).map((agent) => (nowMs: number) => ({ t: 'reg.agent.unreachable', agentId: agent, nowMs }) as RegistryCommand) },
  // Gone is for good: only the last agent, so the others keep their histories.
  { weight: 1, arbitrary: fc.constant((nowMs: number) => ({ t: 'reg.agent.markGone', agentId: AGENTS[AGENTS.length - 1]!, nowMs }) as RegistryCommand) },
  // Some reports by id and state only (`known`), as a leader sends those it holds on the agent;
  // here they need not be held at all.
  { weight: 1, arbitrary: fc.tuple(pick(AGENTS), fc.subarray(TASKS), fc.subarray(TASKS)).map(([agent, reported, byId]) => (nowMs: number) => ({
    t: 'reg.agent.reregister', agentId: agent, hostname: agent, httpAddress: 'h:1', resources: scalars(4, 4096, [31000, 31003]), attributes: {},
    tasks: reported.filter((task) => !byId.includes(task)).map((task) => ({ spec: { taskId: task, frameworkId: FRAMEWORKS[0]!, command: { shell: true, value: 'x' } }, state: 'TASK_RUNNING' as const })),
    known: reported.filter((task) => byId.includes(task)).map((taskId) => ({ frameworkId: FRAMEWORKS[0]!, taskId, state: 'TASK_RUNNING' as const })),
    nowMs,
  }) as RegistryCommand) },
  { weight: 1, arbitrary: pick(FRAMEWORKS).map((fw) => (nowMs: number) => ({ t: 'reg.framework.disconnect', frameworkId: fw, nowMs }) as RegistryCommand) },
  { weight: 1, arbitrary: pick(FRAMEWORKS).map((fw) => (nowMs: number) => ({ t: 'reg.framework.subscribe', frameworkId: fw, idPrefix: 'm', info: { user: 'u', name: 'fw' }, internal: false, nowMs }) as RegistryCommand) },
  { weight: 1, arbitrary: fc.constant((nowMs: number) => ({ t: 'reg.leader.changed', nowMs }) as RegistryCommand) },
  { weight: 1, arbitrary: pick(FRAMEWORKS).map((fw) => (nowMs: number) => ({ t: 'reg.deadline', kind: 'framework', id: fw, event: 'framework.failoverTimeout', nowMs: nowMs + 120_000 }) as RegistryCommand) },
);

const historyArbitrary = fc.array(commandArbitrary, { minLength: 1, maxLength: 60 }).map((builders) => builders.map((build, i) => build(T0 + (i + 1) * 1_000)));

/** The digest and frameworks of the agent's live tasks, computed afresh. */
function freshDigest(r: TestRegistry, agentId: string): { digest: string; frameworkIds: string[] } {
  const live = r.registry.tasksOnAgent(agentId);
  return { digest: taskDigestOf(live), frameworkIds: [...new Set(live.map((task) => task.frameworkId))].sort() };
}

function keptDigest(r: TestRegistry, agentId: string): { digest: string; frameworkIds: string[] } {
  const kept = r.registry.taskDigest(agentId);
  return { digest: kept.digest, frameworkIds: [...kept.frameworkIds].sort() };
}

function tablesOf(r: TestRegistry): RegistryTables {
  return (r.registry as unknown as { tables: RegistryTables }).tables;
}

/** Keys of the agent's live tasks whose kill was requested, found afresh. */
function freshKillRequested(r: TestRegistry, agentId: string): string[] {
  return r.registry
    .tasksOnAgent(agentId)
    .filter((task) => (task.machine.context as TaskContext).killRequestCount > 0)
    .map((task) => taskKey(task.frameworkId, task.taskId))
    .sort();
}

function restoredCopy(r: TestRegistry): TestRegistry {
  const copy = new TestRegistry({ maxCompletedTasksPerFramework: 3 });
  copy.registry.restore(decode(encodeDocument(r.registry.toSnapshot())));
  return copy;
}

function terminalStates(r: TestRegistry): Map<string, string> {
  const out = new Map<string, string>();
  for (const fw of FRAMEWORKS) {
    const { live, completed } = r.registry.tasksOf(fw);
    for (const task of [...live, ...completed]) if (isTerminalTaskState(task.state)) out.set(`${fw}/${task.taskId}`, task.state);
  }
  return out;
}

describe('registry properties', () => {
  test.prop([historyArbitrary], { numRuns: 150 })('capacity, finality, reject-whole, idempotent uuids, determinism', (history) => {
    const r = setup();
    for (const command of history) {
      const before = r.snapshotBytes();
      const terminalBefore = terminalStates(r);
      const result = r.apply(command);
      if (!result.ok) expect(r.snapshotBytes()).toBe(before);
      if (result.ok && (result.value as { outcome?: string }).outcome === 'duplicate') expect(r.snapshotBytes()).toBe(before);
      for (const agent of AGENTS) {
        expect(fitsIn(r.registry.usedOnAgent(agent), amountsOf(r.registry.agent(agent)!.resources))).toBe(true);
      }
      // The incrementally kept per-framework counts match a recount of its live tasks.
      for (const fw of FRAMEWORKS) {
        const used = r.registry.tasksOf(fw).live.reduce((sum, task) => addAmounts(sum, amountsOf(task.resources)), emptyAmounts());
        const counts = r.registry.liveCountsOfFramework(fw);
        for (const kind of ['cpus', 'mem', 'disk', 'gpus'] as const) expect(counts[kind]).toBeCloseTo(used[kind], 6);
        // Ports count per task: the same port number on two agents is two ports held.
        expect(counts.ports).toBe(r.registry.tasksOf(fw).live.reduce((sum, task) => sum + portCount(amountsOf(task.resources).ports), 0));
      }
      const relaunched = command.t === 'reg.task.launch' && result.ok ? new Set(command.tasks.map((t) => `${t.frameworkId}/${t.taskId}`)) : new Set<string>();
      for (const [key, state] of terminalBefore) {
        if (relaunched.has(key)) continue;
        const [fw, task] = key.split('/') as [string, string];
        const now = r.registry.task(fw, task);
        if (now) expect(now.state).toBe(state);
      }
      for (const agent of AGENTS) {
        expect(keptDigest(r, agent)).toEqual(freshDigest(r, agent));
        expect(tablesOf(r).killRequestedOnAgent(agent)).toEqual(freshKillRequested(r, agent));
      }
    }
    const replay = setup();
    for (const command of history) replay.apply(command);
    expect(replay.snapshotBytes()).toBe(r.snapshotBytes());
  });

  test.prop([historyArbitrary, historyArbitrary], { numRuns: 60 })('a snapshot taken midway restores to the same registry', (first, second) => {
    const straight = setup();
    for (const command of [...first, ...second]) straight.apply(command);
    const before = setup();
    for (const command of first) before.apply(command);
    const restored = new TestRegistry({ maxCompletedTasksPerFramework: 3 });
    restored.registry.restore(decode(encodeDocument(before.registry.toSnapshot())));
    for (const agent of AGENTS) {
      expect(keptDigest(restored, agent)).toEqual(keptDigest(before, agent));
      expect(tablesOf(restored).killRequestedOnAgent(agent)).toEqual(tablesOf(before).killRequestedOnAgent(agent));
    }
    for (const command of second) restored.apply(command);
    expect(restored.snapshotBytes()).toBe(straight.snapshotBytes());
    for (const agent of AGENTS) expect(keptDigest(restored, agent)).toEqual(keptDigest(straight, agent));
  });

  test.prop([historyArbitrary, pick(AGENTS), fc.nat()], { numRuns: 150 })('a matching digest re-registers as its report by id would; a stale one changes nothing', (history, agentId, which) => {
    const r = setup();
    for (const command of history) r.apply(command);
    const nowMs = T0 + (history.length + 2) * 1_000;
    const description = { agentId, hostname: agentId, httpAddress: 'h:1', resources: scalars(4, 4096, [31000, 31003]), attributes: {} };
    const live = r.registry.tasksOnAgent(agentId);
    const known = live.map((task) => ({ frameworkId: task.frameworkId, taskId: task.taskId, state: task.state }));
    const byId = restoredCopy(r);
    const byIdResult = byId.apply({ t: 'reg.agent.reregister', ...description, tasks: [], known, nowMs });
    const byDigest = restoredCopy(r);
    const byDigestResult = byDigest.apply({ t: 'reg.agent.reregister', ...description, tasks: [], digest: taskDigestOf(known), nowMs });
    expect(byDigestResult).toEqual(byIdResult);
    expect(byDigest.snapshotBytes()).toBe(byId.snapshotBytes());
    expect(byDigest.effects).toEqual(byId.effects);
    // Described `asHeld`: as the same report with the description the registry holds.
    const held = r.registry.agent(agentId)!;
    const heldDescription = { agentId, hostname: held.hostname, httpAddress: held.httpAddress, resources: held.resources, attributes: held.attributes };
    const byIdAsHeld = restoredCopy(r);
    const byIdAsHeldResult = byIdAsHeld.apply({ t: 'reg.agent.reregister', ...heldDescription, tasks: [], known, nowMs });
    const asHeld = restoredCopy(r);
    const asHeldResult = asHeld.apply({ t: 'reg.agent.reregister', agentId, asHeld: true, tasks: [], digest: taskDigestOf(known), nowMs });
    expect(asHeldResult).toEqual(byIdAsHeldResult);
    expect(asHeld.snapshotBytes()).toBe(byIdAsHeld.snapshotBytes());
    expect(asHeld.effects).toEqual(byIdAsHeld.effects);
    // Any one difference: a task more, a task fewer, or one in another state.
    const stale = [...known];
    if (stale.length > 0 && which % 3 === 0) stale.splice(which % stale.length, 1);
    else if (stale.length > 0 && which % 3 === 1) stale[which % stale.length] = { ...stale[which % stale.length]!, state: stale[which % stale.length]!.state === 'TASK_RUNNING' ? 'TASK_STAGING' : 'TASK_RUNNING' };
    else stale.push({ frameworkId: FRAMEWORKS[which % 2]!, taskId: 'not-held', state: 'TASK_RUNNING' });
    const before = r.snapshotBytes();
    // A gone agent is refused whole whatever it reports (its id never comes back).
    const unchanged = held.machine.value === 'gone' ? { ok: false, error: `agent ${agentId} was removed and cannot come back` } : { ok: true, value: { kind: 'tasksChanged', agentId } };
    const staleResult = r.apply({ t: 'reg.agent.reregister', ...description, tasks: [], digest: taskDigestOf(stale), nowMs });
    expect(staleResult).toEqual(unchanged);
    expect(r.snapshotBytes()).toBe(before);
    expect(r.effects).toEqual([]);
    expect(r.apply({ t: 'reg.agent.reregister', agentId, asHeld: true, tasks: [], digest: taskDigestOf(stale), nowMs })).toEqual(unchanged);
    expect(r.snapshotBytes()).toBe(before);
    // An agent the registry does not know has no description to stand for, even with no tasks.
    expect(r.apply({ t: 'reg.agent.reregister', agentId: 'a-unknown', asHeld: true, tasks: [], digest: taskDigestOf([]), nowMs })).toEqual({ ok: true, value: { kind: 'tasksChanged', agentId: 'a-unknown' } });
    expect(r.snapshotBytes()).toBe(before);
  });
});
