/**
 * Operator calls about agents on the leader: MARK_AGENT_GONE (mesos-api.md §6.3). The agent's
 * tasks end (TASK_GONE_BY_OPERATOR, or TASK_LOST for frameworks that are not partition-aware),
 * its offers are rescinded, it is told to shut down, and it can never register again with that
 * id. Errors: NotFoundError (404) for an unknown agent (the route checks the id is present).
 */
import { NotFoundError } from '../../lib/errors.js';
import type { LeaderSession } from './session.js';

/** What the operator routes ask of the leader about agents. */
export interface AgentOperationsPort {
  /** Resolves once the agent is recorded gone (at once if it already was). */
  markGone(agentId: string): Promise<void>;
}

export class LeaderAgentOperations implements AgentOperationsPort {
  constructor(private readonly session: LeaderSession) {}

  async markGone(agentId: string): Promise<void> {
    const agent = this.session.registry.agent(agentId);
    if (!agent || agent.machine.value === 'removed') throw new NotFoundError(`Agent '${agentId}' not found`);
    await this.session.propose({ t: 'reg.agent.markGone', agentId, nowMs: this.session.clock.nowMs() });
  }
}
