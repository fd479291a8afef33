/**
 * Chronos-shaped errors. Every failure on the Chronos API answers `{status, message}` (the
 * Chronos 3.x body, spec §1.1) with the right status code: some clients show only the status.
 * Typed KairosErrors map through the one table in src/lib/errors.ts.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KairosError, UnavailableError, ValidationError, httpStatusOf } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { jobNotFoundMessage } from '../dag.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(code: number): string {
  return STATUS_TEXT[code] ?? (code >= 500 ? 'Internal Server Error' : 'Bad Request');
}

/** The error body Chronos 3.x clients parse. */
export function chronosErrorBody(code: number, message: string): { status: string; message: string } {
  return { status: statusText(code), message };
}

/** Unknown job: Chronos answers 400 (not 404) with this text (spec §1.2). */
export function unknownJob(name: string): ValidationError {
  return new ValidationError('name', jobNotFoundMessage(name));
}

export function runnerUnavailable(): UnavailableError {
  return new UnavailableError('the Chronos run side is not available on the leader yet; retry shortly');
}

export function chronosErrorHandler(logger: Logger) {
  return async (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    let code: number;
    if (error instanceof KairosError) code = httpStatusOf(error.code);
    else code = (error as FastifyError).statusCode ?? 500;
    if (code >= 500 && !(error instanceof KairosError)) logger.error({ err: error, url: request.url }, 'chronos API request failed');
    await reply.code(code).type('application/json').send(chronosErrorBody(code, error.message));
  };
}
