/**
 * Owner notifications as an HTTP POST of flat JSON (Chronos' `--http_notification_url`, spec
 * §3.15) on failure (retries exhausted), disable and delete. Leader only; fire-and-forget:
 * each POST is retried with exponential back-off and a failure is logged, never awaited by the
 * scheduler. Configured with `KAIROS_CHRONOS_WEBHOOK` (a URL); unset = off.
 */
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { ChronosJob } from '../model/index.js';

export type NotificationKind = 'failed' | 'disabled' | 'deleted';

export interface WebhookOptions {
  readonly url: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts per notification (default 4) and the first back-off (default 500 ms). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly fetch?: typeof fetch;
}

export class WebhookNotifier {
  private readonly sent = new Set<string>();

  constructor(private readonly options: WebhookOptions) {}

  /** Sends once per `key` (an idempotency key built from replicated data). */
  notify(key: string, kind: NotificationKind, job: Pick<ChronosJob, 'name' | 'command' | 'owner' | 'retries' | 'errorCount'>, message: string): void {
    const url = this.options.url;
    if (url === null || this.sent.has(key)) return;
    this.sent.add(key);
    if (this.sent.size > 10_000) this.sent.delete(this.sent.values().next().value as string);
    const subject = kind === 'failed' ? `job '${job.name}' failed!` : kind === 'disabled' ? `job '${job.name}' disabled` : `Your job '${job.name}' was deleted!`;
    const body = JSON.stringify({ subject, message, to: job.owner, job: job.name, command: job.command, retries: String(job.retries), kind });
    this.post(url, body, 0);
  }

  private post(url: string, body: string, attempt: number): void {
    const doFetch = this.options.fetch ?? fetch;
    const attempts = this.options.attempts ?? 4;
    doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5_000) })
      .then((response) => {
        if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      })
      .catch((error: unknown) => {
        if (attempt + 1 >= attempts) {
          this.options.logger.warn({ err: error, url }, 'chronos webhook notification dropped after retries');
          return;
        }
        const delay = (this.options.backoffMs ?? 500) * 2 ** attempt;
        this.options.clock.setTimer(delay, () => this.post(url, body, attempt + 1));
      });
  }
}
