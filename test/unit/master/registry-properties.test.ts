/**
 * Registry invariants under random command histories. Goal: whatever order commands arrive in,
 * (1) an agent's live tasks never use more than it has, (2) a terminal task never changes state
 * (unless its id is launched anew), (3) a rejected command or a repeated status uuid changes
 * nothing, (4) apply is deterministic and a snapshot taken midway restores to the same registry.
 * Method: fast-check histories over two agents and two frameworks (one partition-aware).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { TASK_STATE_NAMES, isTerminalTaskState } from '../../../src/actors/task-state.js';
import { decode, encodeDocument } from '../../../src/lib/codec.js';
import type { RegistryCommand } from '../../../src/master/registry/commands.js';
import { addAmounts, amountsOf, emptyAmounts, fitsIn, portCount } from '../../../src/master/registry/resources.js';
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
    for (const command of second) restored.apply(command);
    expect(restored.snapshotBytes()).toBe(straight.snapshotBytes());
  });
});
