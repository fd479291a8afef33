/**
 * The real agent behind the master link: describes it for `hello`, persists the agent id and
 * the highest term in the agent's checkpoint, and carries out master commands on `Agent`.
 */
import type { Logger } from '../../lib/log.js';
import type { WireResource } from '../../protocol/messages.js';
import type { Agent } from '../agent.js';
import type { HelloBody, LinkHost, MasterCommand } from './master-link.js';
import { launchSpec, liveTasksOf, pendingHeads, reportedTasks, skippedResends } from './reports.js';

export interface AgentHostOptions {
  agent: Agent;
  hostname: string;
  httpAddress: string;
  resources: WireResource[];
  attributes: Record<string, string>;
  log: Logger;
  /** The master told this agent to shut down (its id is gone); the process should exit. */
  onShutdown(reason: string): void;
  onLaunch?(): void;
}

export class AgentHost implements LinkHost {
  constructor(private readonly options: AgentHostOptions) {}

  async describe(): Promise<HelloBody> {
    const { agent } = this.options;
    const agentId = await agent.agentId();
    return {
      ...(agentId ? { agentId } : {}),
      hostname: this.options.hostname,
      httpAddress: this.options.httpAddress,
      resources: this.options.resources,
      attributes: this.options.attributes,
      tasks: reportedTasks(agent.tasks(), pendingHeads(agent.updates.pending())),
    };
  }

  async registered(agentId: string, info: { recorded: ReadonlySet<string>; unrelayed: ReadonlySet<string> }): Promise<void> {
    const { agent } = this.options;
    if ((await agent.agentId()) !== agentId) await agent.setAgentId(agentId);
    agent.updates.resendAll(skippedResends(agent.tasks(), pendingHeads(agent.updates.pending()), info.recorded, info.unrelayed));
  }

  saveHighestTerm(term: number): Promise<void> {
    return this.options.agent.setHighestTerm(term);
  }

  async command(command: MasterCommand): Promise<void> {
    const { agent, log } = this.options;
    log.debug({ command: command.t, ...('taskId' in command ? { taskId: command.taskId } : {}), term: command.term }, 'master command');
    switch (command.t) {
      case 'runTask':
        this.options.onLaunch?.();
        // Not awaited past the checkpoint: the launch reports through status updates.
        await agent.launch(launchSpec(command.task, command.resources));
        return;
      case 'killTask':
        await agent.kill(command.taskId, command.gracePeriodMs);
        return;
      case 'ack':
        if (!(await agent.acknowledge(command.taskId, command.uuid))) log.debug({ taskId: command.taskId, uuid: command.uuid }, 'ack for an unknown or stale update');
        return;
      case 'shutdownFramework':
        log.info({ frameworkId: command.frameworkId }, 'shutting down a framework: killing its tasks');
        await Promise.all(liveTasksOf(agent.tasks(), command.frameworkId).map((taskId) => agent.kill(taskId)));
        return;
      case 'frameworkMessage':
        // No custom executors run here: the message is delivered, logged, and goes no further.
        log.info({ frameworkId: command.frameworkId, executorId: command.executorId, bytes: Buffer.from(command.data, 'base64').length, data: command.data.slice(0, 256) }, 'framework message for an executor');
        return;
      case 'shutdown':
        log.warn({ reason: command.reason }, 'the master told this agent to shut down');
        this.options.onShutdown(command.reason);
        return;
    }
  }
}
