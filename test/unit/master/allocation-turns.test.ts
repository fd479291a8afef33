/**
 * A cycle's offers go out at most OFFERS_PER_EVENT per event and OFFER_SLICE_MS of that work per
 * event-loop turn, so a cycle over thousands of agents does not stall the leader; offers are not
 * made to a framework that left between turns. Method: the real AllocationLoop and registry on a
 * manual clock; each delivery advances the clock by a slice, as slow work would, and schedules
 * a marker for the next turn, so the order of deliveries and markers shows where turns fell.
 */
import { describe, expect, it } from 'vitest';
import { OFFER_SLICE_MS, OFFERS_PER_EVENT, type AllocationLoop } from '../../../src/master/leader/allocation.js';
import type { Offer } from '../../../src/master/leader/offers.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { testAllocationLoop } from './allocation-helpers.js';
import { TestRegistry } from './registry-helpers.js';

interface Setup {
  loop: AllocationLoop;
  log: string[];
  events: Array<{ frameworkId: string; offers: Offer[] }>;
  frameworkIds: string[];
  subscribed: Set<string>;
}

/** `afterEvent` runs in the delivery, before any other turn (a framework leaving, say). */
function setUp(agentCount: number, frameworkCount: number, sliceSpentPerEvent: boolean, afterEvent: (frameworks: { ids: string[]; subscribed: Set<string> }) => void = () => {}): Setup {
  const r = new TestRegistry();
  for (let i = 0; i < agentCount; i++) r.registerAgent(`a${i}`);
  const frameworkIds = Array.from({ length: frameworkCount }, () => r.subscribe());
  const subscribed = new Set(frameworkIds);
  const clock = new ManualClock();
  const log: string[] = [];
  const events: Setup['events'] = [];
  const loop = testAllocationLoop({
    registry: r.registry,
    clock,
    offerableFrameworks: () => frameworkIds.filter((id) => subscribed.has(id)).map((id) => r.registry.framework(id)!),
    deliver: (frameworkId, offers) => {
      log.push(`offers:${offers.length}`);
      events.push({ frameworkId, offers });
      if (sliceSpentPerEvent) clock.advance(OFFER_SLICE_MS);
      setImmediate(() => log.push('turn'));
      afterEvent({ ids: frameworkIds, subscribed });
    },
  });
  return { loop, log, events, frameworkIds, subscribed };
}

describe('allocation cycle delivery over turns', () => {
  it('splits one framework’s offers into events of at most OFFERS_PER_EVENT, every agent offered once', async () => {
    const agents = OFFERS_PER_EVENT * 2 + 7;
    const { loop, events } = setUp(agents, 1, false);
    await loop.once();
    expect(events.map((event) => event.offers.length)).toEqual([OFFERS_PER_EVENT, OFFERS_PER_EVENT, 7]);
    const offered = events.flatMap((event) => event.offers.map((offer) => offer.agentId));
    expect(new Set(offered).size).toBe(agents);
    loop.stop();
  });

  it('gives the event loop a turn whenever a slice is spent', async () => {
    const { loop, log } = setUp(4, 4, true);
    await loop.once();
    expect(log).toEqual(['offers:1', 'turn', 'offers:1', 'turn', 'offers:1', 'turn', 'offers:1']);
    loop.stop();
  });

  it('makes no more offers to a framework that left between turns', async () => {
    // The framework leaves right after its first event; the next event would come a turn later.
    const { loop, events } = setUp(OFFERS_PER_EVENT * 3, 1, true, ({ ids, subscribed }) => subscribed.delete(ids[0]!));
    await loop.once();
    expect(events).toHaveLength(1);
    expect(events[0]!.offers).toHaveLength(OFFERS_PER_EVENT);
    loop.stop();
  });
});
