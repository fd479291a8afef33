/**
 * The leader's offer book and the pure helpers around offers. Goal: offers never over-commit an
 * agent (offered + held + used ≤ capacity), ids are `<term>-O<n>`, holds are released exactly
 * once, refusal filters expire, and port/resource arithmetic is right. Method: hand-made cases
 * plus a fast-check property over random offer/hold/remove sequences.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { OfferBook } from '../../../src/master/leader/offers.js';
import { offerJson, updateEvent, uuidFromBytes, uuidToBytes } from '../../../src/master/leader/events.js';
import { addAmounts, amountsOf, emptyAmounts, fitsIn, subtractRanges, takePorts, toWireResources, type ResourceAmounts } from '../../../src/master/registry/resources.js';
import type { AgentEntry } from '../../../src/master/registry/types.js';
import { poolsOf } from '../../../src/master/registry/reservations.js';

const amounts = (cpus: number, mem: number, ports: Array<[number, number]> = []): ResourceAmounts => ({ cpus, mem, disk: 0, gpus: 0, ports });
const CAPACITY = amounts(4, 4096, [[31000, 31009]]);

describe('offer book', () => {
  it('names offers by term and refuses what would over-commit', () => {
    const book = new OfferBook(7);
    const used = amounts(1, 1024);
    expect(book.canOffer('a1', amounts(3, 3072), CAPACITY, used)).toBe(true);
    const offer = book.add('f1', 'a1', amounts(3, 3072, [[31000, 31004]]), 0);
    expect(offer.id).toBe('7-O1');
    expect(book.canOffer('a1', amounts(0.1, 0), CAPACITY, used)).toBe(false);
    expect(book.canOffer('a1', amounts(0, 0, [[31004, 31004]]), CAPACITY, used)).toBe(false);
    expect(book.canOffer('a1', amounts(0, 0, [[31005, 31009]]), CAPACITY, used)).toBe(true);
    expect(book.freeOnAgent('a1', CAPACITY, used)).toEqual(amounts(0, 0, [[31005, 31009]]));
    expect(book.add('f1', 'a2', amounts(1, 1), 0).id).toBe('7-O2');
  });

  it('holds accepted resources until released, once', () => {
    const book = new OfferBook(1);
    const release = book.hold('a1', amounts(2, 100));
    expect(book.committedOnAgent('a1')).toEqual(amounts(2, 100));
    release();
    release();
    expect(book.committedOnAgent('a1')).toEqual(emptyAmounts());
  });

  it('keeps refusal filters until they expire; forgetting a framework drops its offers', () => {
    const book = new OfferBook(1);
    book.refuse('f1', { agentId: 'a1', expiresAtMs: 5_000, amounts: null });
    expect(book.filtersOf('f1', 4_999)).toHaveLength(1);
    expect(book.filtersOf('f1', 5_000)).toHaveLength(0);
    book.add('f1', 'a1', amounts(1, 1), 0);
    book.add('f2', 'a1', amounts(1, 1), 0);
    book.setSuppressed('f1', true);
    expect(book.forgetFramework('f1')).toHaveLength(1);
    expect(book.isSuppressed('f1')).toBe(false);
    expect(book.all().map((o) => o.frameworkId)).toEqual(['f2']);
  });

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 3 })), { maxLength: 80 })])(
    'offered + held + used never exceeds capacity when every offer is checked first',
    (steps) => {
      const book = new OfferBook(1);
      const used = amounts(0.5, 512, [[31000, 31001]]);
      const releases: Array<() => void> = [];
      for (const [kind, size, ports] of steps) {
        const free = subtractRanges(subtractRanges(CAPACITY.ports, used.ports), book.committedOnAgent('a1').ports);
        const wanted = amounts(size / 10, size * 50, takePorts(free, ports));
        if (kind === 0 && book.canOffer('a1', wanted, CAPACITY, used)) book.add('f', 'a1', wanted, 0);
        if (kind === 1 && book.all().length > 0) {
          const offer = book.all()[0]!;
          book.remove(offer.id);
          if (size % 2 === 0) releases.push(book.hold('a1', offer.amounts));
        }
        if (kind === 2) releases.shift()?.();
        expect(fitsIn(addAmounts(used, book.committedOnAgent('a1')), CAPACITY)).toBe(true);
      }
    },
  );

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 9 })), { maxLength: 60 })])(
    'memoised committed sums and the per-framework index always match a recount',
    (steps) => {
      const book = new OfferBook(1);
      const holds: Array<{ agentId: string; pools: ReturnType<typeof poolsOf>; handle: ReturnType<OfferBook['holdPools']> }> = [];
      for (const [kind, agentBit, frameworkBit, size] of steps) {
        const agentId = `a${agentBit}`;
        const frameworkId = `f${frameworkBit}`;
        // Read first, so a stale memo would be caught by the next comparison.
        book.committedOnAgent(agentId);
        if (kind === 0) book.add(frameworkId, agentId, amounts(size, size), 0);
        if (kind === 1 && book.all().length > 0) book.remove(book.all()[size % book.all().length]!.id);
        if (kind === 2) {
          const pools = poolsOf([{ name: 'cpus', type: 'SCALAR', scalar: { value: size } }]);
          holds.push({ agentId, pools, handle: book.holdPools(agentId, pools) });
        }
        if (kind === 3 && holds.length > 0) {
          const hold = holds[size % holds.length]!;
          hold.pools = poolsOf([{ name: 'mem', type: 'SCALAR', scalar: { value: size } }]);
          hold.handle.set(hold.pools);
        }
        if (kind === 4 && holds.length > 0) holds.splice(size % holds.length, 1)[0]!.handle.release();
        for (const agent of ['a0', 'a1']) {
          let expected = emptyAmounts();
          for (const offer of book.all().filter((o) => o.agentId === agent)) expected = addAmounts(expected, offer.amounts);
          for (const hold of holds.filter((h) => h.agentId === agent)) expected = addAmounts(expected, hold.pools.unreserved);
          expect(book.committedOnAgent(agent)).toEqual(expected);
        }
        for (const framework of ['f0', 'f1']) {
          expect(book.offersOfFramework(framework).map((o) => o.id).sort()).toEqual(book.all().filter((o) => o.frameworkId === framework).map((o) => o.id).sort());
        }
      }
    },
  );
});

describe('resources and events', () => {
  it('sums Mesos resources and writes them back with a ports range', () => {
    const parsed = amountsOf([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 } },
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 10, end: 12 }, { begin: 13, end: 13 }, { begin: 20, end: 21 }] } },
    ]);
    expect(parsed).toEqual({ cpus: 2, mem: 0, disk: 0, gpus: 0, ports: [[10, 13], [20, 21]] });
    expect(takePorts(parsed.ports, 5)).toEqual([[10, 13], [20, 20]]);
    expect(subtractRanges([[10, 20]], [[12, 13], [20, 25]])).toEqual([[10, 11], [14, 19]]);
    expect(toWireResources(parsed, 'web')).toEqual([
      { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'web' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 10, end: 13 }, { begin: 20, end: 21 }] }, role: 'web' },
    ]);
  });

  it('offers carry url, hostname, agent and framework ids, allocation info', () => {
    const agent = { id: 'a1', hostname: 'node-1', httpAddress: '10.0.0.5:5051', resources: [], attributes: { rack: 'r1' } } as unknown as AgentEntry;
    const json = offerJson({ id: '3-O1', frameworkId: 'f1', agentId: 'a1', amounts: amounts(1, 64, [[31000, 31000]]), createdAtMs: 0 }, agent, '*');
    expect(json).toMatchObject({
      id: { value: '3-O1' },
      framework_id: { value: 'f1' },
      agent_id: { value: 'a1' },
      hostname: 'node-1',
      url: { scheme: 'http', address: { hostname: 'node-1', ip: '10.0.0.5', port: 5051 } },
      attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
      allocation_info: { role: '*' },
    });
    expect((json['resources'] as Array<{ name: string }>).map((r) => r.name)).toEqual(['cpus', 'mem', 'ports']);
  });

  it('UPDATE maps partition-aware states for plain frameworks and carries uuids as base64', () => {
    const event = updateEvent('t1', 'a1', { state: 'TASK_UNREACHABLE', timestampSeconds: 1, source: 'SOURCE_MASTER', uuid: 'abc' }, { user: 'u', name: 'n' });
    expect(event).toEqual({ type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_LOST', source: 'SOURCE_MASTER', agent_id: { value: 'a1' }, timestamp: 1, uuid: uuidToBytes('abc') } } });
    expect(uuidFromBytes(uuidToBytes('0f1e-ü'))).toBe('0f1e-ü');
    const aware = updateEvent('t1', 'a1', { state: 'TASK_UNREACHABLE', timestampSeconds: 1, source: 'SOURCE_MASTER' }, { user: 'u', name: 'n', capabilities: [{ type: 'PARTITION_AWARE' }] });
    expect((aware['update'] as { status: { state: string; uuid?: string } }).status).toMatchObject({ state: 'TASK_UNREACHABLE' });
    expect((aware['update'] as { status: { uuid?: string } }).status.uuid).toBeUndefined();
  });
});
