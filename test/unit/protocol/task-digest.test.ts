/**
 * The task digest (src/protocol/task-digest.ts). Goal: the digest is a function of the set of
 * (framework, task, state) triples alone — any order, and a removal undoes an addition — and sets
 * that differ get different digests, including ones that differ only in where fields split.
 * Method: fast-check sets of triples; hand-made near misses.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_TASK_DIGEST_LENGTH, TaskDigest, taskDigestOf } from '../../../src/protocol/task-digest.js';

const triple = fc.record({ frameworkId: fc.string({ minLength: 1, maxLength: 40 }), taskId: fc.string({ minLength: 1, maxLength: 40 }), state: fc.constantFrom('TASK_RUNNING', 'TASK_STAGING', 'TASK_FINISHED') });
const tripleSet = fc.uniqueArray(triple, { selector: (t) => `${t.frameworkId}\u0000${t.taskId}`, maxLength: 30 });

describe('task digest', () => {
  test.prop([tripleSet, fc.nat()])('depends on the set, not the order', (tasks, seed) => {
    const shuffled = [...tasks].sort((a, b) => ((a.taskId.length * 31 + seed) % 7) - ((b.taskId.length * 31 + seed) % 7));
    expect(taskDigestOf(shuffled)).toBe(taskDigestOf(tasks));
  });

  test.prop([tripleSet, tripleSet])('removing what was added leaves the digest of the rest', (kept, passing) => {
    const digest = new TaskDigest();
    for (const t of passing) digest.add(t.frameworkId, t.taskId, t.state);
    for (const t of kept) digest.add(t.frameworkId, t.taskId, t.state);
    for (const t of passing) digest.remove(t.frameworkId, t.taskId, t.state);
    expect(digest.value()).toBe(taskDigestOf(kept));
    expect(digest.size).toBe(kept.length);
  });

  test.prop([tripleSet, triple])('a task more, or one in another state, changes it', (tasks, extra) => {
    const others = tasks.filter((t) => t.frameworkId !== extra.frameworkId || t.taskId !== extra.taskId);
    expect(taskDigestOf([...others, extra])).not.toBe(taskDigestOf(others));
    const moved = { ...extra, state: extra.state === 'TASK_RUNNING' ? 'TASK_FINISHED' : 'TASK_RUNNING' };
    expect(taskDigestOf([...others, moved])).not.toBe(taskDigestOf([...others, extra]));
  });

  it('tells apart fields that split differently, and swapped ids', () => {
    const digest = (frameworkId: string, taskId: string, state = 'TASK_RUNNING') => taskDigestOf([{ frameworkId, taskId, state }]);
    expect(digest('ab', 'c')).not.toBe(digest('a', 'bc'));
    expect(digest('a', 'b')).not.toBe(digest('b', 'a'));
    expect(digest('f', 't', 'TASK_RUNNING')).not.toBe(digest('f', 'tTASK_RUNNING', ''));
  });

  it('is a count and 16 hex digits, within the length a hello may carry', () => {
    expect(taskDigestOf([])).toBe('0:0000000000000000');
    const value = taskDigestOf([{ frameworkId: 'f', taskId: 't', state: 'TASK_RUNNING' }]);
    expect(value).toMatch(/^1:[0-9a-f]{16}$/);
    expect(`999999999999:${'f'.repeat(16)}`.length).toBe(MAX_TASK_DIGEST_LENGTH);
  });
});
