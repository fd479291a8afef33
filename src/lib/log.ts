/**
 * Structured logging: JSON lines by default (pino); `pretty` for a terminal. Components take a
 * child logger with their name bound, never console.*.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  name?: string;
  /** Extra fields on every line, e.g. the replica id. */
  bindings?: Record<string, unknown>;
}

export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? process.env['KAIROS_LOG_LEVEL'] ?? 'info';
  const base = { name: options.name ?? 'kairos', ...(options.bindings ?? {}) };
  if (options.pretty) {
    return pino({
      level,
      base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
