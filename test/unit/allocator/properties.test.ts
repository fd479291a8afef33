/**
 * Allocator properties over random clusters. Goal: whatever the cluster — partial allocations,
 * outstanding offers, reservations with used parts, quota, refusal filters, suppression,
 * constraints, inactive agents — no policy ever over-commits an agent, offers reserved
 * resources to another role, offers to a suppressed framework, ignores a live filter or a
 * constraint, or makes an offer too small to use; DRF's grants are progressive filling (nobody
 * received an agent while a role or framework with a lower share was waiting); placed tasks
 * fit and unplaced tasks fit nowhere. Method: fast-check generates ClusterInputs; each check
 * recomputes what is free from the view alone, independently of the ledger. Counterexamples
 * fast-check has found are kept below as named regression cases.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  allocate,
  CONSTRAINT_EQUALS,
  drfPolicy,
  KIND_COUNT,
  MEM,
  CPUS,
  packClusterView,
  packPendingTasks,
  placeTasks,
  POLICY_NAMES,
  policyByName,
  SHARE_KIND_COUNT,
  type AgentInput,
  type ClusterInput,
  type ClusterView,
  type FrameworkInput,
  type OfferBatch,
  type PendingTaskInput,
  type ResourceSet,
} from '../../../src/allocator/index.js';
import { RESOURCE_EPSILON } from '../../../src/allocator/ledger.js';
import { SeededRng } from '../../../src/lib/rng.js';
import { overCommitProblems } from './fixtures.js';

const NOW = 10_000;
const EPS = 1e-6;
const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const scaled = (set: ResourceSet, by: number): ResourceSet => ({
  cpus: (set.cpus ?? 0) * by,
  mem: (set.mem ?? 0) * by,
  disk: (set.disk ?? 0) * by,
  ports: Math.floor((set.ports ?? 0) * by),
});
const minus = (a: ResourceSet, b: ResourceSet): ResourceSet => ({
  cpus: (a.cpus ?? 0) - (b.cpus ?? 0),
  mem: (a.mem ?? 0) - (b.mem ?? 0),
  disk: (a.disk ?? 0) - (b.disk ?? 0),
  ports: (a.ports ?? 0) - (b.ports ?? 0),
});
const plus = (a: ResourceSet, b: ResourceSet): ResourceSet => minus(a, scaled(b, -1));

const totalArb = fc.record({
  cpus: fc.integer({ min: 1, max: 16 }).map((n) => n / 2),
  mem: fc.integer({ min: 1, max: 64 }).map((n) => n * 128),
  disk: fc.integer({ min: 0, max: 8 }).map((n) => n * 1024),
  ports: fc.integer({ min: 0, max: 1000 }),
});

function agentArb(roleCount: number): fc.Arbitrary<AgentInput> {
  return fc
    .record({
      total: totalArb,
      shares: fc.tuple(fraction, fraction, fraction, fraction),
      reservedRole: fc.option(fc.integer({ min: 0, max: roleCount - 1 })),
      active: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x > 0.1),
      rack: fc.constantFrom('r0', 'r1'),
      idleSinceMs: fc.integer({ min: 0, max: NOW }),
      priority: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ total, shares: [reserveBy, usedBy, allocateBy, offerBy], reservedRole, active, rack, idleSinceMs, priority }) => {
      const reserved = reservedRole === null ? scaled(total, 0) : scaled(total, reserveBy * 0.6);
      const used = scaled(reserved, usedBy);
      const unreservedAllocated = scaled(minus(total, reserved), allocateBy * 0.8);
      const offered = scaled(minus(minus(total, reserved), unreservedAllocated), offerBy * 0.5);
      const reservations = reservedRole === null ? [] : [{ role: `r${reservedRole}`, resources: reserved, used }];
      return { total, allocated: plus(unreservedAllocated, used), offered, active, reservations, attributes: { rack }, idleSinceMs, priority };
    });
}

function frameworkArb(roleCount: number, agentCount: number): fc.Arbitrary<FrameworkInput> {
  const filterArb = fc.record({
    agent: fc.integer({ min: 0, max: agentCount - 1 }),
    expiresAtMs: fc.integer({ min: NOW - 1000, max: NOW + 1000 }),
    resources: fc.option(totalArb, { nil: undefined }),
  });
  return fc
    .record({
      role: fc.integer({ min: 0, max: roleCount - 1 }),
      weight: fc.constantFrom(1, 2, 3),
      suppressed: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.1),
      allocated: fc.record({ cpus: fc.integer({ min: 0, max: 8 }), mem: fc.integer({ min: 0, max: 4096 }) }),
      filters: fc.array(filterArb, { maxLength: 3 }),
      rack: fc.option(fc.constantFrom('r0', 'r1')),
      priority: fc.integer({ min: 0, max: 3 }),
      lastOfferMs: fc.integer({ min: 0, max: NOW }),
    })
    .map(({ role, rack, filters, ...rest }) => ({
      ...rest,
      role: `r${role}`,
      filters: filters.map(({ resources, ...filter }) => (resources === undefined ? filter : { ...filter, resources })),
      constraints: rack === null ? [] : [{ attribute: 'rack', operator: 'EQUALS' as const, value: rack }],
    }));
}

const clusterArb: fc.Arbitrary<ClusterInput> = fc
  .record({ roleCount: fc.integer({ min: 1, max: 4 }), agentCount: fc.integer({ min: 1, max: 30 }) })
  .chain(({ roleCount, agentCount }) =>
    fc.record({
      agents: fc.array(agentArb(roleCount), { minLength: agentCount, maxLength: agentCount }),
      frameworks: fc.array(frameworkArb(roleCount, agentCount), { minLength: 1, maxLength: 10 }),
      roles: fc.array(
        fc.record({ weight: fc.constantFrom(1, 2), quota: fc.option(fc.integer({ min: 1, max: 12 })) }),
        { minLength: roleCount, maxLength: roleCount },
      ),
    }),
  )
  .map(({ agents, frameworks, roles }) => ({
    agents,
    frameworks,
    roles: roles.map(({ weight, quota }, index) => ({
      name: `r${index}`,
      weight,
      ...(quota === null ? {} : { quotaGuarantee: { cpus: quota } }),
    })),
  }));

/** Free reserved resources per (agent, role) and free unreserved per agent, from the view. */
function freeFromView(view: ClusterView): { unreserved: Float64Array; reserved: Map<string, Float64Array> } {
  const unreserved = new Float64Array(view.agentCount * KIND_COUNT);
  const reserved = new Map<string, Float64Array>();
  for (let agent = 0; agent < view.agentCount; agent++) {
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      let reservedTotal = 0;
      let reservedUsed = 0;
      for (let entry = view.reservationStart[agent]!; entry < view.reservationStart[agent + 1]!; entry++) {
        const key = `${agent}/${view.reservationRole[entry]}`;
        const free = reserved.get(key) ?? new Float64Array(KIND_COUNT);
        free[kind] = view.reservationAmount[entry * KIND_COUNT + kind]! - view.reservationUsed[entry * KIND_COUNT + kind]!;
        reserved.set(key, free);
        reservedTotal += view.reservationAmount[entry * KIND_COUNT + kind]!;
        reservedUsed += view.reservationUsed[entry * KIND_COUNT + kind]!;
      }
      const at = agent * KIND_COUNT + kind;
      const held = view.agentAllocated[at]! + view.agentOffered[at]! - reservedUsed;
      unreserved[at] = view.agentTotal[at]! - reservedTotal - held;
    }
  }
  return { unreserved, reserved };
}

