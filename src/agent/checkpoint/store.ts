/**
 * The agent's checkpoint store: a LevelDB database under `<workDir>/checkpoint` holding the
 * agent id, one record per task (spec, phase, pid + process start time, container id, kill
 * flag) and the unacknowledged status updates. Every write is synced (fsync), because a
 * checkpoint exists to survive the agent being SIGKILLed right after it returns.
 *
 * Keys: `agent:id`, `agent:term` (highest master term seen, for fencing), `task:<taskId>`, `update:<seq>` (16-digit, so iteration order is the order
 * the updates were saved; the per-task order of the status update streams depends on it).
 */
import { Level } from 'level';
import { StorageError } from '../../lib/errors.js';
import type { PendingUpdateStore } from '../status-updates.js';
import type { StatusUpdate, TaskRecord } from '../types.js';

const SYNC = { sync: true } as const;

export class CheckpointStore implements PendingUpdateStore {
  /** uuid → key of its pending update, rebuilt on load. */
  private readonly updateKeys = new Map<string, string>();
  private nextUpdateSeq = 0;

  private constructor(private readonly db: Level<string, string>) {}

  /** Opens (creating if needed) the store in `dir`. */
  static async open(dir: string): Promise<CheckpointStore> {
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (error) {
      throw new StorageError(`cannot open the agent checkpoint at ${dir}`, { dir }, { cause: error });
    }
    const store = new CheckpointStore(db);
    await store.loadPendingUpdates();
    return store;
  }

  async agentId(): Promise<string | null> {
    return (await this.db.get('agent:id')) ?? null;
  }

  async setAgentId(agentId: string): Promise<void> {
    await this.db.put('agent:id', agentId, SYNC);
  }

  /** Highest master term this agent has seen (0 before any). */
  async highestTerm(): Promise<number> {
    return Number((await this.db.get('agent:term')) ?? 0);
  }

  async setHighestTerm(term: number): Promise<void> {
    await this.db.put('agent:term', String(term), SYNC);
  }

  async putTask(record: TaskRecord): Promise<void> {
    await this.db.put(`task:${record.spec.taskId}`, JSON.stringify(record), SYNC);
  }

  async deleteTask(taskId: string): Promise<void> {
    await this.db.del(`task:${taskId}`, SYNC);
  }

  async loadTasks(): Promise<TaskRecord[]> {
    const records: TaskRecord[] = [];
    for await (const value of this.db.values({ gte: 'task:', lt: 'task;' })) records.push(JSON.parse(value) as TaskRecord);
    return records;
  }

  async savePendingUpdate(update: StatusUpdate): Promise<void> {
    if (this.updateKeys.has(update.uuid)) return;
    const key = `update:${String(this.nextUpdateSeq++).padStart(16, '0')}`;
    await this.db.put(key, JSON.stringify(update), SYNC);
    this.updateKeys.set(update.uuid, key);
  }

  async deletePendingUpdate(_taskId: string, uuid: string): Promise<void> {
    const key = this.updateKeys.get(uuid);
    if (key === undefined) return;
    await this.db.del(key, SYNC);
    this.updateKeys.delete(uuid);
  }

  async loadPendingUpdates(): Promise<StatusUpdate[]> {
    const updates: StatusUpdate[] = [];
    for await (const [key, value] of this.db.iterator({ gte: 'update:', lt: 'update;' })) {
      const update = JSON.parse(value) as StatusUpdate;
      updates.push(update);
      this.updateKeys.set(update.uuid, key);
      this.nextUpdateSeq = Math.max(this.nextUpdateSeq, Number(key.slice('update:'.length)) + 1);
    }
    return updates;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
