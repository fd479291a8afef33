/**
 * Packing plain objects into the typed-array view. Goal: vectors land in the right rows,
 * attributes are interned, unknown roles are rejected with a ValidationError naming the field,
 * filters without resources cover everything, and the transfer list names every buffer
 * (including nested constraint tables) exactly once. Method: small hand-written inputs.
 */
import { describe, expect, it } from 'vitest';
import {
  allocate,
  drfPolicy,
  KIND_COUNT,
  MEM,
  offersToObjects,
  packClusterView,
  packPendingTasks,
  readVector,
  toSharedView,
  transferListOf,
} from '../../../src/allocator/index.js';
import { ValidationError } from '../../../src/lib/errors.js';

describe('packClusterView', () => {
  const input = {
    agents: [
      { total: { cpus: 4, mem: 2048 }, attributes: { rack: 'r1', zone: 'a' } },
      { total: { cpus: 8, mem: 4096 }, active: false, attributes: { rack: 'r2' }, reservations: [{ role: 'db', resources: { cpus: 1 } }] },
    ],
    frameworks: [{ role: 'db', filters: [{ agent: 1, expiresAtMs: 10 }] }],
    roles: [{ name: '*' }, { name: 'db', weight: 2, quotaGuarantee: { mem: 100 } }],
  };

  it('lays vectors out row-major with stride KIND_COUNT', () => {
    const { view } = packClusterView(input);
    expect(readVector(view.agentTotal, 1)).toEqual({ cpus: 8, mem: 4096, disk: 0, gpus: 0, ports: 0 });
    expect(view.agentActive).toEqual(Uint8Array.from([1, 0]));
    expect(view.roleQuotaGuarantee[1 * KIND_COUNT + MEM]).toBe(100);
    expect(Array.from(view.reservationStart)).toEqual([0, 0, 1]);
    expect(view.reservationRole[0]).toBe(1);
  });

  it('interns attributes and leaves absent ones at -1', () => {
    const { view, dictionary } = packClusterView(input);
    const zone = dictionary.slots.get('zone')!;
    expect(view.agentAttributes[0 * view.attributeSlots + zone]).toBe(dictionary.values.get('a'));
    expect(view.agentAttributes[1 * view.attributeSlots + zone]).toBe(-1);
  });

  it('makes a filter without resources cover everything', () => {
    const { view } = packClusterView(input);
    expect(Array.from(view.filterResources)).toEqual(new Array(KIND_COUNT).fill(Infinity));
  });

  it('rejects an unknown role, naming the field', () => {
    const bad = { ...input, frameworks: [{ role: 'nope' }] };
    expect(() => packClusterView(bad)).toThrow(ValidationError);
    try {
      packClusterView(bad);
    } catch (error) {
      expect((error as ValidationError).field).toBe('frameworks[0].role');
    }
  });

  it('lists every non-empty buffer once, nested tables included', () => {
    const { view, dictionary } = packClusterView(input);
    const tasks = packPendingTasks([{ framework: 0, resources: { cpus: 1 }, constraints: [{ attribute: 'rack', operator: 'EQUALS', value: 'r1' }] }], dictionary);
    const buffers = transferListOf({ view, tasks });
    expect(new Set(buffers).size).toBe(buffers.length);
    expect(buffers).toContain(view.agentTotal.buffer);
    expect(buffers).toContain(tasks.constraints.slot.buffer);
    expect(buffers).toContain(view.frameworkConstraints.start.buffer);
  });
});

describe('toSharedView', () => {
  it('copies every array into shared memory and allocates the same', () => {
    const { view } = packClusterView({
      agents: [{ total: { cpus: 2, mem: 1024 }, attributes: { rack: 'r1' } }],
      frameworks: [{ role: '*', constraints: [{ attribute: 'rack', operator: 'EQUALS', value: 'r1' }] }],
      roles: [{ name: '*' }],
    });
    const shared = toSharedView(view);
    expect(shared.agentTotal.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.frameworkConstraints.value.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.agentTotal)).toEqual(Array.from(view.agentTotal));
    expect(transferListOf(shared)).toEqual([]);
    expect(offersToObjects(allocate(shared, drfPolicy, 0))).toEqual(offersToObjects(allocate(view, drfPolicy, 0)));
  });
});
