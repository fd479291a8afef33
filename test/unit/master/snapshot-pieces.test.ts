/**
 * The master snapshot encoded a piece at a time decodes to exactly the document it was made
 * from, whatever the shapes and sizes of the parts (arrays shorter than, equal to and longer than
 * a piece, non-array fields, parts that are not plain objects); a snapshot in the older one-document
 * form still decodes; a damaged one is refused. Method: fast-check documents, then hand-made cases.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { encodeDocument } from '../../../src/lib/codec.js';
import { decodeSnapshot, encodeInPieces, PIECE_ITEMS, type SnapshotDocument } from '../../../src/master/state/snapshot-pieces.js';

function encodeAll(document: SnapshotDocument): { bytes: Buffer; steps: number } {
  const pieces = encodeInPieces(document);
  let steps = 0;
  for (;;) {
    const step = pieces.next();
    if (step.done) return { bytes: step.value, steps };
    steps++;
  }
}

const record = fc.record({ id: fc.string(), n: fc.integer(), nested: fc.record({ state: fc.constantFrom('a', 'b'), list: fc.array(fc.integer(), { maxLength: 3 }) }) });
const lengths = fc.constantFrom(0, 1, PIECE_ITEMS - 1, PIECE_ITEMS, PIECE_ITEMS + 1, 2 * PIECE_ITEMS + 7);
const partArb = fc.oneof(
  fc.record({ v: fc.constant(1), rows: lengths.chain((n) => fc.array(record, { minLength: n, maxLength: n })), counter: fc.integer(), seen: fc.array(fc.tuple(fc.string(), fc.array(fc.string(), { maxLength: 2 })), { maxLength: 5 }) }),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.constant(null),
);

describe('snapshot in pieces', () => {
  test.prop([fc.dictionary(fc.constantFrom('reg', 'chronos', 'x'), partArb), fc.array(fc.tuple(fc.string(), fc.uint8Array({ maxLength: 8 })), { maxLength: 4 })], { numRuns: 25 })(
    'decodes to the document it was encoded from',
    (parts, kv) => {
      const document: SnapshotDocument = { version: 1, kv: kv.map(([k, v]) => [k, Buffer.from(v)]), members: [{ id: 'm1', httpAddress: 'h:1', raftAddress: 'r:1', term: 1 }], parts };
      const { bytes } = encodeAll(document);
      expect(decodeSnapshot(bytes)).toEqual(document);
    },
  );

  it('takes one step per piece of a long array', () => {
    const rows = Array.from({ length: 3 * PIECE_ITEMS + 1 }, (_, i) => ({ id: `t${i}` }));
    const { steps } = encodeAll({ version: 1, kv: [], members: [], parts: { reg: { rows, counter: 3 } } });
    expect(steps).toBe(4 + 1);
  });

  it('still reads the one-document form of earlier snapshots', () => {
    const document: SnapshotDocument = { version: 1, kv: [['k', Buffer.from('v')]], members: [], parts: { reg: { rows: [{ id: 'a' }] } } };
    expect(decodeSnapshot(encodeDocument(document))).toEqual(document);
  });

  it('refuses a truncated snapshot and trailing bytes', () => {
    const { bytes } = encodeAll({ version: 1, kv: [], members: [], parts: { reg: { rows: [{ id: 'a' }, { id: 'b' }] } } });
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 3))).toThrow(/runs past the end|truncated/);
    expect(() => decodeSnapshot(Buffer.concat([bytes, Buffer.from([1, 2])]))).toThrow(/after its last frame/);
  });
});
