/**
 * The replicated key-value store used by tests and benchmarks of the log: a plain map applied
 * in log order. Values are bytes; keys are UTF-8 strings (limits in commands.ts).
 */
export class KvState {
  private readonly entries = new Map<string, Uint8Array>();

  get(key: string): Uint8Array | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }

  put(key: string, value: Uint8Array): void {
    this.entries.set(key, value);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  toSnapshot(): Array<[string, Uint8Array]> {
    return [...this.entries];
  }

  restore(pairs: Array<[string, Uint8Array]>): void {
    this.entries.clear();
    for (const [key, value] of pairs) this.entries.set(key, value);
  }
}
