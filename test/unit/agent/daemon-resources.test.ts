/**
 * Mesos resource and attribute strings.
 * Goal: the documented forms parse (scalars, ranges, sets, roles), defaults fill only what is
 * missing, bad input is a ValidationError naming the entry, and formatting round-trips.
 * Method: examples plus fast-check properties over generated resource lists.
 */
import { test, fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatResources, parseAttributes, parseResources, withDefaults } from '../../../src/agent/daemon/resources.js';
import { ValidationError } from '../../../src/lib/errors.js';
import type { WireResource } from '../../../src/protocol/messages.js';

describe('parseResources', () => {
  it('parses the brief\'s example', () => {
    expect(parseResources('cpus:4;mem:8192;disk:20000;ports:[31000-32000]')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 20000 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
    ]);
  });

  it('parses roles, several ranges (sorted), single ports and sets', () => {
    expect(parseResources(' cpus(web):0.5 ; ports:[40-45, 10-20,33] ; zones:{a,b}')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: 'web' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 10, end: 20 }, { begin: 33, end: 33 }, { begin: 40, end: 45 }] } },
      { name: 'zones', type: 'SET', set: { item: ['a', 'b'] } },
    ]);
    expect(parseResources('cpus(*):2')).toEqual([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }]);
    expect(parseResources('')).toEqual([]);
  });

  it.each([
    ['cpus', /not name:value/],
    ['cpus:four', /not a number/],
    ['ports:[5-3]', /ends before it begins/],
    ['ports:[1-5,5-9]', /overlap/],
    ['ports:[1-5', /unclosed/],
    ['s:{a,a}', /repeats/],
    ['cpus:1;cpus:2', /appears twice/],
    ['9cpus:1', /invalid resource name/],
    ['cpus(a b):1', /invalid role/],
  ])('refuses %s', (text, message) => {
    expect(() => parseResources(text)).toThrow(ValidationError);
    expect(() => parseResources(text)).toThrow(message);
  });

  const resourceArb: fc.Arbitrary<WireResource> = fc.oneof(
    fc.record({ name: fc.constantFrom('cpus', 'mem', 'disk', 'gpus'), value: fc.integer({ min: 0, max: 1_000_000 }) }).map(({ name, value }) => ({ name, type: 'SCALAR' as const, scalar: { value } })),
    fc.uniqueArray(fc.integer({ min: 0, max: 60_000 }), { minLength: 2, maxLength: 8 }).map((points) => {
      const sorted = [...points].sort((a, b) => a - b);
      const range = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) range.push({ begin: sorted[i]!, end: sorted[i + 1]! });
      return { name: 'ports', type: 'RANGES' as const, ranges: { range } };
    }),
  );

  test.prop([fc.uniqueArray(resourceArb, { selector: (r) => r.name, maxLength: 5 })])('format then parse is the identity', (resources) => {
    expect(parseResources(formatResources(resources))).toEqual(resources);
  });

  test.prop([fc.string({ maxLength: 40 })])('any input either parses or is a ValidationError', (text) => {
    try {
      parseResources(text);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
    }
  });
});

describe('withDefaults', () => {
  const defaults = { cpus: 8, memMb: 4000, diskMb: 9000 };
  it('fills only what is missing', () => {
    const filled = withDefaults(parseResources('cpus:2'), defaults);
    expect(formatResources(filled)).toBe('cpus:2;mem:4000;disk:9000;ports:[31000-32000]');
    expect(formatResources(withDefaults([], defaults))).toBe('cpus:8;mem:4000;disk:9000;ports:[31000-32000]');
  });
});

describe('parseAttributes', () => {
  it('parses key:value pairs', () => {
    expect(parseAttributes('rack:r1;zone:a')).toEqual({ rack: 'r1', zone: 'a' });
    expect(parseAttributes('url:http://x')).toEqual({ url: 'http://x' });
    expect(parseAttributes('')).toEqual({});
  });
  it.each(['rack', 'rack:', 'rack:a;rack:b', ':a'])('refuses %s', (text) => {
    expect(() => parseAttributes(text)).toThrow(ValidationError);
  });
});
