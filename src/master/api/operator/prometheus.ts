/**
 * Registry gauges for the Prometheus `/metrics` endpoint: agents, frameworks and tasks by state,
 * and cluster resources, counted from the registry when scraped (nothing on the hot path).
 */
import { Gauge, type Registry } from 'prom-client';
import type { MasterContext } from '../context.js';
import { agentTotal } from '../../registry/reservations.js';
import { SCALARS, addToCounts, countsOf, emptyAmounts } from '../../registry/resources.js';

export function registerRegistryGauges(registry: Registry, context: MasterContext): void {
  // Counted straight from the registry tables with memoised sums: a scrape at 100,000 tasks must
  // not build the operator's cluster view (seconds of work on the leader's loop).
  new Gauge({
    name: 'kairos_master_agents', help: 'Agents in the registry by lifecycle state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const reg = context.registry;
      if (!reg) return;
      for (const [state, count] of countBy(reg.agents(), (agent) => String(agent.machine.value))) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'kairos_master_frameworks', help: 'Frameworks in the registry by lifecycle state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const reg = context.registry;
      if (!reg) return;
      for (const [state, count] of countBy(reg.frameworks(), (framework) => String(framework.machine.value))) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'kairos_master_tasks', help: 'Tasks the registry holds by Mesos state (terminal ones while cached).', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const reg = context.registry;
      if (!reg) return;
      for (const [state, count] of countBy(reg.allTasksUnordered(), (task) => task.state)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'kairos_master_resources', help: 'Scalar resources of active agents: total and used by live tasks.', labelNames: ['resource', 'kind'], registers: [registry],
    collect() {
      this.reset();
      const reg = context.registry;
      if (!reg) return;
      const total = countsOf(emptyAmounts());
      const used = countsOf(emptyAmounts());
      for (const agent of reg.agents()) {
        if (agent.machine.value !== 'active') continue;
        addToCounts(total, agentTotal(agent));
        addToCounts(used, reg.usedOnAgent(agent.id));
      }
      for (const name of SCALARS) {
        this.set({ resource: name, kind: 'total' }, total[name]);
        this.set({ resource: name, kind: 'used' }, used[name]);
      }
    },
  });
}

function countBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
