import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { constraintsHold, packRuns, type PackOffer, type PackRun } from '../../../../src/chronos/runner/packing.js';
import { packOfferOf } from '../../../../src/chronos/runner/task-info.js';

const offer = (id: string, cpus: number, mem: number, extra: Partial<PackOffer> = {}): PackOffer => ({
  id,
  agentId: `agent-${id}`,
  hostname: `host-${id}`,
  cpus,
  mem,
  disk: 1000,
  attributes: [],
  ...extra,
});
const run = (key: string, cpus: number, mem: number, extra: Partial<PackRun> = {}): PackRun => ({
  key,
  cpus,
  mem,
  disk: 10,
  constraints: [],
  highPriority: false,
  order: 0,
  ...extra,
});

describe('packing runs into offers', () => {
  it('puts several runs into one offer while it has room, and declines unused offers', () => {
    const result = packRuns([run('a', 1, 100, { order: 1 }), run('b', 1, 100, { order: 2 }), run('c', 1, 100, { order: 3 })], [offer('o1', 2, 1000), offer('o2', 0.5, 1000)]);
    expect(result.placements).toEqual([
      { runKey: 'a', offerId: 'o1' },
      { runKey: 'b', offerId: 'o1' },
    ]);
    expect(result.unused).toEqual(['o2']);
  });

  it('serves high priority first and does not block the queue behind a run that fits nowhere', () => {
    const result = packRuns(
      [run('big', 8, 100, { order: 1 }), run('normal', 1, 100, { order: 2 }), run('urgent', 1, 100, { order: 3, highPriority: true })],
      [offer('o1', 1, 1000)],
    );
    expect(result.placements).toEqual([{ runKey: 'urgent', offerId: 'o1' }]);
    const second = packRuns([run('big', 8, 100, { order: 1 }), run('normal', 1, 100, { order: 2 })], [offer('o1', 1, 1000)]);
    expect(second.placements).toEqual([{ runKey: 'normal', offerId: 'o1' }]);
  });

  it('honours EQUALS / LIKE / UNLIKE on attributes and a synthesised hostname', () => {
    const rack = { name: 'rack', type: 'TEXT', text: { value: 'r1' } };
    const gpus = { name: 'gpus', type: 'SCALAR', scalar: { value: 2 } };
    const o = { hostname: 'node-7', attributes: [rack, gpus] };
    expect(constraintsHold([{ attribute: 'rack', operator: 'EQUALS', value: 'r1' }], o)).toBe(true);
    expect(constraintsHold([{ attribute: 'rack', operator: 'EQUALS', value: 'r' }], o)).toBe(false);
    expect(constraintsHold([{ attribute: 'hostname', operator: 'LIKE', value: 'node-[0-9]+' }], o)).toBe(true);
    expect(constraintsHold([{ attribute: 'hostname', operator: 'LIKE', value: 'node' }], o)).toBe(false);
    expect(constraintsHold([{ attribute: 'gpus', operator: 'LIKE', value: '2' }], o)).toBe(true);
    expect(constraintsHold([{ attribute: 'gpus', operator: 'EQUALS', value: '2' }], o)).toBe(false);
    expect(constraintsHold([{ attribute: 'rack', operator: 'UNLIKE', value: 'r2' }], o)).toBe(true);
    expect(constraintsHold([{ attribute: 'zone', operator: 'UNLIKE', value: 'z1' }], o)).toBe(false);
    const placed = packRuns([run('x', 1, 1, { constraints: [{ attribute: 'rack', operator: 'EQUALS', value: 'r1' }] })], [offer('o1', 4, 100), offer('o2', 4, 100, { attributes: [rack] })]);
    expect(placed.placements).toEqual([{ runKey: 'x', offerId: 'o2' }]);
  });

  it('reads cpus/mem/disk from Mesos offer JSON', () => {
    const view = packOfferOf({
      id: { value: 'O1' },
      agent_id: { value: 'A1' },
      hostname: 'h',
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
        { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'r' },
        { name: 'mem', type: 'SCALAR', scalar: { value: 512 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } },
      ],
    });
    expect(view).toMatchObject({ id: 'O1', agentId: 'A1', hostname: 'h', cpus: 3, mem: 512, disk: 0 });
  });

  test.prop([
    fc.array(fc.record({ cpus: fc.double({ min: 0, max: 4, noNaN: true }), mem: fc.integer({ min: 0, max: 2000 }) }), { maxLength: 20 }),
    fc.array(fc.record({ cpus: fc.double({ min: 0, max: 8, noNaN: true }), mem: fc.integer({ min: 0, max: 4000 }) }), { maxLength: 5 }),
  ])('never over-commits an offer and places each run at most once', (runs, offers) => {
    const packRunsIn = runs.map((r, i) => run(`r${i}`, r.cpus, r.mem, { order: i }));
    const offersIn = offers.map((o, i) => offer(`o${i}`, o.cpus, o.mem));
    const result = packRuns(packRunsIn, offersIn);
    const keys = result.placements.map((p) => p.runKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of offersIn) {
      const placed = result.placements.filter((p) => p.offerId === o.id).map((p) => packRunsIn.find((r) => r.key === p.runKey)!);
      expect(placed.reduce((s, r) => s + r.cpus, 0)).toBeLessThanOrEqual(o.cpus + 1e-6);
      expect(placed.reduce((s, r) => s + r.mem, 0)).toBeLessThanOrEqual(o.mem + 1e-6);
      expect(result.unused.includes(o.id)).toBe(placed.length === 0);
    }
  });
});
