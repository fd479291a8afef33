/**
 * Request bodies on the Chronos API. Every content type is read as text (clients send JSON as
 * `application/json`, but also with curl's form default or no type at all), kept raw so a
 * follower can forward it byte for byte, and parsed as JSON only by the routes that need it —
 * a bad body is a 400 with a message, never a 500 page (spec §1.7).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../lib/errors.js';

/** The body as received. */
export interface RawBody {
  readonly text: string;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export function acceptRawBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => {
    done(null, { text: typeof body === 'string' ? body : body.toString('utf8') } satisfies RawBody);
  });
}

export function rawText(request: FastifyRequest): string {
  const body = request.body as RawBody | undefined;
  return body?.text ?? '';
}

/** The body parsed as JSON; `undefined` when empty. */
export function jsonBody(request: FastifyRequest): unknown {
  const text = rawText(request);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError('body', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A JSON object body (a job); anything else is a 400. */
export function jsonObjectBody(request: FastifyRequest): Record<string, unknown> {
  const body = jsonBody(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('body', 'the request body must be a JSON object (a Chronos job)');
  }
  return body as Record<string, unknown>;
}
