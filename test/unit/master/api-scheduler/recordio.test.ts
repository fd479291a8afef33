/** RecordIO framing: lengths in bytes, ASCII-only JSON, any split of the byte stream decodes. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { RecordIoDecoder, asciiJson, encodeRecord } from '../../../../src/master/api/scheduler/recordio.js';

describe('encodeRecord', () => {
  it('prefixes the byte length and escapes non-ASCII', () => {
    expect(encodeRecord({ type: 'HEARTBEAT' })).toBe('20\n{"type":"HEARTBEAT"}');
    expect(asciiJson({ name: 'tâche 🚀' })).toBe('{"name":"t\\u00e2che \\ud83d\\ude80"}');
  });

  test.prop([fc.jsonValue()])('output is ASCII, its prefix equals byte and string length, and it round-trips', (value) => {
    const record = encodeRecord(value);
    expect(/^[\x00-\x7f]*$/.test(record)).toBe(true);
    const newline = record.indexOf('\n');
    const body = record.slice(newline + 1);
    expect(Number(record.slice(0, newline))).toBe(Buffer.byteLength(body));
    expect(Number(record.slice(0, newline))).toBe(body.length);
    expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(value)));
  });
});

describe('RecordIoDecoder', () => {
  test.prop([fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 })])(
    'decodes every record however the bytes are split',
    (values, cuts) => {
      const bytes = Buffer.from(values.map(encodeRecord).join(''));
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const decoder = new RecordIoDecoder();
      const out: string[] = [];
      let at = 0;
      for (const point of [...points, bytes.length]) {
        out.push(...decoder.push(bytes.subarray(at, point)));
        at = point;
      }
      expect(out.map((r) => JSON.parse(r))).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
      expect(decoder.pendingBytes).toBe(0);
    },
  );

  it('counts multi-byte UTF-8 by bytes', () => {
    const decoder = new RecordIoDecoder();
    expect(decoder.push(Buffer.from('4\n"é"2\n{}'))).toEqual(['"é"', '{}']);
  });

  it('refuses a bad length prefix', () => {
    expect(() => new RecordIoDecoder().push('x\n{}')).toThrow(/bad length prefix/);
  });
});
