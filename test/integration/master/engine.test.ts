/**
 * The master engine end to end on 3 real `kairos master` processes: a tiny in-test agent speaking
 * the master ↔ agent protocol and a v1 HTTP framework. The agent registers, the framework gets
 * an offer (with url, hostname and a ports range), launches a task, the agent gets `runTask`
 * with the leader's term and reports TASK_RUNNING, the framework sees the UPDATE and
 * acknowledges it (the agent gets `ack`). Then the leader is SIGKILLed: the agent re-registers
 * with the new leader reporting its task, the framework re-subscribes with its id and an
 * explicit reconciliation answers TASK_RUNNING: nothing committed was forgotten. Finally the
 * task finishes and the framework sees TASK_FINISHED from the new leader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { dialMaster, FrameConnection } from '../../../src/protocol/connection.js';
import type { AgentToMaster, MasterToAgent } from '../../../src/protocol/messages.js';
import type { TaskSpec } from '../../../src/agent/types.js';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/process.js';

type Json = Record<string, any>;

/** Just enough of an agent: follows redirects, registers, heartbeats, records commands. */
class TinyAgent {
  connection: FrameConnection<MasterToAgent, AgentToMaster> | null = null;
  agentId: string | undefined;
  highestTerm = 0;
  readonly received: MasterToAgent[] = [];
  readonly tasks = new Map<string, { spec: TaskSpec; state: 'TASK_RUNNING' | 'TASK_FINISHED' }>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly masters: string[]) {}

  /** Connects to whichever master leads (following 307s) and registers. */
  async connect(): Promise<void> {
    await waitFor('agent registered with the leader', async () => {
      for (const master of this.masters) {
        let address: string | null = master;
        for (let hops = 0; address && hops < 3; hops++) {
          const result = await dialMaster(address, 1_000);
          if (result.kind === 'redirect') address = result.leader;
          else if (result.kind === 'connected') return (await this.register(result.socket, result.head)) ? true : undefined;
          else address = null;
        }
      }
      return undefined;
    }, 30_000, 200);
  }

  private register(socket: import('node:net').Socket, head: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      const connection = new FrameConnection<MasterToAgent, AgentToMaster>(socket, head);
      connection.onMessage = (message) => {
        this.received.push(message);
        if ('term' in message && typeof message.term === 'number') this.highestTerm = Math.max(this.highestTerm, message.term);
        if (message.t === 'registered') {
          this.agentId = message.agentId;
          this.connection = connection;
          this.startHeartbeats(message.heartbeatIntervalMs);
          resolve(true);
        }
        if (message.t === 'runTask') this.tasks.set(message.task.taskId, { spec: message.task, state: 'TASK_RUNNING' });
      };
      connection.onClose = () => {
        if (this.connection === connection) this.connection = null;
        resolve(false);
      };
      connection.send({
        t: 'hello',
        version: 1,
        ...(this.agentId ? { agentId: this.agentId } : {}),
        hostname: 'tiny-agent',
        httpAddress: '127.0.0.1:5051',
        resources: [
          { name: 'cpus', type: 'SCALAR', scalar: { value: 4 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
          { name: 'disk', type: 'SCALAR', scalar: { value: 10000 } },
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
        ],
        attributes: { rack: 'r1' },
        tasks: [...this.tasks.values()].map((task) => ({ spec: task.spec, state: task.state })),
        highestTerm: this.highestTerm,
      });
    });
  }

  private startHeartbeats(intervalMs: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.connection && this.agentId) this.connection.send({ t: 'heartbeat', agentId: this.agentId, seq: ++this.seq });
    }, intervalMs);
  }

  sendStatus(taskId: string, frameworkId: string, state: 'TASK_RUNNING' | 'TASK_FINISHED', uuid = randomUUID()): string {
    this.tasks.get(taskId)!.state = state;
    this.connection!.send({ t: 'status', agentId: this.agentId!, update: { uuid, taskId, frameworkId, state, timestampMs: Date.now() } });
    return uuid;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.connection?.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** A v1 HTTP framework: one RecordIO subscription stream and calls with its stream id. */
class HttpFramework {
  readonly events: Json[] = [];
  frameworkId: string | undefined;
  streamId: string | undefined;
  master: string | undefined;
  private abort = new AbortController();

  async subscribe(masters: string[]): Promise<void> {
    await waitFor('framework subscribed', async () => {
      for (const master of masters) {
        try {
          if (await this.trySubscribe(master)) return true;
        } catch {
          // try the next one
        }
      }
      return undefined;
    }, 30_000, 200);
  }

  private async trySubscribe(master: string): Promise<boolean> {
    this.abort = new AbortController();
    const info: Json = { user: 'test', name: 'engine-it', failover_timeout: 3600, capabilities: [] };
    if (this.frameworkId) info['id'] = { value: this.frameworkId };
    const body: Json = { type: 'SUBSCRIBE', subscribe: { framework_info: info } };
    if (this.frameworkId) body['framework_id'] = { value: this.frameworkId };
    const response = await fetch(`http://${master}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: this.abort.signal,
    });
    if (response.status === 307) {
      const location = response.headers.get('location') ?? '';
      const leader = /^(?:https?:)?\/\/([^/]+)/.exec(location)?.[1];
      await response.body?.cancel();
      return leader ? this.trySubscribe(leader) : false;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return false;
    }
    this.streamId = response.headers.get('mesos-stream-id') ?? undefined;
    this.master = master;
    void this.read(response.body!);
    const subscribed = await waitFor('SUBSCRIBED', () => this.events.find((e) => e['type'] === 'SUBSCRIBED' && e['_stream'] === this.streamId), 10_000);
    this.frameworkId = subscribed['subscribed']['framework_id']['value'];
    return true;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const stream = this.streamId;
    let buffer = Buffer.alloc(0);
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer = Buffer.concat([buffer, Buffer.from(chunk)]);
        for (;;) {
          const newline = buffer.indexOf(10);
          if (newline < 0) break;
          const length = Number(buffer.subarray(0, newline).toString());
          if (buffer.length < newline + 1 + length) break;
          const record = JSON.parse(buffer.subarray(newline + 1, newline + 1 + length).toString()) as Json;
          buffer = buffer.subarray(newline + 1 + length);
          this.events.push({ ...record, _stream: stream });
        }
      }
    } catch {
      // stream ended
    }
  }

  async call(body: Json): Promise<number> {
    const response = await fetch(`http://${this.master}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mesos-stream-id': this.streamId! },
      body: JSON.stringify({ framework_id: { value: this.frameworkId }, ...body }),
      redirect: 'manual',
    });
    await response.body?.cancel();
    return response.status;
  }

  close(): void {
    this.abort.abort();
  }
}