function liveFilter(view: ClusterView, framework: number, agent: number): number {
  let found = -1;
  for (let filter = view.filterStart[framework]!; filter < view.filterStart[framework + 1]!; filter++) {
    if (view.filterAgent[filter] === agent && view.filterExpiresAtMs[filter]! > NOW) found = filter;
  }
  return found;
}

function offerProblems(view: ClusterView, batch: OfferBatch): string[] {
  const problems = overCommitProblems(view, batch);
  const { unreserved, reserved } = freeFromView(view);
  for (let offer = 0; offer < batch.count; offer++) {
    const framework = batch.frameworkIndex[offer]!;
    const agent = batch.agentIndex[offer]!;
    const role = view.frameworkRole[framework]!;
    const row = (table: Float64Array, kind: number): number => table[offer * KIND_COUNT + kind]!;
    if (view.frameworkSuppressed[framework] === 1) problems.push(`offer ${offer} to suppressed ${framework}`);
    if (row(batch.resources, CPUS) < 0.01 && row(batch.resources, MEM) < 32) problems.push(`offer ${offer} too small`);
    const filter = liveFilter(view, framework, agent);
    if (filter !== -1) {
      let covered = true;
      for (let kind = 0; kind < KIND_COUNT; kind++) {
        if (row(batch.resources, kind) > view.filterResources[filter * KIND_COUNT + kind]! + EPS) covered = false;
      }
      if (covered) problems.push(`offer ${offer} ignores filter ${filter}`);
    }
    for (let entry = view.frameworkConstraints.start[framework]!; entry < view.frameworkConstraints.start[framework + 1]!; entry++) {
      const actual = view.agentAttributes[agent * view.attributeSlots + view.frameworkConstraints.slot[entry]!];
      const equal = actual === view.frameworkConstraints.value[entry];
      if ((view.frameworkConstraints.op[entry] === CONSTRAINT_EQUALS) !== equal) problems.push(`offer ${offer} breaks a constraint`);
    }
    const reservedFree = reserved.get(`${agent}/${role}`) ?? new Float64Array(KIND_COUNT);
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      reservedFree[kind]! -= row(batch.reserved, kind);
      if (reservedFree[kind]! < -EPS) problems.push(`offer ${offer} takes reserved ${kind} it may not`);
      unreserved[agent * KIND_COUNT + kind]! -= row(batch.resources, kind) - row(batch.reserved, kind);
      if (unreserved[agent * KIND_COUNT + kind]! < -EPS) problems.push(`offer ${offer} over-commits unreserved ${kind}`);
    }
    reserved.set(`${agent}/${role}`, reservedFree);
  }
  return problems;
}

