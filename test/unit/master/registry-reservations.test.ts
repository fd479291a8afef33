/**
 * Reservations in the registry (`reg.reserve` / `reg.unreserve`, static roles on agent resources).
 * Goal: only unreserved, unused resources can be reserved and only a role's unused dynamic
 * reservations unreserved; bad commands change nothing; reserved resources go only to tasks of
 * their role; reservations survive re-registration and snapshots; and under any command sequence
 * no pool is over-committed (reserved + unreserved use ≤ what the agent has).
 * Method: commands through `apply`, then a fast-check property over random sequences.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { agentPools, poolsFitIn, totalOfPools } from '../../../src/master/registry/reservations.js';
import { amountsOf, fitsIn } from '../../../src/master/registry/resources.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import type { WireResource } from '../../../src/protocol/messages.js';
import { T0, TestRegistry, launchRecord, scalars } from './registry-helpers.js';

function reserved(role: string, cpus: number, mem: number, principal?: string, ports?: [number, number]): WireResource[] {
  return scalars(cpus, mem, ports).map((r) => ({ ...r, role, ...(principal !== undefined ? { reservation: { principal } } : {}) }));
}

function subscribeAs(r: TestRegistry, role: string): string {
  const result = r.apply({ t: 'reg.framework.subscribe', frameworkId: null, idPrefix: 'm', info: { user: 'u', name: role, role }, internal: false, nowMs: T0 });
  if (!result.ok) throw new Error(result.error);
  return (result.value as { frameworkId: string }).frameworkId;
}

const reserve = (r: TestRegistry, resources: WireResource[], agentId = 'a1') => r.apply({ t: 'reg.reserve', agentId, resources, nowMs: T0 });
const unreserve = (r: TestRegistry, resources: WireResource[], agentId = 'a1') => r.apply({ t: 'reg.unreserve', agentId, resources, nowMs: T0 });

describe('registry: dynamic reservations', () => {
  it('reserves unreserved resources for a role, merging by role and principal', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', scalars(4, 4096, [31000, 31009]));
    expect(reserve(r, reserved('ops', 1, 512, 'alice')).ok).toBe(true);
    expect(reserve(r, reserved('ops', 0.5, 256, 'alice', [31000, 31001])).ok).toBe(true);
    const agent = r.registry.agent('a1')!;
    expect(agent.dynamicReservations).toHaveLength(1);
    expect(agent.dynamicReservations![0]).toMatchObject({ role: 'ops', principal: 'alice' });
    const pools = agentPools(agent);
    expect(pools.reserved.get('ops')).toMatchObject({ cpus: 1.5, mem: 768, ports: [[31000, 31001]] });
    expect(pools.unreserved).toMatchObject({ cpus: 2.5, mem: 3328, ports: [[31002, 31009]] });
  });

  it('rejects a reservation whole when any part is not available, naming the field', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', scalars(4, 4096));
    const before = r.snapshotBytes();
    expect(reserve(r, reserved('ops', 5, 10))).toMatchObject({ ok: false, error: expect.stringMatching(/^resources: not available/) });
    expect(reserve(r, scalars(1, 10))).toEqual({ ok: false, error: "resources[0].role: must name a role other than '*'" });
    expect(reserve(r, reserved('ops', 1, 10), 'nope')).toEqual({ ok: false, error: 'agentId: unknown agent nope' });
    expect(reserve(r, [{ name: 'gpus', type: 'RANGES', ranges: { range: [] }, role: 'x' }])).toMatchObject({ ok: false, error: 'resources[0].type: must be SCALAR' });
    expect(r.snapshotBytes()).toBe(before);
  });

  it('cannot reserve what tasks use, nor unreserve what the role uses or static reservations', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', [...scalars(2, 1024), ...reserved('web', 1, 100)]);
    const fw = subscribeAs(r, '*');
    expect(r.launch(fw, 't1', { resources: scalars(1.5, 512) }).ok).toBe(true);
    expect(reserve(r, reserved('ops', 1, 10)).ok).toBe(false);
    expect(reserve(r, reserved('ops', 0.5, 512)).ok).toBe(true);
    // The static `web` reservation cannot be unreserved; ops only what it holds.
    expect(unreserve(r, reserved('web', 1, 100))).toMatchObject({ ok: false, error: expect.stringContaining('dynamically reserved for role web') });
    expect(unreserve(r, reserved('ops', 1, 512)).ok).toBe(false);
    const ops = subscribeAs(r, 'ops');
    expect(r.launch(ops, 'o1', { resources: reserved('ops', 0.5, 256) }).ok).toBe(true);
    expect(unreserve(r, reserved('ops', 0.5, 512))).toMatchObject({ ok: false, error: expect.stringContaining('uses them') });
    expect(unreserve(r, reserved('ops', 0, 256)).ok).toBe(true);
    expect(agentPools(r.registry.agent('a1')!).reserved.get('ops')).toMatchObject({ cpus: 0.5, mem: 256 });
    r.status(ops, 'o1', 'TASK_FINISHED');
    expect(unreserve(r, reserved('ops', 0.5, 256)).ok).toBe(true);
    expect(r.registry.agent('a1')!.dynamicReservations).toBeUndefined();
  });

  it('charges launches to the pool they name: reserved only to the role, unreserved never eats a reservation', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', scalars(2, 1024));
    reserve(r, reserved('ops', 1, 512));
    const plain = subscribeAs(r, '*');
    const ops = subscribeAs(r, 'ops');
    expect(r.launch(plain, 'p1', { resources: scalars(1.5, 100) })).toMatchObject({ ok: false, error: 'tasks do not fit on agent a1' });
    expect(r.launch(plain, 'p2', { resources: reserved('ops', 0.5, 100) })).toMatchObject({ ok: false, error: expect.stringContaining('reserved for role ops') });
    expect(r.launch(ops, 'o1', { resources: reserved('ops', 1, 512) }).ok).toBe(true);
    expect(r.launch(ops, 'o2', { resources: reserved('ops', 0.1, 1) }).ok).toBe(false);
    expect(r.launch(ops, 'o3', { resources: scalars(1, 512) }).ok).toBe(true);
    expect(r.registry.usedPoolsOnAgent('a1').reserved.get('ops')).toMatchObject({ cpus: 1, mem: 512 });
  });

  it('keeps dynamic reservations across re-registration, dropping only those that no longer fit', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', scalars(4, 4096));
    reserve(r, reserved('ops', 1, 512));
    reserve(r, reserved('web', 2, 512));
    const again = (resources: WireResource[]) =>
      r.apply({ t: 'reg.agent.reregister', agentId: 'a1', hostname: 'h', httpAddress: 'x:1', resources, attributes: {}, tasks: [], nowMs: T0 + 1 });
    expect(again(scalars(4, 4096)).ok).toBe(true);
    expect(r.registry.agent('a1')!.dynamicReservations!.map((d) => d.role)).toEqual(['ops', 'web']);
    expect(again(scalars(2, 4096)).ok).toBe(true);
    expect(r.registry.agent('a1')!.dynamicReservations!.map((d) => d.role)).toEqual(['ops']);
  });

  it('round-trips reservations through a snapshot', () => {
    const r = new TestRegistry();
    r.registerAgent('a1', [...scalars(4, 4096, [31000, 31009]), ...reserved('web', 1, 1)]);
    reserve(r, reserved('ops', 1, 512, 'p', [31005, 31006]));
    const copy = new RegistryState();
    copy.restore(JSON.parse(r.snapshotBytes()));
    expect(JSON.stringify(copy.toSnapshot())).toBe(r.snapshotBytes());
    expect(agentPools(copy.agent('a1')!)).toEqual(agentPools(r.registry.agent('a1')!));
  });
});

type Step =
  | { kind: 'reserve' | 'unreserve'; role: string; cpus: number; mem: number }
  | { kind: 'launch'; role: string; fromReservation: boolean; cpus: number; mem: number }
  | { kind: 'finish'; index: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('reserve' as const, 'unreserve' as const), role: fc.constantFrom('ops', 'web'), cpus: fc.integer({ min: 0, max: 3 }), mem: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('launch' as const), role: fc.constantFrom('*', 'ops', 'web'), fromReservation: fc.boolean(), cpus: fc.integer({ min: 0, max: 3 }), mem: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('finish' as const), index: fc.nat(20) }),
);

describe('registry reservations: property', () => {
  test.prop([fc.array(stepArb, { maxLength: 40 })], { numRuns: 150 })('no pool is ever over-committed and reserved + unreserved use ≤ total', (steps) => {
    const r = new TestRegistry();
    r.registerAgent('a1', [...scalars(4, 4), ...reserved('web', 1, 1)]);
    const frameworks = new Map(['*', 'ops', 'web'].map((role) => [role, subscribeAs(r, role)]));
    const launched: Array<{ fw: string; id: string }> = [];
    for (const [n, step] of steps.entries()) {
      if (step.kind === 'reserve') reserve(r, reserved(step.role, step.cpus, step.mem));
      else if (step.kind === 'unreserve') unreserve(r, reserved(step.role, step.cpus, step.mem));
      else if (step.kind === 'launch') {
        const fw = frameworks.get(step.role)!;
        const resources = step.fromReservation && step.role !== '*' ? reserved(step.role, step.cpus, step.mem) : scalars(step.cpus, step.mem);
        if (r.apply({ t: 'reg.task.launch', tasks: [launchRecord(fw, `t${n}`, { resources })], nowMs: T0 }).ok) launched.push({ fw, id: `t${n}` });
      } else if (step.kind === 'finish' && launched.length > 0) {
        const task = launched[step.index % launched.length]!;
        r.status(task.fw, task.id, 'TASK_FINISHED');
      }
      const agent = r.registry.agent('a1')!;
      const pools = agentPools(agent);
      const total = amountsOf(agent.resources);
      expect(fitsIn(totalOfPools(pools), total)).toBe(true);
      expect(pools.unreserved.cpus).toBeGreaterThanOrEqual(-1e-9);
      expect(pools.unreserved.mem).toBeGreaterThanOrEqual(-1e-9);
      expect(poolsFitIn(r.registry.usedPoolsOnAgent('a1'), pools)).toBe(true);
    }
  });
});
