/**
 * The agent's standby links (protocol: src/protocol/messages.ts): one idle connection to every
 * master other than the one it is registered with, so that whichever master wins the next
 * election can call the agent (`leading`) instead of waiting for it to dial. A link that closes
 * or cannot be made is dialled again after a jittered backoff; nothing is sent on one.
 *
 * The MasterLink decides what a `leading` is worth (link-policy.ts `adoptsLeading`): a link it
 * adopts leaves this set and becomes its link to the leader.
 */
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { STANDBY_BACKOFF, STANDBY_DOWN_BACKOFF, STANDBY_SPREAD_MS, backoffDelayMs, type LeadingVerdict } from './link-policy.js';
import type { Dialer, LinkConnection } from './master-link.js';

/** A master's announcement on a standby link. */
export interface Leading {
  address: string;
  connection: LinkConnection;
  term: number;
  leaderId: string;
  /** The master takes a hello whose tasks come as a digest (messages.ts `leading`). */
  digests: boolean;
}

export interface StandbyLinksOptions {
  masters: readonly string[];
  dial: Dialer;
  clock: Clock;
  /** Uniform draw in [0, 1) for jitter. */
  random: () => number;
  log: Logger;
  /** Judges an announcement; on 'adopt' the connection is the caller's from then on. */
  onLeading: (leading: Leading) => LeadingVerdict;
}

interface Entry {
  connection: LinkConnection | null;
  timer: TimerHandle | null;
  failures: number;
  /** The last dial found nothing listening there (the master is down: it cannot lead next). */
  down: boolean;
}

export class StandbyLinks {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(private readonly options: StandbyLinksOptions) {}

  /**
   * Registered with the master at `primary`: keep a standby link to every other master (first
   * dials spread over STANDBY_SPREAD_MS, so a fleet registering at once does not dial at once).
   * `lost`, the master whose link to us just broke, is most likely down (a killed leader): it is
   * dialled as if a dial had just been refused, on STANDBY_DOWN_BACKOFF. Dialled at once, the
   * whole fleet's refused dials landed on the new leader's busiest seconds.
   */
  retarget(primary: string, lost: string | null = null): void {
    if (this.stopped) return;
    for (const address of this.options.masters) {
      if (address === primary) {
        this.drop(address);
        continue;
      }
      if (!this.entries.has(address)) {
        const entry: Entry = { connection: null, timer: null, failures: 0, down: address === lost };
        this.entries.set(address, entry);
        if (entry.down) this.retry(address, entry);
        else this.schedule(address, entry, Math.floor(this.options.random() * STANDBY_SPREAD_MS));
      }
    }
  }

  /**
   * True when whichever master leads next will call us: every master but `primary` holds an open
   * standby link of ours, or did not take our last dial (a master that is down cannot win).
   */
  covers(primary: string): boolean {
    let open = 0;
    for (const address of this.options.masters) {
      if (address === primary) continue;
      const entry = this.entries.get(address);
      if (entry?.connection) open++;
      else if (!entry?.down) return false;
    }
    return open > 0;
  }

  /** Open standby links (tests and metrics). */
  get open(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.connection) n++;
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const address of [...this.entries.keys()]) this.drop(address);
  }

  private drop(address: string): void {
    const entry = this.entries.get(address);
    if (!entry) return;
    this.entries.delete(address);
    entry.timer?.cancel();
    entry.connection?.close(null);
  }

  private schedule(address: string, entry: Entry, delayMs: number): void {
    entry.timer?.cancel();
    entry.timer = this.options.clock.setTimer(delayMs, () => {
      entry.timer = null;
      void this.dial(address, entry);
    });
  }

  private retry(address: string, entry: Entry): void {
    if (this.stopped || this.entries.get(address) !== entry) return;
    entry.connection = null;
    this.schedule(address, entry, backoffDelayMs(entry.failures++, this.options.random(), entry.down ? STANDBY_DOWN_BACKOFF : STANDBY_BACKOFF));
  }

  private async dial(address: string, entry: Entry): Promise<void> {
    if (this.stopped || this.entries.get(address) !== entry) return;
    const result = await this.options.dial(address, 'standby');
    if (this.stopped || this.entries.get(address) !== entry) {
      if (result.kind === 'connected') result.connection.close(null);
      return;
    }
    entry.down = result.kind === 'unavailable' && result.answered !== true;
    if (result.kind !== 'connected') {
      // A master that redirects does not hold standby links (an older version): ask rarely.
      if (result.kind === 'redirect') entry.failures = Math.max(entry.failures, 10);
      this.retry(address, entry);
      return;
    }
    const { connection } = result;
    entry.connection = connection;
    entry.failures = 0;
    connection.onClose = () => {
      if (entry.connection === connection) this.retry(address, entry);
    };
    connection.onMessage = (message) => {
      if (message.t !== 'leading' || entry.connection !== connection) return;
      const verdict = this.options.onLeading({ address, connection, term: message.term, leaderId: message.leaderId, digests: message.digests === true });
      if (verdict === 'adopt') {
        entry.connection = null;
        this.entries.delete(address);
        entry.timer?.cancel();
        return;
      }
      this.options.log.debug({ master: address, term: message.term, verdict }, 'standby announcement not taken');
      // The master has handed this link to its leader session, which will not hold it as a
      // standby again: start over with a fresh one — unless it is the master we are registered
      // with under another address, which needs none until we move.
      entry.connection = null;
      connection.close(null);
      if (verdict === 'current') this.entries.delete(address);
      else this.retry(address, entry);
    };
  }
}
