/**
 * DRF allocation cycle, hand-made cases. Goal: each rule of Mesos's hierarchical allocator
 * that Kairos keeps — shares equalise, dominant resource decides, role and framework weights,
 * quota guarantees first and their headroom, reservations only to their role, refusal filters
 * until expiry (and only while R ⊇ S), suppression, coarse-grained offers, constraints.
 * Method: pack a tiny cluster from plain objects, run one cycle, and compare who got which
 * agent with the counts worked out by hand in each test.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/lib/rng.js';
import { allocate, drfPolicy, type FrameworkInput } from '../../../src/allocator/index.js';
import { agents, cluster, countBy, frameworks, offersOf, overCommitProblems, SMALL_AGENT } from './fixtures.js';

const NOW = 1_000_000;

function offersPerFramework(view: Parameters<typeof allocate>[0], options = {}): Map<number, number> {
  const batch = allocate(view, drfPolicy, NOW, options);
  expect(overCommitProblems(view, batch)).toEqual([]);
  return countBy(offersOf(batch), (offer) => offer.frameworkIndex);
}

describe('DRF shares', () => {
  it('equalises agents across equal frameworks', () => {
    const view = cluster(agents(9), frameworks(3));
    expect(offersPerFramework(view)).toEqual(new Map([[0, 3], [1, 3], [2, 3]]));
  });

  it('gives the framework that already holds more fewer new agents', () => {
    // fw0 holds agents 0 and 1 whole: share 2/6. fw1 catches up to 2/6, then they alternate.
    const full = { allocated: SMALL_AGENT };
    const view = cluster(
      [{ total: SMALL_AGENT, ...full }, { total: SMALL_AGENT, ...full }, ...agents(4)],
      [{ role: '*', allocated: { cpus: 4, mem: 2048, disk: 8192 } }, { role: '*' }],
    );
    expect(offersPerFramework(view)).toEqual(new Map([[1, 3], [0, 1]]));
  });

  it('ranks by the dominant resource, not by cpus alone', () => {
    // fw0 holds little cpu but half the memory (dominant share 0.5); fw1 holds 30% of cpus.
    const view = cluster(agents(10, { cpus: 10, mem: 100 }), [
      { role: '*', allocated: { cpus: 1, mem: 500 } },
      { role: '*', allocated: { cpus: 30, mem: 10 } },
    ]);
    const batch = allocate(view, drfPolicy, NOW);
    // fw1 gets offers until its share (0.3 + 0.1 each) reaches 0.5: two agents, then ties go by index.
    expect(offersOf(batch).slice(0, 2).map((offer) => offer.frameworkIndex)).toEqual([1, 1]);
  });

  it('honours role weights: weight 2 gets twice the agents', () => {
    const view = cluster(agents(9), [{ role: 'a' }, { role: 'b' }], [{ name: 'a', weight: 2 }, { name: 'b' }]);
    expect(offersPerFramework(view)).toEqual(new Map([[0, 6], [1, 3]]));
  });

  it('honours framework weights inside a role', () => {
    const view = cluster(agents(12), [{ role: '*', weight: 3 }, { role: '*' }]);
    expect(offersPerFramework(view)).toEqual(new Map([[0, 9], [1, 3]]));
  });

  it('sorts roles first, then frameworks inside the role', () => {
    // Role a has 3 frameworks, role b one: b's framework gets half the agents.
    const view = cluster(agents(8), [...frameworks(3, 'a'), { role: 'b' }], [{ name: 'a' }, { name: 'b' }]);
    const counts = offersPerFramework(view);
    expect(counts.get(3)).toBe(4);
    expect((counts.get(0) ?? 0) + (counts.get(1) ?? 0) + (counts.get(2) ?? 0)).toBe(4);
  });
});

describe('DRF offers', () => {
  it('offers each agent whole to one framework (coarse-grained)', () => {
    const view = cluster(agents(5), frameworks(2));
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    expect(offers).toHaveLength(5);
    expect(new Set(offers.map((offer) => offer.agentIndex)).size).toBe(5);
    for (const offer of offers) expect(offer.resources).toEqual({ ...SMALL_AGENT, gpus: 0 });
  });

  it('offers only what is neither allocated nor already offered', () => {
    const view = cluster(
      [{ total: SMALL_AGENT, allocated: { cpus: 0.5, mem: 256 }, offered: { cpus: 0.5, mem: 256, ports: 1 } }],
      frameworks(1),
    );
    const [offer] = offersOf(allocate(view, drfPolicy, NOW));
    expect(offer?.resources).toEqual({ cpus: 1, mem: 512, disk: 4096, gpus: 0, ports: 1000 });
  });

  it('skips inactive agents and leftovers too small to allocate', () => {
    const view = cluster(
      [{ total: SMALL_AGENT, active: false }, { total: SMALL_AGENT, allocated: { cpus: 1.995, mem: 1000 } }],
      frameworks(1),
    );
    expect(allocate(view, drfPolicy, NOW).count).toBe(0);
  });

  it('gives suppressed frameworks nothing', () => {
    const view = cluster(agents(4), [{ role: '*', suppressed: true }, { role: '*' }]);
    expect(offersPerFramework(view)).toEqual(new Map([[1, 4]]));
  });

  it('respects framework offer constraints on agent attributes', () => {
    const racks = ['r1', 'r2', 'r1', 'r2'].map((rack) => ({ total: SMALL_AGENT, attributes: { rack } }));
    const picky: FrameworkInput = { role: '*', constraints: [{ attribute: 'rack', operator: 'EQUALS', value: 'r2' }] };
    const offers = offersOf(allocate(cluster(racks, [picky]), drfPolicy, NOW));
    expect(offers.map((offer) => offer.agentIndex).sort()).toEqual([1, 3]);
  });

  it('is deterministic for a seed, and the seed changes the agent order', () => {
    const view = cluster(agents(50), frameworks(7));
    const run = (seed: number): number[] =>
      offersOf(allocate(view, drfPolicy, NOW, { rng: new SeededRng(seed) })).map((offer) => offer.agentIndex);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('DRF refusal filters', () => {
  const declined = (expiresAtMs: number, resources?: { cpus: number }): FrameworkInput => ({
    role: '*',
    filters: [{ agent: 0, expiresAtMs, ...(resources === undefined ? {} : { resources }) }],
  });

  it('does not re-offer a declined agent before the filter expires', () => {
    const view = cluster(agents(1), [declined(NOW + 5000)]);
    expect(allocate(view, drfPolicy, NOW).count).toBe(0);
    expect(allocate(view, drfPolicy, NOW + 4999).count).toBe(0);
    expect(allocate(view, drfPolicy, NOW + 5000).count).toBe(1);
  });

  it('passes the declined agent to the next framework meanwhile', () => {
    const view = cluster(agents(1), [declined(NOW + 5000), { role: '*' }]);
    expect(offersOf(allocate(view, drfPolicy, NOW)).map((offer) => offer.frameworkIndex)).toEqual([1]);
  });

  it('offers again when more is free than was declined (R does not cover S)', () => {
    const view = cluster(agents(1), [{ ...declined(NOW + 5000, { cpus: 1 }) }]);
    expect(allocate(view, drfPolicy, NOW).count).toBe(1);
  });
});

describe('DRF reservations', () => {
  const reservedAgent = {
    total: SMALL_AGENT,
    reservations: [{ role: 'db', resources: { cpus: 1, mem: 512 } }],
  };

  it('offers a reservation only to its role and the rest to anyone', () => {
    const view = cluster([reservedAgent], [{ role: '*' }, { role: 'db' }], [{ name: '*' }, { name: 'db' }]);
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    const star = offers.find((offer) => offer.frameworkIndex === 0);
    const db = offers.find((offer) => offer.frameworkIndex === 1);
    expect(star?.resources).toMatchObject({ cpus: 1, mem: 512 });
    expect(star?.reserved).toMatchObject({ cpus: 0, mem: 0 });
    expect(db?.reserved).toMatchObject({ cpus: 1, mem: 512 });
    expect(db?.resources).toMatchObject({ cpus: 1, mem: 512 });
  });

  it('never offers reserved resources to other roles', () => {
    const view = cluster([reservedAgent], frameworks(2), [{ name: '*' }, { name: 'db' }]);
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    expect(offers).toHaveLength(1);
    expect(offers[0]?.resources).toMatchObject({ cpus: 1, mem: 512 });
  });

  it('gives the role both its reservation and unreserved when it sorts first', () => {
    const view = cluster([reservedAgent], [{ role: 'db' }], [{ name: '*' }, { name: 'db' }]);
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    expect(offers).toHaveLength(1);
    expect(offers[0]?.resources).toMatchObject({ cpus: 2, mem: 1024 });
    expect(offers[0]?.reserved).toMatchObject({ cpus: 1, mem: 512 });
  });
});

describe('DRF quota', () => {
  const roles = [{ name: 'big', weight: 100 }, { name: 'q', quotaGuarantee: { cpus: 6 } }];

  it('satisfies quota guarantees before fair share', () => {
    // Role big (weight 100) would win every agent on fair share; q has 2 of 6 guaranteed cpus
    // already (agent 5), so stage 1 must give it 4 more cpus: two agents.
    const busy = { total: SMALL_AGENT, allocated: SMALL_AGENT };
    const view = cluster([...agents(5), busy], [{ role: 'big' }, { role: 'q', allocated: SMALL_AGENT }], roles);
    expect(offersPerFramework(view)).toEqual(new Map([[1, 2], [0, 3]]));
  });

  it('keeps the headroom for an unmet guarantee even when its role cannot use it now', () => {
    const view = cluster(agents(5), [{ role: 'big' }, { role: 'q', suppressed: true }], roles);
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    const cpus = offers.reduce((sum, offer) => sum + offer.resources.cpus, 0);
    expect(cpus).toBe(4); // 10 cpus free, 6 held back for q
  });

  it('chops an agent to the unmet guarantee and offers the rest in stage 2', () => {
    const view = cluster(agents(1), [{ role: 'big' }, { role: 'q' }], [
      { name: 'big', weight: 100 },
      { name: 'q', quotaGuarantee: { cpus: 0.5 } },
    ]);
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    expect(offers.find((offer) => offer.frameworkIndex === 1)?.resources.cpus).toBe(0.5);
    expect(offers.find((offer) => offer.frameworkIndex === 0)?.resources.cpus).toBe(1.5);
  });

  it('counts a role reservation as consumed quota', () => {
    const reserved = { total: SMALL_AGENT, reservations: [{ role: 'q', resources: { cpus: 2, mem: 1024 } }] };
    const view = cluster([reserved, ...agents(2)], [{ role: 'big' }], [
      { name: 'big', weight: 100 },
      { name: 'q', quotaGuarantee: { cpus: 2 } },
    ]);
    // q's guarantee is met by its reservation: big may take both unreserved agents.
    expect(offersPerFramework(view)).toEqual(new Map([[0, 2]]));
  });
});

describe('DRF cycles in sequence (Mesos LargeAndSmallQuota shape)', () => {
  it('offers everything in the first cycle and nothing in the second once offers are outstanding', () => {
    // 25 small-quota roles (1 cpu, 1 GB) and 5 large (4 cpus, 4 GB), one framework each, on
    // 25/5 + 5×5 = 30 agents of cpus:2;mem:2048;disk:2048.
    const roles = [
      ...Array.from({ length: 25 }, (_unused, index) => ({ name: `small-${index}`, quotaGuarantee: { cpus: 1, mem: 1024 } })),
      ...Array.from({ length: 5 }, (_unused, index) => ({ name: `large-${index}`, quotaGuarantee: { cpus: 4, mem: 4096 } })),
    ];
    const agentList = agents(30, { cpus: 2, mem: 2048, disk: 2048 });
    const frameworkList = roles.map((role) => ({ role: role.name }));
    const first = offersOf(allocate(cluster(agentList, frameworkList, roles), drfPolicy, NOW, { rng: new SeededRng(3) }));
    const offeredCpus = first.reduce((sum, offer) => sum + offer.resources.cpus, 0);
    expect(offeredCpus).toBe(60);
    const offeredOn = (agent: number): { cpus: number; mem: number; disk: number } => {
      const sum = { cpus: 0, mem: 0, disk: 0 };
      for (const offer of first.filter((candidate) => candidate.agentIndex === agent)) {
        sum.cpus += offer.resources.cpus;
        sum.mem += offer.resources.mem;
        sum.disk += offer.resources.disk;
      }
      return sum;
    };
    const heldBy = (framework: number): { cpus: number; mem: number } => {
      const sum = { cpus: 0, mem: 0 };
      for (const offer of first.filter((candidate) => candidate.frameworkIndex === framework)) {
        sum.cpus += offer.resources.cpus;
        sum.mem += offer.resources.mem;
      }
      return sum;
    };
    // Every quota role got at least its guarantee.
    roles.forEach((role, index) => expect(heldBy(index).cpus).toBeGreaterThanOrEqual(role.quotaGuarantee.cpus));
    const second = cluster(
      agentList.map((agent, index) => ({ ...agent, offered: offeredOn(index) })),
      frameworkList.map((framework, index) => ({ ...framework, allocated: heldBy(index) })),
      roles,
    );
    expect(allocate(second, drfPolicy, NOW).count).toBe(0);
  });
});

describe('DRF quota chopping', () => {
  it('chops one agent among several quota roles in stage 1', () => {
    // One agent of 2 cpus, three roles each guaranteed 0.5 cpu, and a heavy non-quota role that
    // would win the whole agent on fair share.
    const roles = [
      { name: 'big', weight: 100 },
      ...['q0', 'q1', 'q2'].map((name) => ({ name, quotaGuarantee: { cpus: 0.5 } })),
    ];
    const view = cluster(agents(1), [{ role: 'big' }, { role: 'q0' }, { role: 'q1' }, { role: 'q2' }], roles);
    const offers = offersOf(allocate(view, drfPolicy, NOW));
    for (const framework of [1, 2, 3]) {
      expect(offers.find((offer) => offer.frameworkIndex === framework)?.resources.cpus).toBe(0.5);
    }
    expect(overCommitProblems(view, allocate(view, drfPolicy, NOW))).toEqual([]);
  });
});
