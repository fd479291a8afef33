/**
 * RecordIO framing of the v1 event stream (mesos-api.md §2.3): each record is the decimal byte
 * length, a newline, then compact JSON. Every non-ASCII character is escaped as `\uXXXX` so the
 * byte length equals the string length: some clients compare the prefix with a JS string's length
 * (§0 C2). Pure.
 */

/** Compact JSON with every character outside printable ASCII escaped as \uXXXX. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One RecordIO record `<len>\n<json>` for `value` (ASCII only, so length = bytes). */
export function encodeRecord(value: unknown): string {
  const json = asciiJson(value);
  return `${json.length}\n${json}`;
}

/**
 * Incremental RecordIO reader: feed it bytes as they arrive, in any split, and it returns the
 * complete records' payloads. Lengths are in bytes (it works on Buffers, not strings).
 */
export class RecordIoDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** Appends `chunk` and returns every record completed by it, in order. */
  push(chunk: Buffer | string): string[] {
    this.buffered = Buffer.concat([this.buffered, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    const records: string[] = [];
    for (;;) {
      const newline = this.buffered.indexOf(0x0a);
      if (newline < 0) break;
      const header = this.buffered.subarray(0, newline).toString('ascii');
      if (!/^\d{1,12}$/.test(header)) throw new Error(`RecordIO: bad length prefix ${JSON.stringify(header.slice(0, 20))}`);
      const length = Number(header);
      if (this.buffered.length < newline + 1 + length) break;
      records.push(this.buffered.subarray(newline + 1, newline + 1 + length).toString('utf8'));
      this.buffered = this.buffered.subarray(newline + 1 + length);
    }
    return records;
  }

  /** Bytes received that do not yet form a whole record. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}
