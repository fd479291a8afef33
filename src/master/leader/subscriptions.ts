/**
 * The leader's live scheduler subscriptions: one sink per framework (a newer SUBSCRIBE replaces
 * the older one), each with its Mesos-Stream-Id.
 */
import type { SchedulerSink, V1Event } from './scheduler-port.js';

export interface LiveSubscription {
  frameworkId: string;
  streamId: string;
  sink: SchedulerSink;
  internal: boolean;
}

export class Subscriptions {
  private readonly byFramework = new Map<string, LiveSubscription>();

  get(frameworkId: string): LiveSubscription | undefined {
    return this.byFramework.get(frameworkId);
  }

  all(): LiveSubscription[] {
    return [...this.byFramework.values()];
  }

  get size(): number {
    return this.byFramework.size;
  }

  /** Installs a subscription; returns the one it replaced (the caller ends it). */
  set(subscription: LiveSubscription): LiveSubscription | undefined {
    const previous = this.byFramework.get(subscription.frameworkId);
    this.byFramework.set(subscription.frameworkId, subscription);
    return previous;
  }

  /** Removes the framework's subscription if it is still the one with `streamId`. */
  removeIf(frameworkId: string, streamId: string): boolean {
    const current = this.byFramework.get(frameworkId);
    if (current?.streamId !== streamId) return false;
    this.byFramework.delete(frameworkId);
    return true;
  }

  remove(frameworkId: string): LiveSubscription | undefined {
    const current = this.byFramework.get(frameworkId);
    this.byFramework.delete(frameworkId);
    return current;
  }

  /** Best effort: a sink that throws is closed and dropped. */
  send(frameworkId: string, event: V1Event): boolean {
    const subscription = this.byFramework.get(frameworkId);
    if (!subscription) return false;
    try {
      subscription.sink.send(event);
      return true;
    } catch {
      this.byFramework.delete(frameworkId);
      safeClose(subscription, 'sink failed');
      return false;
    }
  }

  broadcast(event: V1Event): void {
    for (const subscription of this.all()) this.send(subscription.frameworkId, event);
  }

  closeAll(reason: string): void {
    const all = this.all();
    this.byFramework.clear();
    for (const subscription of all) safeClose(subscription, reason);
  }
}

export function safeClose(subscription: LiveSubscription, reason: string): void {
  try {
    subscription.sink.close(reason);
  } catch {
    // The stream is gone already.
  }
}
