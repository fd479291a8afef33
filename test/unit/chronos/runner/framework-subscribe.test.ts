/**
 * The built-in Chronos framework subscribes suppressed when no run waits: offers made to it then
 * would only be declined, and until the next allocation interval no other framework would get
 * those agents (a framework re-subscribing after a failover waited a second for its first offer).
 * Goal: SUBSCRIBE carries `suppressed_roles` exactly when nothing is queued, and a run queued
 * while the subscription was in flight is revived once it completes.
 * Method: a fake scheduler port recording calls; runs are plain records in a fake runs part.
 */
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../../src/lib/clock.js';
import { silentLogger } from '../../../../src/lib/log.js';
import { ChronosFramework, type FrameworkDeps } from '../../../../src/chronos/runner/framework.js';
import type { V1Call } from '../../../../src/master/leader/scheduler-port.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(initiallyQueued: boolean) {
  const runs: Array<{ key: string; machine: { value: string; context: Record<string, unknown> } }> = [];
  const queue = (): void => void runs.push({ key: `r${runs.length}`, machine: { value: 'queued', context: { taskId: null, agentId: null } } });
  if (initiallyQueued) queue();
  const subscribes: V1Call[] = [];
  const calls: V1Call[] = [];
  let finishSubscribe: () => void = () => {};
  const port = {
    subscribe: (call: V1Call) => {
      subscribes.push(call);
      return new Promise((resolve) => (finishSubscribe = () => resolve({ frameworkId: 'chronos-fw', disconnect: () => {} })));
    },
    call: async (call: V1Call) => void calls.push(call),
  };
  const deps = {
    clock: new SystemClock(),
    logger: silentLogger(),
    part: { frameworkId: 'chronos-fw', activeRuns: () => runs },
    job: () => undefined,
    port: () => port,
    propose: async () => undefined,
  } as unknown as FrameworkDeps;
  const framework = new ChronosFramework(deps);
  framework.start();
  return { framework, subscribes, calls, queue, finish: () => finishSubscribe() };
}

const suppressedRoles = (call: V1Call | undefined): unknown => (call?.['subscribe'] as Record<string, unknown> | undefined)?.['suppressed_roles'];

describe('ChronosFramework subscription', () => {
  it('subscribes suppressed with nothing queued, and revives for a run queued meanwhile', async () => {
    const t = setup(false);
    t.framework.ensureSubscribed();
    expect(suppressedRoles(t.subscribes[0])).toEqual(['*']);
    t.queue();
    t.framework.revive(); // not subscribed yet: nothing to send
    expect(t.calls).toEqual([]);
    t.finish();
    await flush();
    expect(t.calls.map((c) => c.type)).toContain('REVIVE');
    t.framework.stop();
  });

  it('subscribes for offers when a run is queued', async () => {
    const t = setup(true);
    t.framework.ensureSubscribed();
    expect(suppressedRoles(t.subscribes[0])).toBeUndefined();
    t.finish();
    await flush();
    t.framework.stop();
  });
});