describe('master engine (3 masters, tiny agent, v1 HTTP framework)', () => {
  let cluster: TestCluster;
  const agent = (): TinyAgent => state.agent!;
  const framework = new HttpFramework();
  const state: { agent?: TinyAgent } = {};

  beforeAll(async () => {
    cluster = await TestCluster.create(3, ['--agent-heartbeat-ms', '300', '--log-level', 'warn']);
    cluster.startAll();
    await cluster.waitForAllUp();
    state.agent = new TinyAgent(cluster.replicas.map((r) => r.http));
  });

  afterAll(async () => {
    framework.close();
    state.agent?.close();
    await cluster?.destroy();
  });

  it('registers, offers, launches, relays updates and acks; survives a leader SIGKILL', async () => {
    const masters = cluster.replicas.map((r) => r.http);
    await agent().connect();
    expect(agent().agentId).toMatch(/-S0$/);
    const firstTerm = agent().highestTerm;

    await framework.subscribe(masters);
    const offersEvent = await waitFor('an offer', () => framework.events.find((e) => e['type'] === 'OFFERS'), 20_000);
    const offer = offersEvent['offers']['offers'][0] as Json;
    expect(offer['agent_id']['value']).toBe(agent().agentId);
    expect(offer['hostname']).toBe('tiny-agent');
    expect(offer['url']['address']).toMatchObject({ ip: '127.0.0.1', port: 5051 });
    const ports = (offer['resources'] as Json[]).find((r) => r['name'] === 'ports');
    expect(ports?.['type']).toBe('RANGES');

    const status = await framework.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer['id']],
        operations: [{
          type: 'LAUNCH',
          launch: {
            task_infos: [{
              name: 'sleepy',
              task_id: { value: 'task-1' },
              agent_id: offer['agent_id'],
              resources: [
                { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
                { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
                { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31000 }] } },
              ],
              command: { shell: true, value: 'sleep 1000', environment: { variables: [{ name: 'A', value: 'b' }] } },
            }],
          },
        }],
        filters: { refuse_seconds: 1 },
      },
    });
    expect(status).toBe(202);

    const run = await waitFor('runTask at the agent', () => agent().received.find((m): m is Extract<MasterToAgent, { t: 'runTask' }> => m.t === 'runTask'), 10_000);
    expect(run.term).toBe(firstTerm);
    expect(run.task.command).toMatchObject({ shell: true, value: 'sleep 1000', environment: { A: 'b' } });
    const frameworkId = framework.frameworkId!;
    expect(run.task.frameworkId).toBe(frameworkId);

    const uuid = agent().sendStatus('task-1', frameworkId, 'TASK_RUNNING');
    const update = await waitFor('UPDATE TASK_RUNNING', () => framework.events.find((e) => e['type'] === 'UPDATE' && e['update']['status']['state'] === 'TASK_RUNNING'), 10_000);
    const updateStatus = update['update']['status'] as Json;
    expect(updateStatus['agent_id']['value']).toBe(agent().agentId);
    expect(Buffer.from(updateStatus['uuid'] as string, 'base64').toString()).toBe(uuid);
    expect(await framework.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: updateStatus['agent_id'], task_id: updateStatus['task_id'], uuid: updateStatus['uuid'] } })).toBe(202);
    await waitFor('ack at the agent', () => agent().received.find((m) => m.t === 'ack' && m.uuid === uuid), 10_000);

    // SIGKILL the leader: the agent and the framework find the new one, the task is still known.
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    framework.close();
    const survivors = cluster.replicas.filter((r) => r.process).map((r) => r.http);
    const previousAgentId = agent().agentId;
    await waitFor('agent link dropped', () => (agent().connection === null ? true : undefined), 10_000);
    await agent().connect();
    expect(agent().agentId).toBe(previousAgentId);
    expect(agent().highestTerm).toBeGreaterThan(firstTerm);

    framework.events.length = 0;
    await framework.subscribe(survivors);
    expect(framework.frameworkId).toBe(frameworkId);
    expect(await framework.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'task-1' }, agent_id: { value: previousAgentId } }] } })).toBe(202);
    const reconciled = await waitFor('reconciliation answer', () => framework.events.find((e) => e['type'] === 'UPDATE'), 10_000);
    expect(reconciled['update']['status']).toMatchObject({ state: 'TASK_RUNNING', source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
    expect(reconciled['update']['status']['uuid']).toBeUndefined();

    const finished = agent().sendStatus('task-1', frameworkId, 'TASK_FINISHED');
    const done = await waitFor('UPDATE TASK_FINISHED', () => framework.events.find((e) => e['type'] === 'UPDATE' && e['update']['status']['state'] === 'TASK_FINISHED'), 10_000);
    expect(Buffer.from(done['update']['status']['uuid'] as string, 'base64').toString()).toBe(finished);

    // The new leader offers the agent's resources again and launches with its own term.
    const second = await waitFor('an offer from the new leader', () => framework.events.find((e) => e['type'] === 'OFFERS'), 20_000);
    const newOffer = second['offers']['offers'][0] as Json;
    expect(newOffer['id']['value'].startsWith(`${agent().highestTerm}-O`)).toBe(true);
    expect(await framework.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [newOffer['id']],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'again', task_id: { value: 'task-2' }, agent_id: newOffer['agent_id'], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'true' } }] } }],
      },
    })).toBe(202);
    const rerun = await waitFor('runTask from the new leader', () => agent().received.find((m): m is Extract<MasterToAgent, { t: 'runTask' }> => m.t === 'runTask' && m.task.taskId === 'task-2'), 10_000);
    expect(rerun.term).toBe(agent().highestTerm);
    // Using the same offer again is invalid: the task is answered TASK_LOST (REASON_INVALID_OFFERS).
    expect(await framework.call({
      type: 'ACCEPT',
      accept: { offer_ids: [newOffer['id']], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'x', task_id: { value: 'task-3' }, agent_id: newOffer['agent_id'], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], command: { value: 'true' } }] } }] },
    })).toBe(202);
    const invalid = await waitFor('TASK_LOST for a used offer', () => framework.events.find((e) => e['type'] === 'UPDATE' && e['update']['status']['task_id']['value'] === 'task-3'), 10_000);
    expect(invalid['update']['status']).toMatchObject({ state: 'TASK_LOST', reason: 'REASON_INVALID_OFFERS', source: 'SOURCE_MASTER' });
  });
});
