/** A LeaderSession's dependencies for unit tests: a fake Raft node, a registry and a clock. */
import { AllocatorPool } from '../../../src/allocator/pool.js';
import type { Clock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/log.js';
import { DEFAULT_ENGINE_SETTINGS, type SessionDeps } from '../../../src/master/leader/session.js';
import type { RegistryState } from '../../../src/master/registry/state.js';

/** Term 2, the inline allocator, default settings; `node` need only have what the test uses. */
export function sessionDeps(node: object, registry: RegistryState, clock: Clock): SessionDeps {
  return {
    node,
    registry,
    pool: new AllocatorPool({ mode: 'inline' }),
    clock,
    logger: silentLogger(),
    settings: DEFAULT_ENGINE_SETTINGS,
    term: 2,
    httpAddress: '127.0.0.1:1',
    version: 'test',
  } as unknown as SessionDeps;
}
