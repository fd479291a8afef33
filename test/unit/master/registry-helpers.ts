/**
 * Builders for registry unit tests: commands with sensible defaults and a registry that records
 * the effects of each applied command.
 */
import type { Effect } from '../../../src/actors/effects.js';
import type { LaunchRecord, RegistryCommand } from '../../../src/master/registry/commands.js';
import { RegistryState, type RegistryOptions } from '../../../src/master/registry/state.js';
import type { ApplyResult, PartCommand } from '../../../src/master/state/part.js';
import type { WireResource } from '../../../src/protocol/messages.js';

export const T0 = 1_700_000_000_000;

/** An ApplyResult readable without narrowing (tests look at `value` and `error` directly). */
export type Loose = ApplyResult & { value?: unknown; error?: string };

export function scalars(cpus: number, mem: number, ports?: [number, number]): WireResource[] {
  const out: WireResource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
  ];
  if (ports) out.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: ports[0], end: ports[1] }] } });
  return out;
}

export class TestRegistry {
  readonly registry: RegistryState;
  effects: Effect[] = [];

  constructor(options: RegistryOptions = {}) {
    this.registry = new RegistryState(options);
    this.registry.effectsListener = (effects) => {
      this.effects.push(...effects);
    };
  }

  apply(command: RegistryCommand | Record<string, unknown>): Loose {
    this.effects = [];
    return this.registry.apply(command as unknown as PartCommand, 0);
  }

  effectsOf(type: Effect['type']): Effect[] {
    return this.effects.filter((effect) => effect.type === type);
  }

  registerAgent(agentId = 'a1', resources = scalars(4, 4096, [31000, 31009]), nowMs = T0): Loose {
    return this.apply({ t: 'reg.agent.register', agentId, hostname: `${agentId}.host`, httpAddress: '127.0.0.1:5051', resources, attributes: {}, nowMs });
  }

  subscribe(options: { frameworkId?: string | null; partitionAware?: boolean; checkpoint?: boolean; failoverSeconds?: number; nowMs?: number; internal?: boolean } = {}): string {
    const result = this.apply({
      t: 'reg.framework.subscribe',
      frameworkId: options.frameworkId ?? null,
      idPrefix: 'm',
      info: {
        user: 'u',
        name: 'fw',
        failover_timeout: options.failoverSeconds ?? 60,
        checkpoint: options.checkpoint ?? false,
        capabilities: options.partitionAware ? [{ type: 'PARTITION_AWARE' }] : [],
      },
      internal: options.internal ?? false,
      nowMs: options.nowMs ?? T0,
    });
    if (!result.ok) throw new Error(result.error);
    return (result.value as { frameworkId: string }).frameworkId;
  }

  launch(frameworkId: string, taskId: string, options: { agentId?: string; resources?: WireResource[]; nowMs?: number } = {}): Loose {
    return this.apply({ t: 'reg.task.launch', tasks: [launchRecord(frameworkId, taskId, options)], nowMs: options.nowMs ?? T0 });
  }

  status(frameworkId: string, taskId: string, state: string, uuid: string | null = `${taskId}-${state}`, agentId = 'a1', nowMs = T0 + 1_000): Loose {
    return this.apply({
      t: 'reg.task.status',
      agentId,
      source: uuid === null ? 'master' : 'agent',
      update: { taskId, frameworkId, state: state as never, uuid, timestampMs: nowMs },
      nowMs,
    });
  }

  snapshotBytes(): string {
    return JSON.stringify(this.registry.toSnapshot());
  }
}

export function launchRecord(frameworkId: string, taskId: string, options: { agentId?: string; resources?: WireResource[] } = {}): LaunchRecord {
  return {
    taskId,
    frameworkId,
    agentId: options.agentId ?? 'a1',
    name: taskId,
    resources: options.resources ?? scalars(1, 128),
    spec: { taskId, frameworkId, command: { shell: true, value: 'true' } },
  };
}