/**
 * Why `agentIndex` is not a valid end state for `taskInputs` on `input`: a placed task that
 * over-commits its agent or breaks its rack constraint, or an unplaced task that still fits
 * some active agent once every placed task is charged.
 *
 * "Fits" is the allocator's documented rule, need ≤ free + RESOURCE_EPSILON (1e-9, float
 * noise), not the looser EPS used for over-commit: a task 1e-8 short of fitting really does
 * not fit (seed -1338085350 found one). FIT_ROUNDING absorbs the different order in which
 * this reference and the ledger add and subtract the same numbers (≤ ~1e-11 here).
 */
const FIT_ROUNDING = 1e-10;
function placementProblems(input: ClusterInput, taskInputs: readonly PendingTaskInput[], agentIndex: Int32Array): string[] {
  const { view, dictionary } = packClusterView(input);
  const tasks = packPendingTasks(taskInputs, dictionary);
  const problems: string[] = [];
  const { unreserved, reserved } = freeFromView(view);
  const rackOk = (task: number, agent: number): boolean =>
    taskInputs[task]!.constraints!.length === 0 || input.agents[agent]!.attributes!['rack'] !== 'r1';
  for (let task = 0; task < tasks.count; task++) {
    const agent = agentIndex[task]!;
    if (agent === -1) continue;
    if (view.agentActive[agent] !== 1) problems.push(`task ${task} on inactive agent ${agent}`);
    if (!rackOk(task, agent)) problems.push(`task ${task} breaks its constraint on agent ${agent}`);
    const role = view.frameworkRole[tasks.frameworkIndex[task]!]!;
    const free = reserved.get(`${agent}/${role}`);
    for (let kind = 0; kind < KIND_COUNT; kind++) {
      let need = tasks.resources[task * KIND_COUNT + kind]!;
      const fromReserved = Math.min(need, Math.max(0, free?.[kind] ?? 0));
      if (free !== undefined) free[kind]! -= fromReserved;
      need -= fromReserved;
      unreserved[agent * KIND_COUNT + kind]! -= need;
      if (unreserved[agent * KIND_COUNT + kind]! < -EPS) problems.push(`task ${task} over-commits ${kind} on agent ${agent}`);
    }
  }
  const freeFor = (agent: number, role: number, kind: number): number =>
    view.agentActive[agent] === 1 ? unreserved[agent * KIND_COUNT + kind]! + (reserved.get(`${agent}/${role}`)?.[kind] ?? 0) : -1;
  for (let task = 0; task < tasks.count; task++) {
    if (agentIndex[task] !== -1) continue;
    const role = view.frameworkRole[tasks.frameworkIndex[task]!]!;
    for (let agent = 0; agent < view.agentCount; agent++) {
      let fits = rackOk(task, agent);
      for (let kind = 0; kind < KIND_COUNT; kind++) {
        if (tasks.resources[task * KIND_COUNT + kind]! > freeFor(agent, role, kind) + RESOURCE_EPSILON - FIT_ROUNDING) fits = false;
      }
      if (fits) problems.push(`unplaced task ${task} fits agent ${agent}`);
    }
  }
  return problems;
}

