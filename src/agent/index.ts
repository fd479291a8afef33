/** Public surface of the agent package, for the `kairos agent` composition root and the session. */
export { Agent, type AgentOptions } from './agent.js';
export { buildAgentHttp, type AgentHttpOptions } from './http.js';
export { DockerExecutor, type DockerExecutorOptions } from './executors/docker.js';
export { detectCgroups, type CgroupController } from './executors/cgroups.js';
export { sandboxRoot, sandboxDirOf } from './sandbox.js';
export { DEFAULT_SANDBOX_GC_POLICY, type SandboxGcPolicy } from './sandbox-gc.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './update-streams.js';
export type { StatusUpdateSink } from './status-updates.js';
export type { HealthCheckSpec } from './health-check.js';
export type { CommandSpec, DockerSpec, StatusUpdate, TaskLimits, TaskRecord, TaskSpec } from './types.js';
