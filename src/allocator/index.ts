/**
 * The allocator's public surface for the master: pure policies and packing here; the Piscina
 * pool lives in ./pool.js (it is a shell and imports node modules).
 */
export { allocate, placeTasks, policyByName, POLICY_NAMES } from './allocate.js';
export { drfPolicy } from './drf.js';
export { roundRobinPolicy } from './round-robin.js';
export { priorityPolicy } from './priority.js';
export {
  offersToObjects,
  packClusterView,
  packPendingTasks,
  readVector,
  toSharedView,
  transferListOf,
  type AgentInput,
  type AttributeDictionary,
  type ClusterInput,
  type ConstraintInput,
  type FilterInput,
  type FrameworkInput,
  type OfferObject,
  type PackedCluster,
  type PendingTaskInput,
  type ReservationInput,
  type ResourceSet,
  type RoleInput,
} from './pack.js';
export * from './types.js';