describe('every policy', () => {
  test.prop([clusterArb, fc.constantFrom(...POLICY_NAMES), fc.integer()], { numRuns: 300 })(
    'never over-commits, respects reservations, filters, constraints, suppression',
    (input, policyName, seed) => {
      const { view } = packClusterView(input);
      const batch = allocate(view, policyByName(policyName), NOW, { rng: new SeededRng(seed) });
      expect(offerProblems(view, batch)).toEqual([]);
    },
  );

  const taskArb = (frameworkCount: number): fc.Arbitrary<PendingTaskInput> =>
    fc.record({
      framework: fc.integer({ min: 0, max: frameworkCount - 1 }),
      resources: fc.record({ cpus: fc.integer({ min: 1, max: 8 }).map((n) => n / 4), mem: fc.integer({ min: 0, max: 2048 }) }),
      priority: fc.integer({ min: 0, max: 3 }),
      constraints: fc.constantFrom([], [{ attribute: 'rack', operator: 'NOT_EQUALS' as const, value: 'r1' }]),
    });
  const withTasks = clusterArb.chain((input) =>
    fc.tuple(fc.constant(input), fc.array(taskArb(input.frameworks.length), { maxLength: 60 })),
  );

  test.prop([withTasks, fc.constantFrom(...POLICY_NAMES)], { numRuns: 200 })(
    'placed tasks fit, unplaced tasks fit nowhere at the end',
    ([input, taskInputs], policyName) => {
      const { view, dictionary } = packClusterView(input);
      const tasks = packPendingTasks(taskInputs, dictionary);
      const placement = placeTasks(view, tasks, policyByName(policyName));
      expect(placementProblems(input, taskInputs, placement.agentIndex)).toEqual([]);
    },
  );
});

/**
 * The shrunk counterexample of seed -1338085350 (path 6:4318:3:3:5:4:4:4:4:4:4:5:5:4), cut to
 * what matters: of its 12 agents only two were active, one on rack r1 (ruled out by the tasks'
 * constraint) and this one, whose r1 reservation of 7.9e-9 cpus leaves 0.49999999207 cpus to
 * role r0. Two 0.25-cpu r0 tasks do not both fit: the second is 7.9e-9 cpus short, more than
 * RESOURCE_EPSILON. The allocator was right; the property's reference used the 1e-6 over-commit
 * tolerance to judge "fits" and so called the second task placeable.
 */
const shortByReservation: ClusterInput = {
  agents: [
    {
      total: { cpus: 0.5, mem: 7168, disk: 1024, ports: 609 },
      allocated: { cpus: 7.927617632437523e-9, mem: 0.00011365032637862432, disk: 0.000016235760911232046, ports: 0 },
      offered: { cpus: 3.160366286711623e-207, mem: 4.530701108629783e-203, disk: 6.472430155185404e-204, ports: 0 },
      reservations: [
        {
          role: 'r1',
          resources: { cpus: 7.927617632437536e-9, mem: 0.00011365032637862451, disk: 0.000016235760911232073, ports: 0 },
          used: { cpus: 7.927617632437523e-9, mem: 0.00011365032637862432, disk: 0.000016235760911232046, ports: 0 },
        },
      ],
      attributes: { rack: 'r0' },
    },
    { total: { cpus: 6.5, mem: 7552, disk: 1024, ports: 6 }, attributes: { rack: 'r1' } },
  ],
  frameworks: [{ role: 'r0' }],
  roles: [{ name: 'r0' }, { name: 'r1' }],
};
const quarterCpuOffRackR1: PendingTaskInput = {
  framework: 0,
  resources: { cpus: 0.25, mem: 0 },
  constraints: [{ attribute: 'rack', operator: 'NOT_EQUALS', value: 'r1' }],
};

describe('regression: seed -1338085350, unplaced task short by a tiny reservation', () => {
  const twoTasks = [quarterCpuOffRackR1, quarterCpuOffRackR1];

  test.each(POLICY_NAMES)('%s places the first task and leaves the second, which is 7.9e-9 cpus short', (policyName) => {
    const { view, dictionary } = packClusterView(shortByReservation);
    const placement = placeTasks(view, packPendingTasks(twoTasks, dictionary), policyByName(policyName));
    expect(Array.from(placement.agentIndex)).toEqual([0, -1]);
    expect(placementProblems(shortByReservation, twoTasks, placement.agentIndex)).toEqual([]);
  });

  test('the reference still flags a task left unplaced that fits, and an over-committed agent', () => {
    expect(placementProblems(shortByReservation, twoTasks, Int32Array.of(-1, -1))).toEqual(['unplaced task 0 fits agent 0', 'unplaced task 1 fits agent 0']);
    // 7.9e-9 over is within the over-commit tolerance; a whole third task is not.
    const threeTasks = [...twoTasks, quarterCpuOffRackR1];
    expect(placementProblems(shortByReservation, threeTasks, Int32Array.of(0, 0, 0))).toEqual([`task 2 over-commits ${CPUS} on agent 0`]);
    expect(placementProblems(shortByReservation, twoTasks, Int32Array.of(0, 1))).toEqual(['task 1 breaks its constraint on agent 1']);
  });
});

