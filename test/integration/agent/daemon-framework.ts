/**
 * A minimal Mesos v1 HTTP framework for the agent end-to-end tests: subscribes through any
 * master (following 307), reads the RecordIO event stream, and makes calls with its stream id.
 */
import { RecordIoDecoder } from '../../../src/master/api/scheduler/recordio.js';
import { openSubscription } from '../../helpers/v1-framework.js';
import { waitFor } from '../helpers/process.js';

export type Json = Record<string, any>;

export class V1Framework {
  readonly events: Json[] = [];
  frameworkId: string | undefined;
  private streamId: string | undefined;
  private master: string | undefined;
  private abort = new AbortController();
  private readonly usedOffers = new Set<string>();

  constructor(private readonly info: Json) {}

  async subscribe(masters: readonly string[]): Promise<void> {
    await waitFor('framework subscribed', async () => {
      for (const master of masters) {
        try {
          if (await this.trySubscribe(master)) return true;
        } catch {
          // not up, or not the leader yet: try the next one
        }
      }
      return undefined;
    }, 30_000, 200);
  }

  /** Waits for the first event matching `match` (past or future). */
  next(what: string, match: (event: Json) => boolean, timeoutMs = 20_000): Promise<Json> {
    return waitFor(what, () => this.events.find(match), timeoutMs, 50);
  }

  update(taskId: string, state: string): (event: Json) => boolean {
    return (e) => e['type'] === 'UPDATE' && e['update']['status']['task_id']['value'] === taskId && e['update']['status']['state'] === state;
  }

  async call(type: string, payload?: Json): Promise<number> {
    const body: Json = { framework_id: { value: this.frameworkId }, type, ...(payload ? { [type.toLowerCase()]: payload } : {}) };
    const response = await fetch(`http://${this.master}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mesos-stream-id': this.streamId ?? '' },
      body: JSON.stringify(body),
      redirect: 'manual',
    });
    await response.body?.cancel();
    return response.status;
  }

  async acknowledge(event: Json): Promise<void> {
    const status = event['update']['status'];
    if (!status['uuid']) return;
    await this.call('ACKNOWLEDGE', { agent_id: status['agent_id'], task_id: status['task_id'], uuid: status['uuid'] });
  }

  /** Accepts the first offer with one command task (cpus 0.1, mem 32). */
  async launch(taskId: string, command: string): Promise<Json> {
    // Offers of an agent whose link closed (SIGKILLed) are rescinded: never accept those.
    const rescinded = (id: string): boolean => this.events.some((e) => e['type'] === 'RESCIND' && e['rescind']['offer_id']['value'] === id);
    const fresh = (e: Json): Json | undefined =>
      e['type'] === 'OFFERS' ? (e['offers']['offers'] as Json[] | undefined)?.find((o) => !this.usedOffers.has(o['id']['value']) && !rescinded(o['id']['value'])) : undefined;
    const event = await this.next('a fresh offer', (e) => fresh(e) !== undefined);
    const offer = fresh(event)!;
    this.usedOffers.add(offer['id']['value']);
    const status = await this.call('ACCEPT', {
      offer_ids: [offer['id']],
      filters: { refuse_seconds: 1 },
      operations: [{ type: 'LAUNCH', launch: { task_infos: [{
        name: taskId,
        task_id: { value: taskId },
        agent_id: offer['agent_id'],
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
        command: { shell: true, value: command },
      }] } }],
    });
    if (status !== 202) throw new Error(`ACCEPT answered ${status}`);
    return offer;
  }

  close(): void {
    this.abort.abort();
  }

  private async trySubscribe(master: string): Promise<boolean> {
    this.abort = new AbortController();
    const open = await openSubscription(master, this.info, this.frameworkId, this.abort.signal);
    if (!open) return false;
    this.streamId = open.streamId;
    this.master = open.master;
    void this.read(open.body);
    const subscribed = await this.next('SUBSCRIBED', (e) => e['type'] === 'SUBSCRIBED', 10_000);
    this.frameworkId = subscribed['subscribed']['framework_id']['value'];
    return true;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new RecordIoDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        for (const record of decoder.push(Buffer.from(chunk))) this.events.push(JSON.parse(record) as Json);
      }
    } catch {
      // the stream ended (closed, or the master went away)
    }
  }
}
