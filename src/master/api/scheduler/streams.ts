/**
 * Which HTTP subscription currently speaks for each framework on this replica: its
 * Mesos-Stream-Id. Non-SUBSCRIBE calls must present it (mesos-api.md §2.6). Entries are removed
 * only by the stream that created them, so a stale stream ending cannot forget a newer one.
 */
export class StreamRegistry {
  private readonly byFramework = new Map<string, string>();

  remember(frameworkId: string, streamId: string): void {
    this.byFramework.set(frameworkId, streamId);
  }

  forget(frameworkId: string, streamId: string): void {
    if (this.byFramework.get(frameworkId) === streamId) this.byFramework.delete(frameworkId);
  }

  streamOf(frameworkId: string): string | undefined {
    return this.byFramework.get(frameworkId);
  }
}
