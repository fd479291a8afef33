/**
 * Goal 3's second half: committed writes through the node driver's propose(), no HTTP.
 * TODO(bench): placeholder until the in-process variant is written.
 */
import type { Scenario, ScenarioReport } from './lib/scenario.js';

export const raftDriverScenario: Scenario = {
  name: 'raft-driver',
  description: 'committed writes/s through RaftNode.propose() on a 3-replica cluster, no HTTP (goal 3)',
  run(): Promise<ScenarioReport> {
    return Promise.resolve({ tables: [], figures: { skipped: ['not written yet'] } });
  },
};
