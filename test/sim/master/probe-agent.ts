/**
 * A SimAgent (src/agent/sim) whose registrations and executed commands are reported to the
 * checker with their terms, before they take effect. Everything else is the real SimAgent
 * behind the real MasterLink (term fencing included).
 */
import { SimAgent, type SimAgentOptions } from '../../../src/agent/sim/sim-agent.js';
import type { MasterCommand } from '../../../src/agent/daemon/master-link.js';
import type { TaskSpec } from '../../../src/agent/types.js';

export interface AgentObserver {
  registered(agent: ProbeAgent, agentId: string, term: number): void;
  command(agent: ProbeAgent, command: MasterCommand): void;
  ranTask(agent: ProbeAgent): void;
}

export class ProbeAgent extends SimAgent {
  constructor(
    options: SimAgentOptions,
    readonly name: string,
    private readonly observer: AgentObserver,
  ) {
    super(options);
  }

  /** Control runs only: the agent also reports a task it does not run, bigger than itself. */
  phantomOf: (() => string | null) | null = null;

  override describe(): ReturnType<SimAgent['describe']> {
    const body = super.describe();
    const frameworkId = this.phantomOf?.() ?? null;
    if (frameworkId === null || body.agentId === undefined) return body;
    const huge = [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1000 } }];
    const spec = { taskId: `phantom-${this.name}`, frameworkId, command: { shell: true, value: 'sleep forever' }, limits: {} };
    return { ...body, tasks: [...body.tasks, { spec, state: 'TASK_RUNNING', resources: huge }] };
  }

  override registered(agentId: string, info: { term?: number; recorded: ReadonlySet<string> }): void {
    this.observer.registered(this, agentId, info.term ?? -1);
    super.registered(agentId, info);
  }

  override command(command: MasterCommand): void {
    this.observer.command(this, command);
    super.command(command);
    if (command.t === 'runTask') this.observer.ranTask(this);
  }
}

/** Task durations travel in the command: `sleep 1500` runs 1.5 s, `sleep forever` until killed. */
export function durationOf(spec: TaskSpec): number | null {
  const match = /^sleep (\d+)$/.exec(spec.command.value);
  return match ? Number(match[1]) : null;
}
