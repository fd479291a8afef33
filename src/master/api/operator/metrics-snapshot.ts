/**
 * `/metrics/snapshot`: Mesos's flat `name → number` object (mesos-api.md §6.3, docs/monitoring.md),
 * the master keys derived from the registry. Counters Mesos keeps in memory since start
 * (messages, registrations) are not tracked; terminal task counts are what the registry still
 * holds (its completed-task cache is bounded). Pure.
 */
import { TASK_STATE_NAMES } from '../../../actors/task-state.js';
import { allTasks, isActiveAgent, isConnectedFramework, type ClusterView, type MasterFacts } from './cluster-view.js';
import { scalarOf } from './resource-summary.js';

const SCALARS = ['cpus', 'mem', 'disk', 'gpus'] as const;

export function metricsSnapshot(view: ClusterView, facts: MasterFacts): Record<string, number> {
  const out: Record<string, number> = {};
  out['master/elected'] = facts.elected ? 1 : 0;
  out['master/uptime_secs'] = Math.max(0, (facts.nowMs - facts.startedAtMs) / 1000);

  const active = view.agents.filter((a) => isActiveAgent(a.entry));
  for (const name of SCALARS) {
    const total = active.reduce((sum, a) => sum + scalarOf(a.entry.resources, name), 0);
    const used = active.reduce((sum, a) => sum + scalarOf(a.used, name), 0);
    out[`master/${name}_total`] = total;
    out[`master/${name}_used`] = used;
    out[`master/${name}_percent`] = total > 0 ? used / total : 0;
    out[`master/${name}_revocable_total`] = 0;
    out[`master/${name}_revocable_used`] = 0;
    out[`master/${name}_revocable_percent`] = 0;
  }

  out['master/slaves_active'] = active.length;
  out['master/slaves_inactive'] = view.agents.length - active.length;
  out['master/slaves_connected'] = view.agents.filter((a) => a.entry.machine.value !== 'disconnected').length;
  out['master/slaves_disconnected'] = view.agents.filter((a) => a.entry.machine.value === 'disconnected').length;
  out['master/slaves_unreachable'] = view.unreachableAgents.length;

  const connected = view.frameworks.filter((f) => isConnectedFramework(f.entry)).length;
  out['master/frameworks_active'] = connected;
  out['master/frameworks_inactive'] = view.frameworks.length - connected;
  out['master/frameworks_connected'] = connected;
  out['master/frameworks_disconnected'] = view.frameworks.length - connected;
  out['master/outstanding_offers'] = view.offers.length;

  for (const state of TASK_STATE_NAMES) out[`master/tasks_${state.slice('TASK_'.length).toLowerCase()}`] = 0;
  for (const task of allTasks(view)) out[`master/tasks_${task.state.slice('TASK_'.length).toLowerCase()}`]! += 1;
  return out;
}
