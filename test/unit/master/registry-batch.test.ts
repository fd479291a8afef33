/**
 * `reg.batch` (the leader coalesces status updates into one Raft entry) and ProposalBatcher.
 * Goal: a batch leaves the registry exactly as the same commands applied one by one, each
 * command keeps its own result (a refused one changes nothing and does not stop the others),
 * and the batcher answers every caller with its own command's outcome.
 */
import { describe, expect, it } from 'vitest';
import type { RegistryCommand } from '../../../src/master/registry/commands.js';
import type { RegistryResult } from '../../../src/master/registry/state.js';
import { ProposalBatcher } from '../../../src/master/leader/proposal-batcher.js';
import { T0, TestRegistry } from './registry-helpers.js';

function statusCommand(frameworkId: string, taskId: string, state: string, uuid: string): RegistryCommand {
  return { t: 'reg.task.status', agentId: 'a1', source: 'agent', update: { taskId, frameworkId, state: state as never, uuid, timestampMs: T0 + 1_000 }, nowMs: T0 + 1_000 };
}

function seeded(): { r: TestRegistry; framework: string } {
  const r = new TestRegistry();
  r.registerAgent('a1');
  const framework = r.subscribe();
  for (const id of ['t1', 't2', 't3']) r.launch(framework, id);
  return { r, framework };
}

describe('registry: reg.batch', () => {
  it('ends identical to applying the commands one by one, with one result per command', () => {
    const batched = seeded();
    const single = seeded();
    const commands = [
      statusCommand(batched.framework, 't1', 'TASK_RUNNING', 'u1'),
      statusCommand(batched.framework, 'nope', 'TASK_RUNNING', 'u2'),
      statusCommand(batched.framework, 't2', 'TASK_RUNNING', 'u3'),
      statusCommand(batched.framework, 't1', 'TASK_RUNNING', 'u1'),
    ];
    const result = batched.r.apply({ t: 'reg.batch', commands, nowMs: T0 + 1_000 });
    const batchedEffects = batched.r.effects;
    const singleEffects: unknown[] = [];
    const oneByOne = commands.map((command) => {
      const answer = single.r.apply(command);
      singleEffects.push(...single.r.effects);
      return answer;
    });
    expect(result).toEqual({ ok: true, value: { kind: 'batch', results: oneByOne } });
    expect(oneByOne.map((r) => r.ok)).toEqual([true, false, true, true]);
    expect(batched.r.snapshotBytes()).toBe(single.r.snapshotBytes());
    expect(batchedEffects.length).toBeGreaterThan(0);
    expect(batchedEffects).toEqual(singleEffects);
  });

  it('refuses an empty batch, a nested batch and a batch holding an invalid command, naming the field', () => {
    const { r, framework } = seeded();
    const before = r.snapshotBytes();
    expect(r.apply({ t: 'reg.batch', commands: [], nowMs: T0 })).toMatchObject({ ok: false, error: expect.stringContaining('commands') });
    expect(r.apply({ t: 'reg.batch', commands: [{ t: 'reg.batch', commands: [], nowMs: T0 }], nowMs: T0 })).toMatchObject({ ok: false, error: expect.stringContaining('commands[0].t') });
    const bad = { ...statusCommand(framework, 't1', 'TASK_RUNNING', 'u1'), agentId: '' };
    expect(r.apply({ t: 'reg.batch', commands: [bad], nowMs: T0 })).toMatchObject({ ok: false, error: expect.stringContaining('commands[0].agentId') });
    expect(r.snapshotBytes()).toBe(before);
  });
});

describe('ProposalBatcher', () => {
  it('sends commands of one turn as one batch and answers each caller with its own result', async () => {
    const batches: RegistryCommand[][] = [];
    const batcher = new ProposalBatcher(
      () => Promise.reject(new Error('single path not expected')),
      (commands) => {
        batches.push(commands);
        const results = commands.map((c, i) => (i === 1 ? { ok: false as const, error: 'refused' } : { ok: true as const, value: { kind: 'status', outcome: 'accepted' } satisfies RegistryResult }));
        return Promise.resolve({ kind: 'batch', results });
      },
    );
    const commands = ['a', 'b', 'c'].map((id) => statusCommand('f', id, 'TASK_RUNNING', id));
    const outcomes = await Promise.allSettled(commands.map((c) => batcher.propose(c)));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual(commands);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused' });
  });

  it('uses the single path for a lone command and rejects every caller when the batch fails', async () => {
    const single: RegistryCommand[] = [];
    const batcher = new ProposalBatcher(
      (command) => {
        single.push(command);
        return Promise.resolve({ kind: 'done' });
      },
      () => Promise.reject(new Error('not leader')),
    );
    await expect(batcher.propose(statusCommand('f', 'x', 'TASK_RUNNING', 'x'))).resolves.toEqual({ kind: 'done' });
    expect(single).toHaveLength(1);
    const outcomes = await Promise.allSettled([batcher.propose(statusCommand('f', 'y', 'TASK_RUNNING', 'y')), batcher.propose(statusCommand('f', 'z', 'TASK_RUNNING', 'z'))]);
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).message === 'not leader')).toBe(true);
  });
});
