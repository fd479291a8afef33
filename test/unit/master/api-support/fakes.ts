/**
 * Fakes for the HTTP API unit tests: a Raft node whose leadership the test sets, a SchedulerPort
 * that records calls and hands out sinks, and an in-memory RegistryView.
 */
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../../../src/lib/log.js';
import type { MasterContext } from '../../../../src/master/api/context.js';
import type { SchedulerPort, SchedulerSink, Subscription, V1Call } from '../../../../src/master/leader/scheduler-port.js';
import type { AgentEntry, FrameworkEntry, RegistryView, TaskEntry } from '../../../../src/master/registry/types.js';
import type { RaftNode } from '../../../../src/raft/driver.js';
import { buildMasterServer } from '../../../../src/master/server.js';
import { MasterStateMachine } from '../../../../src/master/state/machine.js';
import { amountsOf } from '../../../../src/master/registry/resources.js';

export class FakeNode {
  isLeader = true;
  leaderId: string | null = 'm1';
  readonly id = 'm1';
  readonly applied = 0;
  status() {
    return { id: this.id, role: this.isLeader ? 'leader' : 'follower', term: 3, leader: this.leaderId, commitIndex: 0, appliedIndex: 0, lastIndex: 0, conf: { voters: ['m1', 'm2', 'm3'], learners: [] }, peers: [] };
  }
  onLeaderChange(): void {}
}

export interface FakeSubscriptionRecord {
  call: V1Call;
  sink: SchedulerSink;
  subscription: Subscription;
  disconnected: boolean;
  /** Closed by a newer subscription of the same framework. */
  closed: boolean;
}

export class FakeSchedulerPort implements SchedulerPort {
  readonly calls: Array<{ call: V1Call; streamId: string | null }> = [];
  readonly subscriptions: FakeSubscriptionRecord[] = [];
  /** When set, subscribe and call throw it. */
  failWith: Error | null = null;
  /** When set, subscribe sends ERROR with this text, closes the sink and throws. */
  refuseSubscribeWith: string | null = null;
  private next = 1;

  async subscribe(call: V1Call, sink: SchedulerSink): Promise<Subscription> {
    if (this.failWith) throw this.failWith;
    if (this.refuseSubscribeWith) {
      sink.send({ type: 'ERROR', error: { message: this.refuseSubscribeWith } });
      sink.close(this.refuseSubscribeWith);
      throw new Error(this.refuseSubscribeWith);
    }
    const info = (call['subscribe'] as { framework_info: { id?: { value: string } } }).framework_info;
    const frameworkId = info.id?.value ?? `fw-${this.next++}`;
    const streamId = `stream-${this.subscriptions.length + 1}`;
    // Only one subscription per framework: the older stream gets ERROR and is closed (Mesos failover).
    for (const older of this.subscriptions) {
      if (older.subscription.frameworkId !== frameworkId || older.closed) continue;
      older.closed = true;
      older.sink.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
      older.sink.close('Framework failed over');
    }
    const record: FakeSubscriptionRecord = { call, sink, disconnected: false, closed: false, subscription: { frameworkId, streamId, disconnect: () => { record.disconnected = true; } } };
    this.subscriptions.push(record);
    sink.send({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: frameworkId }, heartbeat_interval_seconds: 5 } });
    sink.send({ type: 'HEARTBEAT' });
    return record.subscription;
  }

  async call(call: V1Call, streamId: string | null): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.calls.push({ call, streamId });
  }
}

export class FakeRegistry implements RegistryView {
  readonly agentMap = new Map<string, AgentEntry>();
  readonly frameworkMap = new Map<string, FrameworkEntry>();
  readonly taskList: TaskEntry[] = [];

  agent(id: string) { return this.agentMap.get(id); }
  agents() { return this.agentMap.values(); }
  framework(id: string) { return this.frameworkMap.get(id); }
  frameworks() { return this.frameworkMap.values(); }
  task(frameworkId: string, taskId: string) { return this.taskList.find((t) => t.frameworkId === frameworkId && t.taskId === taskId); }
  tasksOf(frameworkId: string) {
    const mine = this.taskList.filter((t) => t.frameworkId === frameworkId);
    const terminal = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
    return { live: mine.filter((t) => !terminal.has(t.state)), completed: mine.filter((t) => terminal.has(t.state)) };
  }
  tasksOnAgent(agentId: string) { return this.taskList.filter((t) => t.agentId === agentId); }
  allTasksUnordered() { return this.taskList; }
  usedOnAgent(agentId: string) {
    const live = this.tasksOnAgent(agentId).filter((t) => !['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR'].includes(t.state));
    return amountsOf(live.flatMap((t) => t.resources));
  }

  addFramework(id: string, overrides: Partial<FrameworkEntry> = {}): FrameworkEntry {
    const entry: FrameworkEntry = {
      id,
      info: { user: 'root', name: `framework ${id}`, id: { value: id }, failover_timeout: 60, role: '*' },
      registeredAtMs: 1_700_000_000_000,
      machine: { value: 'subscribed', context: { id, deadline: null } },
      ...overrides,
    };
    this.frameworkMap.set(id, entry);
    return entry;
  }

  addAgent(id: string, overrides: Partial<AgentEntry> = {}): AgentEntry {
    const entry: AgentEntry = {
      id,
      hostname: 'host-a',
      httpAddress: '127.0.0.1:5051',
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 8192 } },
        { name: 'disk', type: 'SCALAR', scalar: { value: 10240 } },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
      ],
      attributes: { rack: 'r1' },
      registeredAtMs: 1_700_000_000_000,
      machine: { value: 'active', context: { id, deadline: null } },
      ...overrides,
    };
    this.agentMap.set(id, entry);
    return entry;
  }

  addTask(frameworkId: string, taskId: string, agentId: string, state: TaskEntry['state'], cpus = 0.5): TaskEntry {
    const entry: TaskEntry = {
      taskId,
      frameworkId,
      agentId,
      name: `task ${taskId}`,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } }],
      spec: { taskId, frameworkId, command: { value: 'sleep 1', shell: true } } as TaskEntry['spec'],
      state,
      statuses: [{ state, timestamp: 1_700_000_001.5, source: 'SOURCE_EXECUTOR' }],
      machine: { value: 'running', context: { id: taskId, deadline: null } },
    };
    this.taskList.push(entry);
    return entry;
  }
}

export interface TestServer {
  app: FastifyInstance;
  node: FakeNode;
  port: FakeSchedulerPort;
  registry: FakeRegistry;
  context: MasterContext;
  /** What context.scheduler() returns; set to null to model a leader that has not caught up. */
  setPort(port: SchedulerPort | null): void;
}

export async function testServer(): Promise<TestServer> {
  const node = new FakeNode();
  const port = new FakeSchedulerPort();
  const registry = new FakeRegistry();
  let current: SchedulerPort | null = port;
  const state = new MasterStateMachine();
  const context: MasterContext = {
    node: node as unknown as RaftNode,
    state,
    logger: createLogger({ level: 'silent' }),
    httpAddress: '127.0.0.1:5050',
    raftAddress: '127.0.0.1:5150',
    version: '0.1.0-test',
    registry,
    scheduler: () => current,
    startedAtMs: 1_700_000_000_000,
  };
  const app = await buildMasterServer(context);
  return { app, node, port, registry, context, setPort: (p) => (current = p) };
}
