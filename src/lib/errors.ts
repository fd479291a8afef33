/**
 * Typed errors for shell boundaries. Each carries a stable `code` that one function maps to
 * HTTP statuses; `details` holds machine-readable context (the field, the leader hint...).
 */
export type ErrorCode =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'not_leader'
  | 'unauthenticated'
  | 'forbidden'
  | 'timeout'
  | 'unavailable'
  | 'storage'
  | 'protocol'
  | 'too_large'
  | 'leadership_lost'
  | 'config';

export class KairosError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends KairosError {
  constructor(readonly field: string, message: string) {
    super('validation', message, { field });
  }
}
export class NotFoundError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('not_found', message, details);
  }
}
export class ConflictError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', message, details);
  }
}
/** This replica is not the leader; `leaderHint` names the one it believes leads, if any. */
export class NotLeaderError extends KairosError {
  constructor(readonly leaderHint: string | null, message = 'not the leader') {
    super('not_leader', message, { leaderHint });
  }
}
/** The leader stepped down (or lost its term) before a proposal was applied. */
export class LeadershipLostError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('leadership_lost', message, details);
  }
}
export class TimeoutError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('timeout', message, details);
  }
}
export class UnavailableError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('unavailable', message, details);
  }
}
export class StorageError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('storage', message, details, options);
  }
}
export class ProtocolError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('protocol', message, details);
  }
}
export class TooLargeError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('too_large', message, details);
  }
}
export class ConfigError extends KairosError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('config', message, details);
  }
}

/** HTTP status for an error code (API layers may refine the body shape). */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'validation':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'too_large':
      return 413;
    case 'not_leader':
    case 'leadership_lost':
    case 'unavailable':
      return 503;
    case 'timeout':
      return 504;
    case 'storage':
    case 'protocol':
    case 'config':
      return 500;
  }
}
