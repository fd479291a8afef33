/**
 * A scheduler's MESSAGE reaches the agent as `frameworkMessage`: with no custom executors the
 * agent logs it (framework, executor, size) and does nothing else to its tasks.
 */
import { describe, expect, it } from 'vitest';
import type { Agent } from '../../../src/agent/agent.js';
import { AgentHost } from '../../../src/agent/daemon/agent-host.js';
import type { Logger } from '../../../src/lib/log.js';

describe('frameworkMessage', () => {
  it('is logged with its framework, executor and size; no task is touched', async () => {
    const logged: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const log = {
      info: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
      debug: () => undefined,
      warn: () => undefined,
    } as unknown as Logger;
    const touched: string[] = [];
    const agent = new Proxy({}, { get: (_target, key) => () => touched.push(String(key)) }) as unknown as Agent;
    const host = new AgentHost({ agent, hostname: 'h', httpAddress: '127.0.0.1:1', resources: [], attributes: {}, log, onShutdown: () => touched.push('shutdown') });
    await host.command({ t: 'frameworkMessage', term: 3, frameworkId: 'f1', executorId: 'e1', data: Buffer.from('hello').toString('base64') });
    expect(logged).toEqual([{ message: 'framework message for an executor', fields: expect.objectContaining({ frameworkId: 'f1', executorId: 'e1', bytes: 5, data: 'aGVsbG8=' }) }]);
    expect(touched).toEqual([]);
  });
});
