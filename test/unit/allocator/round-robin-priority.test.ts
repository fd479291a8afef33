/**
 * Round-robin and priority policies, hand-made cases. Goal: round-robin places each task on
 * the agent idle longest that fits it and then sends that agent to the back; it orders offers
 * least-recently-offered framework first. Priority takes tasks by task, then framework, then
 * role priority and puts each on the highest-priority agent that fits, then the one with the
 * most spare capacity. Method: tiny clusters with idle times and priorities chosen so the
 * expected placement is obvious, compared exactly; plus DRF's placement (progressive filling).
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  drfPolicy,
  packClusterView,
  packPendingTasks,
  placeTasks,
  priorityPolicy,
  roundRobinPolicy,
  type AgentInput,
  type ClusterInput,
  type PendingTaskInput,
} from '../../../src/allocator/index.js';
import { cluster, offersOf, SMALL_AGENT } from './fixtures.js';

const NOW = 5_000;

function place(input: ClusterInput, tasks: PendingTaskInput[], policy = roundRobinPolicy): number[] {
  const { view, dictionary } = packClusterView(input);
  return Array.from(placeTasks(view, packPendingTasks(tasks, dictionary), policy).agentIndex);
}

const task = (cpus: number, extra: Partial<PendingTaskInput> = {}): PendingTaskInput => ({
  framework: 0,
  resources: { cpus, mem: 64 },
  ...extra,
});

describe('round-robin placement', () => {
  const idleAgents = (idle: number[]): AgentInput[] => idle.map((idleSinceMs) => ({ total: SMALL_AGENT, idleSinceMs }));
  const input = (agentList: AgentInput[]): ClusterInput => ({ agents: agentList, frameworks: [{ role: '*' }], roles: [{ name: '*' }] });

  it('puts each task on the agent idle longest, then moves that agent to the back', () => {
    // Idle since: agent0 300, agent1 100, agent2 200 → order 1, 2, 0, then 1 again.
    expect(place(input(idleAgents([300, 100, 200])), [task(0.1), task(0.1), task(0.1), task(0.1)])).toEqual([1, 2, 0, 1]);
  });

  it('skips agents that do not fit and leaves them at the front', () => {
    const agentList = [{ total: { cpus: 0.5, mem: 1024 }, idleSinceMs: 0 }, ...idleAgents([100, 200])];
    expect(place(input(agentList), [task(1), task(0.2), task(1)])).toEqual([1, 0, 2]);
  });

  it('leaves a task that fits nowhere unplaced and does not consume anything', () => {
    expect(place(input(idleAgents([0, 1])), [task(3), task(2), task(2), task(2)])).toEqual([-1, 0, 1, -1]);
  });

  it('honours task constraints', () => {
    const agentList = [
      { total: SMALL_AGENT, idleSinceMs: 0, attributes: { zone: 'a' } },
      { total: SMALL_AGENT, idleSinceMs: 1, attributes: { zone: 'b' } },
    ];
    const inZoneB = task(0.1, { constraints: [{ attribute: 'zone', operator: 'EQUALS', value: 'b' }] });
    const notZoneA = task(0.1, { constraints: [{ attribute: 'zone', operator: 'NOT_EQUALS', value: 'a' }] });
    const unknown = task(0.1, { constraints: [{ attribute: 'gpu', operator: 'EQUALS', value: 'yes' }] });
    expect(place(input(agentList), [inZoneB, notZoneA, unknown])).toEqual([1, 1, -1]);
  });

  it('uses the framework role reservation only for that role', () => {
    const reserved: AgentInput = { total: { cpus: 2, mem: 1024 }, reservations: [{ role: 'db', resources: { cpus: 2, mem: 1024 } }] };
    const clusterInput: ClusterInput = {
      agents: [reserved],
      frameworks: [{ role: '*' }, { role: 'db' }],
      roles: [{ name: '*' }, { name: 'db' }],
    };
    expect(place(clusterInput, [task(1), task(1, { framework: 1 })])).toEqual([-1, 0]);
  });
});

describe('round-robin offers', () => {
  it('offers to the framework offered least recently first', () => {
    const view = cluster(
      [{ total: SMALL_AGENT, idleSinceMs: 0 }, { total: SMALL_AGENT, idleSinceMs: 1 }, { total: SMALL_AGENT, idleSinceMs: 2 }],
      [{ role: '*', lastOfferMs: 300 }, { role: '*', lastOfferMs: 100 }, { role: '*', lastOfferMs: 200 }],
    );
    const offers = offersOf(allocate(view, roundRobinPolicy, NOW));
    expect(offers.map((offer) => [offer.agentIndex, offer.frameworkIndex])).toEqual([[0, 1], [1, 2], [2, 0]]);
  });

  it('cycles through frameworks across roles', () => {
    const view = cluster(
      Array.from({ length: 4 }, () => ({ total: SMALL_AGENT })),
      [{ role: 'a' }, { role: 'b' }],
      [{ name: 'a' }, { name: 'b' }],
    );
    expect(offersOf(allocate(view, roundRobinPolicy, NOW)).map((offer) => offer.frameworkIndex)).toEqual([0, 1, 0, 1]);
  });
});

describe('priority placement', () => {
  const input: ClusterInput = {
    agents: [
      { total: { cpus: 4, mem: 4096 }, priority: 1 },
      { total: { cpus: 1, mem: 1024 }, priority: 5 },
      { total: { cpus: 8, mem: 8192 }, priority: 1 },
    ],
    frameworks: [{ role: 'low', priority: 0 }, { role: 'high', priority: 10 }],
    roles: [{ name: 'low' }, { name: 'high' }],
  };

  it('places the highest-priority task first, on the highest-priority agent that fits', () => {
    // Task 2 (priority 9) goes first to agent 1 (priority 5); task 0 (priority 1, 1 cpu) next,
    // agent 1 is full, so the most spare capacity among priority-1 agents: agent 2.
    const tasks = [task(1, { priority: 1 }), task(1, { priority: 0 }), task(1, { priority: 9 })];
    expect(place(input, tasks, priorityPolicy)).toEqual([2, 2, 1]);
  });

  it('breaks task-priority ties by framework priority', () => {
    const tasks = [task(1), task(1, { framework: 1 })];
    expect(place(input, tasks, priorityPolicy)).toEqual([2, 1]);
  });

  it('breaks framework ties by role priority', () => {
    const byRole: ClusterInput = {
      ...input,
      frameworks: [{ role: 'low' }, { role: 'high' }],
      roles: [{ name: 'low' }, { name: 'high', priority: 3 }],
    };
    expect(place(byRole, [task(1), task(1, { framework: 1 })], priorityPolicy)).toEqual([2, 1]);
  });

  it('orders offers by role priority, then framework priority', () => {
    const { view } = packClusterView(input);
    const offers = offersOf(allocate(view, priorityPolicy, NOW));
    expect(offers.map((offer) => offer.frameworkIndex)).toEqual([1, 1, 1]);
    expect(offers.map((offer) => offer.agentIndex)).toEqual([1, 2, 0]);
  });
});

describe('DRF placement', () => {
  it('lets the framework with the lowest share place next (progressive filling)', () => {
    const input: ClusterInput = {
      agents: Array.from({ length: 4 }, () => ({ total: { cpus: 2, mem: 2048 } })),
      frameworks: [{ role: '*', allocated: { cpus: 2 } }, { role: '*' }],
      roles: [{ name: '*' }],
    };
    // fw1 starts at share 0 vs fw0 at 0.25: fw1 places two 1-cpu tasks before fw0 places one.
    const tasks = [task(1), task(1), task(1, { framework: 1 }), task(1, { framework: 1 }), task(1, { framework: 1 })];
    // Order of placement: t2 (fw1, share 0) → agent 0; t3 (fw1, 1/8) → agent 1; tie at 1/4 goes
    // to fw0 by index: t0 → agent 2; t4 (fw1, 1/4 < 3/8) → agent 3; t1 → agent 0 (all equal
    // spare by then, lowest index). Agents are spread: spare capacity first.
    expect(place(input, tasks, drfPolicy)).toEqual([2, 0, 0, 1, 3]);
  });
});
