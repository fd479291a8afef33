/**
 * Goal: the master's state machine is deterministic, rejects undecodable or unknown commands as a
 * result (never by throwing), and a snapshot restores exactly the same state.
 * Method: apply hand-made and random (fast-check) command sequences to two machines, one through
 * a snapshot round trip, and compare.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../src/lib/codec.js';
import type { MasterCommand } from '../../../src/master/state/commands.js';
import { MasterStateMachine, encodeCommand } from '../../../src/master/state/machine.js';

const command = fc.oneof(
  fc.record({ t: fc.constant('kv.put' as const), key: fc.string({ maxLength: 4 }), value: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ t: fc.constant('kv.delete' as const), key: fc.string({ maxLength: 4 }) }),
  fc.record({ t: fc.constant('member.advertise' as const), id: fc.constantFrom('m1', 'm2'), httpAddress: fc.constantFrom('h:1', 'h:2'), raftAddress: fc.constant('h:3'), term: fc.nat(9) }),
  fc.record({ t: fc.constant('member.add' as const), id: fc.constantFrom('m3', 'm4'), raftAddress: fc.constantFrom('h:5', 'h:6') }),
  fc.record({ t: fc.constant('member.forget' as const), id: fc.constantFrom('m2', 'm3') }),
);

describe('master state machine', () => {
  it('applies puts, deletes and advertisements', () => {
    const machine = new MasterStateMachine();
    expect(machine.apply(encodeCommand({ t: 'kv.put', key: 'a', value: Buffer.from('1') }))).toEqual({ ok: true });
    expect(Buffer.from(machine.kv.get('a')!).toString()).toBe('1');
    machine.apply(encodeCommand({ t: 'kv.delete', key: 'a' }));
    expect(machine.kv.get('a')).toBeUndefined();
    machine.apply(encodeCommand({ t: 'member.advertise', id: 'm2', httpAddress: '127.0.0.1:5060', raftAddress: '127.0.0.1:5160', term: 3 }));
    expect(machine.members.get('m2')).toEqual({ id: 'm2', httpAddress: '127.0.0.1:5060', raftAddress: '127.0.0.1:5160', term: 3 });
    machine.apply(encodeCommand({ t: 'member.add', id: 'm4', raftAddress: '127.0.0.1:5180' }));
    expect(machine.members.get('m4')).toEqual({ id: 'm4', httpAddress: '', raftAddress: '127.0.0.1:5180', term: 0 });
    machine.apply(encodeCommand({ t: 'member.forget', id: 'm4' }));
    expect(machine.members.get('m4')).toBeUndefined();
  });

  it('returns a rejection, without changing anything, for unknown or undecodable commands', () => {
    const machine = new MasterStateMachine();
    const before = machine.snapshot();
    expect(machine.apply(encode({ t: 'nope' }))).toMatchObject({ ok: false, error: expect.stringMatching(/unknown command/) });
    expect(machine.apply(new Uint8Array([0xc1]))).toMatchObject({ ok: false });
    expect(Buffer.from(machine.snapshot())).toEqual(Buffer.from(before));
  });

  test.prop([fc.array(command, { maxLength: 40 }), fc.nat(40)])('snapshot at any point then replay = straight replay', (commands, cut) => {
    const straight = new MasterStateMachine();
    for (const c of commands) straight.apply(encodeCommand(c as MasterCommand));
    const first = new MasterStateMachine();
    const at = Math.min(cut, commands.length);
    for (const c of commands.slice(0, at)) first.apply(encodeCommand(c as MasterCommand));
    const restored = new MasterStateMachine();
    restored.restore(first.snapshot());
    for (const c of commands.slice(at)) restored.apply(encodeCommand(c as MasterCommand));
    expect(Buffer.from(restored.snapshot())).toEqual(Buffer.from(straight.snapshot()));
  });
});
