/**
 * A tiny agent process for the crash test: runs an Agent on a work dir and speaks JSON lines.
 * stdin:  {"launch": TaskSpec} | {"kill": taskId} | {"ack": {"taskId", "uuid"}}
 * stdout: {"ready": true} once recovered, then {"update": StatusUpdate} for every send.
 * The test SIGKILLs this process while tasks run and starts it again on the same work dir.
 */
import { createInterface } from 'node:readline';
import { Agent } from '../../../src/agent/agent.js';
import type { StatusUpdate, TaskSpec } from '../../../src/agent/types.js';

const workDir = process.argv[2];
if (!workDir) throw new Error('usage: harness <workDir>');

const emit = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const agent = await Agent.start({
  workDir,
  sink: { send: (update: StatusUpdate) => emit({ update }) },
  retry: { minMs: 100, maxMs: 400 },
  cgroups: null,
  pollIntervalMs: 20,
});
emit({ ready: true, pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const command = JSON.parse(line) as { launch?: TaskSpec; kill?: string; ack?: { taskId: string; uuid: string } };
  if (command.launch) await agent.launch(command.launch);
  if (command.kill) await agent.kill(command.kill);
  if (command.ack) await agent.acknowledge(command.ack.taskId, command.ack.uuid);
  emit({ done: line });
}
