/**
 * Prometheus metrics of an agent (`GET /metrics`, prom-client text): tasks by state, launches,
 * status updates waiting for acknowledgement, the master connection, and process metrics.
 * Values are read when scraped; only the launch counter is touched on the hot path.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskRecord } from '../types.js';

export interface AgentMetricsSource {
  tasks(): readonly TaskRecord[];
  pendingUpdates(): number;
  connected(): boolean;
  highestTerm(): number;
  registrations(): number;
  refused(): number;
}

export interface AgentMetrics {
  registry: Registry;
  launches: Counter;
}

export function createAgentMetrics(source: AgentMetricsSource): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kairos_agent_' });
  new Gauge({
    name: 'kairos_agent_tasks',
    help: 'Tasks this agent knows, by their latest state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const task of source.tasks()) counts.set(task.lastState, (counts.get(task.lastState) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('kairos_agent_status_updates_pending', 'Status updates not yet acknowledged by the master.', source.pendingUpdates);
  gauge('kairos_agent_master_connected', '1 while registered with the leading master, else 0.', () => (source.connected() ? 1 : 0));
  gauge('kairos_agent_highest_master_term', 'Highest master term seen (commands from lower terms are refused).', source.highestTerm);
  gauge('kairos_agent_registrations_total', 'Registrations and re-registrations with a master.', source.registrations);
  gauge('kairos_agent_refused_commands_total', 'Master commands refused for a stale term.', source.refused);
  const launches = new Counter({ name: 'kairos_agent_task_launches_total', help: 'runTask commands carried out.', registers: [registry] });
  return { registry, launches };
}
