/**
 * The allocation loop keeps each agent's allocator input between cycles and rebuilds it only
 * when what it is made of changed. Every change must still show in the next cycle: a full agent
 * is not offered, it is offered again once its task ends, a half-used one is offered its free
 * half, and an outstanding offer's resources are not offered twice.
 * Method: the real AllocationLoop, RegistryState and OfferBook, the inline allocator, one agent
 * and one framework; each step changes the registry or the offer book and runs one cycle.
 */
import { describe, expect, it } from 'vitest';
import type { AllocationLoop } from '../../../src/master/leader/allocation.js';
import { OfferBook, type Offer } from '../../../src/master/leader/offers.js';
import { RegistryState } from '../../../src/master/registry/state.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { testAllocationLoop } from './allocation-helpers.js';

const resources = (cpus: number, mem: number) => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
];

function setUp(): { registry: RegistryState; offers: OfferBook; loop: AllocationLoop; delivered: Offer[]; frameworkId: string } {
  const registry = new RegistryState();
  const apply = (command: unknown): unknown => {
    const result = registry.apply(command as never);
    if (!result.ok) throw new Error(result.error);
    return result.value;
  };
  apply({ t: 'reg.agent.register', agentId: 'a1', hostname: 'h1', httpAddress: 'h1:5051', resources: resources(1, 1024), attributes: {}, nowMs: 1 });
  const { frameworkId } = apply({ t: 'reg.framework.subscribe', frameworkId: null, idPrefix: 'm', info: { user: 'u', name: 'f' }, internal: false, nowMs: 1 }) as { frameworkId: string };
  const offers = new OfferBook(1);
  const delivered: Offer[] = [];
  const loop = testAllocationLoop({
    registry,
    offers,
    clock: new ManualClock(),
    offerableFrameworks: () => [registry.framework(frameworkId)!],
    isAgentOfferable: (agent) => agent.machine.value === 'active',
    deliver: (_frameworkId, made) => void delivered.push(...made),
  });
  return { registry, offers, loop, delivered, frameworkId };
}

/** One cycle; the cpus and mem it offered (offers are then taken back, as a decline would). */
async function cycle(setup: ReturnType<typeof setUp>): Promise<{ cpus: number; mem: number } | null> {
  setup.delivered.length = 0;
  await setup.loop.once();
  const offer = setup.delivered[0];
  for (const made of setup.delivered) setup.offers.remove(made.id);
  return offer ? { cpus: offer.amounts.cpus, mem: offer.amounts.mem } : null;
}

function launch(setup: ReturnType<typeof setUp>, taskId: string, cpus: number, mem: number): void {
  const result = setup.registry.apply({
    t: 'reg.task.launch',
    tasks: [{ taskId, frameworkId: setup.frameworkId, agentId: 'a1', name: taskId, resources: resources(cpus, mem), spec: { taskId, frameworkId: setup.frameworkId, command: { shell: true, value: 'true' } } }],
    nowMs: 2,
  } as never);
  if (!result.ok) throw new Error(result.error);
}

function finish(setup: ReturnType<typeof setUp>, taskId: string): void {
  const result = setup.registry.apply({
    t: 'reg.task.status',
    agentId: 'a1',
    source: 'agent',
    update: { taskId, frameworkId: setup.frameworkId, state: 'TASK_FINISHED', uuid: `u-${taskId}`, timestampMs: 3 },
    nowMs: 3,
  } as never);
  if (!result.ok) throw new Error(result.error);
}

describe('cycles with nobody to offer to', () => {
  it('are skipped while every framework is suppressed, and run again once one revives', async () => {
    const setup = setUp();
    expect(await cycle(setup)).toEqual({ cpus: 1, mem: 1024 });
    expect(setup.loop.stats.cycles).toBe(1);
    setup.offers.setSuppressed(setup.frameworkId, true);
    expect(await cycle(setup)).toBeNull();
    expect(setup.loop.stats.cycles).toBe(1);
    setup.offers.setSuppressed(setup.frameworkId, false);
    expect(await cycle(setup)).toEqual({ cpus: 1, mem: 1024 });
    expect(setup.loop.stats.cycles).toBe(2);
  });
});

describe('allocation inputs kept between cycles', () => {
  it('follow every change of the agent’s tasks and offers', async () => {
    const setup = setUp();
    expect(await cycle(setup)).toEqual({ cpus: 1, mem: 1024 });
    // Unchanged: the same offer again.
    expect(await cycle(setup)).toEqual({ cpus: 1, mem: 1024 });

    launch(setup, 't1', 1, 1024);
    expect(await cycle(setup)).toBeNull();

    finish(setup, 't1');
    expect(await cycle(setup)).toEqual({ cpus: 1, mem: 1024 });

    launch(setup, 't2', 0.5, 256);
    expect(await cycle(setup)).toEqual({ cpus: 0.5, mem: 768 });

    // An outstanding offer holds its resources: the next cycle has nothing left to offer.
    setup.delivered.length = 0;
    await setup.loop.once();
    expect(setup.delivered).toHaveLength(1);
    setup.delivered.length = 0;
    await setup.loop.once();
    expect(setup.delivered).toHaveLength(0);
  });
});
