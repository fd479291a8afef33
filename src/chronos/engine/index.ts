/**
 * Public surface of the Chronos trigger engine (the leader-only shell around
 * src/chronos/trigger): one timer over a heap of next fire instants, proposals to Raft.
 */
export { TriggerEngine, type TriggerEngineOptions, type TriggerEngineStats, type TriggerSource } from './trigger-engine.js';
export { FireHeap } from './min-heap.js';
export { LatenessRecorder, type LatenessSummary } from './lateness.js';
