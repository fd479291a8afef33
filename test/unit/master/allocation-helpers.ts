/**
 * The allocation loop as the unit tests build it: an inline pool (no worker threads), DRF, a
 * silent logger, a fresh offer book and an interval long enough never to fire by itself. Each
 * test gives the registry, clock, frameworks and delivery it is about, and may override the rest.
 */
import { AllocatorPool } from '../../../src/allocator/pool.js';
import { silentLogger } from '../../../src/lib/log.js';
import { AllocationLoop, type AllocationHost } from '../../../src/master/leader/allocation.js';
import { OfferBook } from '../../../src/master/leader/offers.js';

export function testAllocationLoop(host: Pick<AllocationHost, 'registry' | 'clock' | 'offerableFrameworks' | 'deliver'> & Partial<AllocationHost>): AllocationLoop {
  return new AllocationLoop({
    offers: new OfferBook(1),
    pool: new AllocatorPool({ mode: 'inline' }),
    policy: 'drf',
    logger: silentLogger(),
    intervalMs: 60_000,
    isAgentOfferable: () => true,
    ...host,
  });
}
