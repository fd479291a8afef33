/**
 * Registry gauges for the Prometheus `/metrics` endpoint: agents, frameworks and tasks by state,
 * and cluster resources, read from the registry when scraped (nothing on the hot path).
 */
import { Gauge, type Registry } from 'prom-client';
import type { MasterContext } from '../context.js';
import { allTasks, clusterView, type ClusterView } from './cluster-view.js';
import { scalarOf } from './resource-summary.js';

export function registerRegistryGauges(registry: Registry, context: MasterContext): void {
  // One registry pass per scrape, shared by the gauges below.
  let cached: { at: number; view: ClusterView } | null = null;
  const view = (): ClusterView | null => {
    if (!context.registry) return null;
    const now = Date.now();
    if (!cached || now - cached.at > 100) cached = { at: now, view: clusterView(context.registry) };
    return cached.view;
  };

  new Gauge({
    name: 'kairos_master_agents', help: 'Agents in the registry by lifecycle state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const v = view();
      if (!v) return;
      for (const agent of [...v.agents.map((a) => a.entry), ...v.unreachableAgents, ...v.goneAgents]) this.inc({ state: agent.machine.value });
    },
  });
  new Gauge({
    name: 'kairos_master_frameworks', help: 'Frameworks in the registry by lifecycle state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const v = view();
      if (!v) return;
      for (const f of [...v.frameworks, ...v.completedFrameworks]) this.inc({ state: f.entry.machine.value });
    },
  });
  new Gauge({
    name: 'kairos_master_tasks', help: 'Tasks the registry holds by Mesos state (terminal ones while cached).', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const v = view();
      if (!v) return;
      for (const task of allTasks(v)) this.inc({ state: task.state });
    },
  });
  new Gauge({
    name: 'kairos_master_resources', help: 'Scalar resources of active agents: total and used by live tasks.', labelNames: ['resource', 'kind'], registers: [registry],
    collect() {
      this.reset();
      const v = view();
      if (!v) return;
      for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
        const active = v.agents.filter((a) => a.entry.machine.value === 'active');
        this.set({ resource: name, kind: 'total' }, active.reduce((sum, a) => sum + scalarOf(a.entry.resources, name), 0));
        this.set({ resource: name, kind: 'used' }, active.reduce((sum, a) => sum + scalarOf(a.used, name), 0));
      }
    },
  });
}
