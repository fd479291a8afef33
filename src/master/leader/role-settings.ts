/**
 * Per-role allocation settings (`--roles` / the config file's `roles`): DRF weight, priority for
 * the priority policy, and a quota guarantee, as Mesos configures with `--weights` and its quota
 * API. A framework's own priority comes from its FrameworkInfo label `priority` (a number).
 */
import type { RoleInput } from '../../allocator/pack.js';
import type { MasterConfig } from '../../cli/config.js';
import type { FrameworkInfoJson } from '../registry/types.js';

/** One role's settings as `--roles` validates them; every field optional (weight 1, priority 0,
 * no quota; quota amounts: cpus, mem and disk in MB, gpus). */
export type RoleSettings = MasterConfig['roles'][string];

/** The allocator's input for `name`, with its configured settings if any. */
export function roleInput(name: string, settings: Readonly<Record<string, RoleSettings>>): RoleInput {
  const configured = Object.hasOwn(settings, name) ? settings[name] : undefined;
  if (!configured) return { name };
  const quota = configured.quota;
  return {
    name,
    ...(configured.weight !== undefined ? { weight: configured.weight } : {}),
    ...(configured.priority !== undefined ? { priority: configured.priority } : {}),
    ...(quota ? { quotaGuarantee: { cpus: quota.cpus ?? 0, mem: quota.mem ?? 0, disk: quota.disk ?? 0, gpus: quota.gpus ?? 0 } } : {}),
  };
}

/** A framework's priority from its `priority` label, if that is a finite number. */
export function frameworkPriority(info: FrameworkInfoJson): number | undefined {
  const labels = (info.labels as { labels?: unknown } | undefined)?.labels;
  if (!Array.isArray(labels)) return undefined;
  for (const label of labels as Array<{ key?: unknown; value?: unknown }>) {
    if (label?.key !== 'priority' || typeof label.value !== 'string' || label.value.trim() === '') continue;
    const value = Number(label.value);
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}
