/**
 * Reservations on the leader: the ACCEPT plan and the allocation loop.
 * Goal: RESERVE then LAUNCH on the new reservation works in one ACCEPT; invalid RESERVE /
 * UNRESERVE operations are dropped while the rest goes on; reserved resources are offered only
 * to frameworks of their role, in the Mesos JSON shape (role, reservations[], allocation_info);
 * no offer over-commits a pool.
 * Method: the pure planner over hand-made offers; the real AllocationLoop with the inline
 * allocator over a real RegistryState and OfferBook.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/lib/clock.js';
import { planAccept } from '../../../src/master/leader/accept-plan.js';
import { offerResourcesJson } from '../../../src/master/leader/offer-resources.js';
import { OfferBook, offerPools, type Offer } from '../../../src/master/leader/offers.js';
import { agentPools, poolsOf, type Pools } from '../../../src/master/registry/reservations.js';
import { amountsOf } from '../../../src/master/registry/resources.js';
import type { FrameworkEntry } from '../../../src/master/registry/types.js';
import type { WireResource } from '../../../src/protocol/messages.js';
import { testAllocationLoop } from './allocation-helpers.js';
import { T0, TestRegistry, scalars } from './registry-helpers.js';

const reserved = (role: string, cpus: number, mem: number): WireResource[] => scalars(cpus, mem).map((r) => ({ ...r, role }));

function framework(role: string, principal?: string): FrameworkEntry {
  return { id: `fw-${role}`, info: { user: 'u', name: role, role, ...(principal ? { principal } : {}) }, registeredAtMs: T0, machine: { value: 'subscribed', context: {} } } as unknown as FrameworkEntry;
}

function task(id: string, resources: WireResource[]): Record<string, unknown> {
  return { name: id, task_id: { value: id }, resources, command: { value: 'true' } };
}

const launch = (...tasks: Array<Record<string, unknown>>) => ({ type: 'LAUNCH', launch: { task_infos: tasks } });
const reserveOp = (resources: WireResource[]) => ({ type: 'RESERVE', reserve: { resources } });
const unreserveOp = (resources: WireResource[]) => ({ type: 'UNRESERVE', unreserve: { resources } });

function plan(operations: Array<Record<string, unknown>>, offered: Pools, fw = framework('ops', 'alice')) {
  return planAccept({ operations, offered, framework: fw, agentId: 'a1', agent: undefined, isLiveTask: () => false });
}

describe('ACCEPT plan', () => {
  it('RESERVE then LAUNCH on the new reservation in one call, steps in order', () => {
    const result = plan([reserveOp(reserved('ops', 1, 256)), launch(task('t1', reserved('ops', 1, 256)), task('t2', scalars(0.5, 64)))], poolsOf(scalars(2, 512)));
    expect(result.taskErrors).toEqual([]);
    expect(result.dropped).toEqual([]);
    expect(result.steps.map((s) => s.step.kind)).toEqual(['reserve', 'launch']);
    const reserveStep = result.steps[0]!.step as { resources: WireResource[] };
    // The framework's principal is filled in.
    expect(reserveStep.resources.every((r) => r.role === 'ops' && r.reservation?.principal === 'alice')).toBe(true);
    // While the reservation is in flight both sides are held.
    expect(result.steps[0]!.during.unreserved.cpus).toBe(2);
    expect(result.steps[0]!.during.reserved.get('ops')!.cpus).toBe(1);
    expect(result.remaining.unreserved).toMatchObject({ cpus: 0.5, mem: 192 });
    expect(result.remaining.reserved.get('ops')).toMatchObject({ cpus: 0, mem: 0 });
  });

  it('drops an invalid RESERVE (not in the offer, another role, foreign principal) and goes on', () => {
    const result = plan(
      [
        reserveOp(reserved('ops', 5, 1)),
        reserveOp(reserved('web', 1, 1)),
        reserveOp(reserved('ops', 1, 1).map((r) => ({ ...r, reservation: { principal: 'mallory' } }))),
        { type: 'CREATE', create: { volumes: [] } },
        launch(task('t1', reserved('ops', 1, 1)), task('t2', scalars(1, 1))),
      ],
      poolsOf(scalars(2, 512)),
    );
    expect(result.dropped.map((d) => [d.index, d.type])).toEqual([[0, 'RESERVE'], [1, 'RESERVE'], [2, 'RESERVE'], [3, 'CREATE']]);
    expect(result.dropped[0]!.message).toContain('not among the unreserved resources');
    // t1 needed the reservation that was dropped.
    expect(result.taskErrors).toEqual([{ taskId: 't1', message: 'Task uses more resources than offered' }]);
    expect(result.steps).toHaveLength(1);
    expect((result.steps[0]!.step as { launches: Array<{ taskId: string }> }).launches.map((l) => l.taskId)).toEqual(['t2']);
  });

  it('UNRESERVE takes only offered dynamic reservations of the role; a role-* framework cannot reserve', () => {
    const offered = poolsOf([...scalars(1, 100), ...reserved('ops', 1, 100)]);
    const withDynamic = { id: 'a1', resources: scalars(2, 200), dynamicReservations: [{ role: 'ops', resources: reserved('ops', 1, 100) }] } as never;
    const ok = planAccept({ operations: [unreserveOp(reserved('ops', 1, 100)), launch(task('t', scalars(2, 200)))], offered, framework: framework('ops'), agentId: 'a1', agent: withDynamic, isLiveTask: () => false });
    expect(ok.dropped).toEqual([]);
    expect(ok.taskErrors).toEqual([]);
    expect(ok.steps.map((s) => s.step.kind)).toEqual(['unreserve', 'launch']);
    const staticOnly = planAccept({ operations: [unreserveOp(reserved('ops', 1, 100))], offered, framework: framework('ops'), agentId: 'a1', agent: { id: 'a1', resources: [] } as never, isLiveTask: () => false });
    expect(staticOnly.dropped[0]!.message).toContain('only dynamic reservations');
    expect(plan([reserveOp(reserved('*', 1, 1))], offered, framework('*')).dropped[0]!.message).toContain("role '*' cannot reserve");
  });

  it('refuses a task using another role\'s reservation', () => {
    const result = plan([launch(task('t', reserved('web', 1, 1)))], poolsOf([...scalars(1, 1), ...reserved('web', 1, 1)]));
    expect(result.taskErrors[0]!.message).toContain('reserved for role web');
  });
});

const clock: Clock = { nowMs: () => T0, monotonicMs: () => 0, setTimer: () => ({ cancel: () => undefined }) } as unknown as Clock;

async function offersAfterCycle(r: TestRegistry, frameworks: FrameworkEntry[], book = new OfferBook(1)): Promise<Map<string, Offer[]>> {
  const delivered = new Map<string, Offer[]>();
  const loop = testAllocationLoop({
    registry: r.registry,
    offers: book,
    clock,
    offerableFrameworks: () => frameworks,
    deliver: (id, offers) => delivered.set(id, [...(delivered.get(id) ?? []), ...offers]),
  });
  await loop.once();
  return delivered;
}

describe('allocation with reservations', () => {
  it('offers reserved resources only to their role, in the Mesos JSON shape', async () => {
    const r = new TestRegistry();
    r.registerAgent('a1', [...scalars(4, 4096), ...reserved('web', 1, 128)]);
    expect(r.apply({ t: 'reg.reserve', agentId: 'a1', resources: reserved('ops', 2, 1024).map((x) => ({ ...x, reservation: { principal: 'alice' } })), nowMs: T0 }).ok).toBe(true);
    const plain = framework('*');
    const ops = framework('ops');
    // Only the role-* framework: it gets the unreserved pool and nothing reserved.
    const first = await offersAfterCycle(r, [plain]);
    const plainOffer = first.get(plain.id)![0]!;
    expect(offerPools(plainOffer).reserved.size).toBe(0);
    expect(plainOffer.amounts).toMatchObject({ cpus: 2, mem: 3072 });
    // The ops framework gets its reservation (and the unreserved pool when nobody else wants it).
    const second = await offersAfterCycle(r, [ops]);
    const opsOffer = second.get(ops.id)![0]!;
    expect(offerPools(opsOffer).reserved.get('ops')).toMatchObject({ cpus: 2, mem: 1024 });
    const json = offerResourcesJson(opsOffer, r.registry.agent('a1'), 'ops');
    expect(json.filter((x) => x.role === 'ops')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'ops', reservation: { principal: 'alice' }, reservations: [{ type: 'DYNAMIC', role: 'ops', principal: 'alice' }], allocation_info: { role: 'ops' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: 'ops', reservation: { principal: 'alice' }, reservations: [{ type: 'DYNAMIC', role: 'ops', principal: 'alice' }], allocation_info: { role: 'ops' } },
    ]);
    expect(json.some((x) => x.role === 'web')).toBe(false);
    expect(json.filter((x) => x.role === '*').every((x) => x.allocation_info?.role === 'ops')).toBe(true);
  });

  it('never offers more of a pool than is free next to tasks and outstanding offers', async () => {
    const r = new TestRegistry();
    r.registerAgent('a1', scalars(2, 1024));
    r.apply({ t: 'reg.reserve', agentId: 'a1', resources: reserved('ops', 1, 512), nowMs: T0 });
    const result = r.apply({ t: 'reg.framework.subscribe', frameworkId: null, idPrefix: 'm', info: { user: 'u', name: 'ops', role: 'ops' }, internal: false, nowMs: T0 });
    const opsId = (result.value as { frameworkId: string }).frameworkId;
    r.launch(opsId, 'busy', { resources: reserved('ops', 0.75, 100) });
    const ops = r.registry.framework(opsId)!;
    const book = new OfferBook(1);
    const first = await offersAfterCycle(r, [ops], book);
    expect(offerPools(first.get(opsId)![0]!).reserved.get('ops')).toMatchObject({ cpus: 0.25, mem: 412 });
    // Everything is now offered: a second cycle offers nothing.
    const again = await offersAfterCycle(r, [ops], book);
    expect(again.size).toBe(0);
    const capacity = agentPools(r.registry.agent('a1')!);
    const committed = book.committedPoolsOnAgent('a1');
    const used = r.registry.usedPoolsOnAgent('a1');
    expect(committed.reserved.get('ops')!.cpus + used.reserved.get('ops')!.cpus).toBeLessThanOrEqual(capacity.reserved.get('ops')!.cpus + 1e-9);
    expect(amountsOf(r.registry.agent('a1')!.resources).cpus).toBe(2);
  });
});

describe('reservation JSON', () => {
  it('reads the reservation role and principal from pre-refinement and refinement resources', async () => {
    const { wireResourcesOf } = await import('../../../src/master/leader/task-info.js');
    expect(wireResourcesOf([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'ops', reservation: { principal: 'p' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'q' }], allocation_info: { role: 'web' } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 3 }, role: '*', allocation_info: null },
    ])).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'ops', reservation: { principal: 'p' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 2 }, role: 'web', reservation: { principal: 'q' } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 3 } },
    ]);
  });

  it('shows an agent\'s unreserved resources less its dynamic reservations, then each reservation', async () => {
    const { agentResourcesJson } = await import('../../../src/master/registry/reservations.js');
    const r = new TestRegistry();
    r.registerAgent('a1', [...scalars(4, 1024), ...reserved('web', 1, 0).slice(0, 1)]);
    r.apply({ t: 'reg.reserve', agentId: 'a1', resources: reserved('ops', 1, 256).map((x) => ({ ...x, reservation: { principal: 'p' } })), nowMs: T0 });
    const json = agentResourcesJson(r.registry.agent('a1')!);
    expect(json.filter((x) => x.role === '*').map((x) => [x.name, x.scalar?.value])).toEqual([['cpus', 3], ['mem', 768]]);
    expect(json.filter((x) => x.role === 'web').map((x) => x.reservations)).toEqual([[{ type: 'STATIC', role: 'web' }]]);
    expect(json.filter((x) => x.role === 'ops').map((x) => x.reservations![0]!.principal)).toEqual(['p', 'p']);
  });
});