/** Clusters where every framework accepts every agent: no filters, quota, reservations, constraints. */
const openClusterArb: fc.Arbitrary<ClusterInput> = fc
  .record({
    agents: fc.array(fc.record({ total: totalArb, used: fc.double({ min: 0, max: 0.9, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
    roleWeights: fc.array(fc.constantFrom(1, 2, 5), { minLength: 1, maxLength: 4 }),
    frameworks: fc.array(
      fc.record({
        role: fc.nat(),
        weight: fc.constantFrom(1, 2, 3),
        allocated: fc.record({ cpus: fc.integer({ min: 0, max: 20 }), mem: fc.integer({ min: 0, max: 20_000 }), disk: fc.integer({ min: 0, max: 9000 }) }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map(({ agents, roleWeights, frameworks }) => ({
    agents: agents.map(({ total, used }) => ({ total, allocated: scaled(total, used) })),
    roles: roleWeights.map((weight, index) => ({ name: `r${index}`, weight })),
    frameworks: frameworks.map(({ role, ...rest }) => ({ ...rest, role: `r${role % roleWeights.length}` })),
  }));

function dominantShare(vector: Float64Array, row: number, total: Float64Array): number {
  let share = 0;
  for (let kind = 0; kind < SHARE_KIND_COUNT; kind++) {
    if (total[kind]! > 0) share = Math.max(share, vector[row * KIND_COUNT + kind]! / total[kind]!);
  }
  return share;
}

describe('DRF', () => {
  test.prop([openClusterArb, fc.integer()], { numRuns: 300 })(
    'progressive filling: each last grant went to a role and a framework no richer than any other at the end',
    (input, seed) => {
      const { view } = packClusterView(input);
      const batch = allocate(view, drfPolicy, NOW, { rng: new SeededRng(seed) });
      const total = new Float64Array(KIND_COUNT);
      for (let at = 0; at < view.agentTotal.length; at++) total[at % KIND_COUNT]! += view.agentTotal[at]!;
      const frameworkHeld = view.frameworkAllocated.slice();
      const lastOffer = new Int32Array(view.frameworkCount).fill(-1);
      const lastRoleOffer = new Int32Array(view.roleCount).fill(-1);
      for (let offer = 0; offer < batch.count; offer++) {
        const framework = batch.frameworkIndex[offer]!;
        for (let kind = 0; kind < KIND_COUNT; kind++) frameworkHeld[framework * KIND_COUNT + kind]! += batch.resources[offer * KIND_COUNT + kind]!;
        lastOffer[framework] = offer;
        lastRoleOffer[view.frameworkRole[framework]!] = offer;
      }
      const roleHeld = new Float64Array(view.roleCount * KIND_COUNT);
      for (let framework = 0; framework < view.frameworkCount; framework++) {
        for (let kind = 0; kind < KIND_COUNT; kind++) roleHeld[view.frameworkRole[framework]! * KIND_COUNT + kind]! += frameworkHeld[framework * KIND_COUNT + kind]!;
      }
      const without = (held: Float64Array, row: number, offer: number): Float64Array => {
        const copy = held.slice(row * KIND_COUNT, row * KIND_COUNT + KIND_COUNT);
        for (let kind = 0; kind < KIND_COUNT; kind++) copy[kind]! -= batch.resources[offer * KIND_COUNT + kind]!;
        return copy;
      };
      const rolesInUse = new Set(Array.from(view.frameworkRole));
      for (const role of rolesInUse) {
        const offer = lastRoleOffer[role]!;
        if (offer === -1) continue;
        const before = dominantShare(without(roleHeld, role, offer), 0, total) / view.roleWeight[role]!;
        for (const other of rolesInUse) {
          expect(before).toBeLessThanOrEqual(dominantShare(roleHeld, other, total) / view.roleWeight[other]! + 1e-9);
        }
      }
      for (let framework = 0; framework < view.frameworkCount; framework++) {
        const offer = lastOffer[framework]!;
        if (offer === -1) continue;
        const before = dominantShare(without(frameworkHeld, framework, offer), 0, total) / view.frameworkWeight[framework]!;
        for (let other = 0; other < view.frameworkCount; other++) {
          if (view.frameworkRole[other] !== view.frameworkRole[framework]) continue;
          expect(before).toBeLessThanOrEqual(dominantShare(frameworkHeld, other, total) / view.frameworkWeight[other]! + 1e-9);
        }
      }
    },
  );
});
