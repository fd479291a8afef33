/**
 * The leader's allocation loop feeds each policy what it orders by.
 * Goal: round-robin visits the agent idle longest first (an agent that just took on work goes to
 * the back) and lets frameworks take turns across cycles; the priority policy orders frameworks
 * by role priority (`--roles`), then their own `priority` label; DRF weights come from `--roles`
 * and a role's quota guarantee holds resources back from other roles. Before these inputs were
 * passed, each policy saw every agent idle since 0, every framework never offered and every
 * role at weight 1, priority 0 and no quota, so all four of these tests failed.
 * Method: the real AllocationLoop, RegistryState and OfferBook with the inline allocator; offers
 * are taken back after each cycle, as a decline without a filter would.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyName } from '../../../src/allocator/types.js';
import type { AllocationLoop } from '../../../src/master/leader/allocation.js';
import { OfferBook, type Offer } from '../../../src/master/leader/offers.js';
import type { RoleSettings } from '../../../src/master/leader/role-settings.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import type { FrameworkInfoJson } from '../../../src/master/registry/types.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { testAllocationLoop } from './allocation-helpers.js';

const resources = (cpus: number, mem: number) => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
];

interface Setup {
  registry: RegistryState;
  offers: OfferBook;
  loop: AllocationLoop;
  clock: ManualClock;
  delivered: Offer[];
  frameworkIds: string[];
}

function setUp(policy: PolicyName, agents: number, frameworks: Array<Partial<FrameworkInfoJson>>, roles: Record<string, RoleSettings> = {}, attributes: (i: number) => Record<string, string> = () => ({})): Setup {
  const registry = new RegistryState();
  const apply = (command: unknown): unknown => {
    const result = registry.apply(command as never);
    if (!result.ok) throw new Error(result.error);
    return result.value;
  };
  for (let i = 1; i <= agents; i++) {
    apply({ t: 'reg.agent.register', agentId: `a${i}`, hostname: `h${i}`, httpAddress: `h${i}:5051`, resources: resources(1, 1024), attributes: attributes(i), nowMs: 1 });
  }
  const frameworkIds = frameworks.map((info, i) => {
    const subscribed = apply({ t: 'reg.framework.subscribe', frameworkId: null, idPrefix: `m${i}`, info: { user: 'u', name: `f${i}`, ...info }, internal: false, nowMs: 1 });
    return (subscribed as { frameworkId: string }).frameworkId;
  });
  const offers = new OfferBook(1);
  const delivered: Offer[] = [];
  const clock = new ManualClock();
  const loop = testAllocationLoop({
    registry,
    offers,
    clock,
    policy,
    roles,
    offerableFrameworks: () => frameworkIds.map((id) => registry.framework(id)!),
    isAgentOfferable: (agent) => agent.machine.value === 'active',
    deliver: (_frameworkId, made) => void delivered.push(...made),
  });
  return { registry, offers, loop, clock, delivered, frameworkIds };
}

/** One cycle a second after the previous; its offers in the order made, then taken back. */
async function cycle(setup: Setup): Promise<Array<{ framework: number; agent: string; cpus: number }>> {
  setup.clock.advance(1_000);
  setup.delivered.length = 0;
  await setup.loop.once();
  const made = setup.delivered.map((offer) => ({ framework: setup.frameworkIds.indexOf(offer.frameworkId), agent: offer.agentId, cpus: offer.amounts.cpus }));
  for (const offer of setup.delivered) setup.offers.remove(offer.id);
  return made;
}

function launchOn(setup: Setup, agentId: string, taskId: string): void {
  const frameworkId = setup.frameworkIds[0]!;
  const result = setup.registry.apply({
    t: 'reg.task.launch',
    tasks: [{ taskId, frameworkId, agentId, name: taskId, resources: resources(0.5, 64), spec: { taskId, frameworkId, command: { shell: true, value: 'true' } } }],
    nowMs: setup.clock.nowMs(),
  } as never);
  if (!result.ok) throw new Error(result.error);
}

const label = (key: string, value: string) => ({ labels: { labels: [{ key, value }] } });

describe('allocation inputs from the leader', () => {
  it('round-robin: the agent idle longest comes first; one that took on work goes to the back', async () => {
    const setup = setUp('round-robin', 3, [{}]);
    expect((await cycle(setup)).map((o) => o.agent)).toEqual(['a1', 'a2', 'a3']);
    launchOn(setup, 'a1', 't1');
    expect((await cycle(setup)).map((o) => o.agent)).toEqual(['a2', 'a3', 'a1']);
    launchOn(setup, 'a2', 't2');
    expect((await cycle(setup)).map((o) => o.agent)).toEqual(['a3', 'a1', 'a2']);
    // A cycle with no new work keeps the order.
    expect((await cycle(setup)).map((o) => o.agent)).toEqual(['a3', 'a1', 'a2']);
  });

  it('round-robin: frameworks take turns across cycles (least recently offered first)', async () => {
    const setup = setUp('round-robin', 1, [{}, {}, {}]);
    const firsts: number[] = [];
    for (let i = 0; i < 6; i++) firsts.push((await cycle(setup))[0]!.framework);
    expect(firsts).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('priority: role priority first, then the framework\'s priority label', async () => {
    const setup = setUp('priority', 1, [{}, { role: 'gold' }, label('priority', '5'), { role: 'gold', ...label('priority', '1') }], { gold: { priority: 10 } });
    const firsts: number[] = [];
    for (let i = 0; i < 4; i++) firsts.push((await cycle(setup))[0]!.framework);
    // gold's two frameworks, the labelled one first; equals would take turns.
    expect(firsts).toEqual([3, 3, 3, 3]);
    const withoutRoles = setUp('priority', 1, [{}, label('priority', '5'), label('priority', 'high')]);
    expect((await cycle(withoutRoles))[0]!.framework).toBe(1);
  });

  it('priority: agents by their priority attribute, highest first', async () => {
    const setup = setUp('priority', 4, [{}], {}, (i) => (i === 1 ? {} : { priority: String([0, 0, 1, 9, 5][i]) }));
    expect((await cycle(setup)).map((o) => o.agent)).toEqual(['a3', 'a4', 'a2', 'a1']);
  });

  it('DRF: a role of weight 3 gets three times the agents; a quota guarantee holds agents back', async () => {
    const weighted = setUp('drf', 4, [{ role: 'a' }, { role: 'b' }], { b: { weight: 3 } });
    const byFramework = (made: Array<{ framework: number }>) => [0, 1].map((f) => made.filter((o) => o.framework === f).length);
    expect(byFramework(await cycle(weighted))).toEqual([1, 3]);
    const unweighted = setUp('drf', 4, [{ role: 'a' }, { role: 'b' }]);
    expect(byFramework(await cycle(unweighted))).toEqual([2, 2]);
    // Role q is guaranteed 3 cpus and has no framework yet: only one agent's cpu goes to others.
    const quota = setUp('drf', 4, [{ role: 'a' }], { q: { quota: { cpus: 3 } } });
    const made = await cycle(quota);
    expect(made.reduce((sum, o) => sum + o.cpus, 0)).toBe(1);
  });
});
