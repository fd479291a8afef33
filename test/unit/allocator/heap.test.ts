/**
 * IndexedHeap. Goal: pops come out in key order (ties by id) under any mix of push, pop,
 * remove and key updates. Method: fast-check drives random operations against a plain array
 * model that is sorted on every pop.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { IndexedHeap } from '../../../src/allocator/heap.js';

const CAPACITY = 20;
type Operation =
  | { kind: 'push'; id: number }
  | { kind: 'pop' }
  | { kind: 'remove'; id: number }
  | { kind: 'rekey'; id: number; key: number };

const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), id: fc.integer({ min: 0, max: CAPACITY - 1 }) }),
  fc.record({ kind: fc.constant('pop' as const) }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: CAPACITY - 1 }) }),
  fc.record({ kind: fc.constant('rekey' as const), id: fc.integer({ min: 0, max: CAPACITY - 1 }), key: fc.integer({ min: 0, max: 5 }) }),
);

describe('IndexedHeap', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 5 }), { minLength: CAPACITY, maxLength: CAPACITY }), fc.array(operationArb, { maxLength: 200 })])(
    'pops in (key, id) order like a sorted model',
    (initialKeys, operations) => {
      const keys = Float64Array.from(initialKeys);
      const less = (a: number, b: number): boolean => keys[a]! < keys[b]! || (keys[a] === keys[b] && a < b);
      const heap = new IndexedHeap(CAPACITY, less);
      const model = new Set<number>();
      for (const operation of operations) {
        if (operation.kind === 'push' && !model.has(operation.id)) {
          heap.push(operation.id);
          model.add(operation.id);
        } else if (operation.kind === 'pop') {
          const expected = [...model].sort((a, b) => keys[a]! - keys[b]! || a - b)[0] ?? -1;
          expect(heap.pop()).toBe(expected);
          model.delete(expected);
        } else if (operation.kind === 'remove') {
          heap.remove(operation.id);
          model.delete(operation.id);
        } else if (operation.kind === 'rekey') {
          keys[operation.id] = operation.key;
          heap.update(operation.id);
        }
        expect(heap.size).toBe(model.size);
        for (let id = 0; id < CAPACITY; id++) expect(heap.has(id)).toBe(model.has(id));
      }
    },
  );
});
