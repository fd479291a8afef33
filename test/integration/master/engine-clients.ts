/**
 * Minimal clients for master integration tests: a tiny agent speaking the master ↔ agent
 * protocol (follows redirects, registers, heartbeats, records commands) and a v1 HTTP framework
 * (one RecordIO subscription stream, calls carrying its stream id).
 */
import { randomUUID } from 'node:crypto';
import { RecordIoDecoder } from '../../../src/master/api/scheduler/recordio.js';
import { dialMaster, FrameConnection } from '../../../src/protocol/connection.js';
import { openSubscription } from '../../helpers/v1-framework.js';
import type { AgentToMaster, MasterToAgent } from '../../../src/protocol/messages.js';
import type { TaskSpec } from '../../../src/agent/types.js';
import { waitFor } from '../helpers/process.js';

export type Json = Record<string, any>;

/** Just enough of an agent: follows redirects, registers, heartbeats, records commands. */
export class TinyAgent {
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
export class HttpFramework {
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
    const info = { user: 'test', name: 'engine-it', failover_timeout: 3600, capabilities: [] };
    const open = await openSubscription(master, info, this.frameworkId, this.abort.signal);
    if (!open) return false;
    this.streamId = open.streamId;
    this.master = open.master;
    void this.read(open.body);
    const subscribed = await waitFor('SUBSCRIBED', () => this.events.find((e) => e['type'] === 'SUBSCRIBED' && e['_stream'] === this.streamId), 10_000);
    this.frameworkId = subscribed['subscribed']['framework_id']['value'];
    return true;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const stream = this.streamId;
    const decoder = new RecordIoDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        for (const record of decoder.push(Buffer.from(chunk))) this.events.push({ ...(JSON.parse(record) as Json), _stream: stream });
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
