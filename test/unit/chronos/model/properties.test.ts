/**
 * Job model properties. Goal: (1) every valid body is accepted and survives GET → re-POST in
 * both API generations — the JSON a client reads back is a fixed point, and the job keeps every
 * field that generation carries; (2) a valid body with any one corruption is refused with 400, a
 * message that names the problem, no job, no call into the dependency check and an untouched
 * input; (3) no JSON value whatsoever makes validation throw. Method: fast-check bodies from
 * arbitraries.ts; the schedule check is a stub that accepts any non-empty text.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  CHRONOS_JOB_DEFAULTS,
  toChronosJson,
  validateJob,
  type ChronosJob,
  type ChronosVersion,
  type ValidationContext,
} from '../../../../src/chronos/model/index.js';
import { corruptions, kindFor, validJobBody } from './arbitraries.js';

const context: ValidationContext = { checkSchedule: () => null };

function accepted(body: unknown, kind: 'scheduled' | 'dependent'): ChronosJob {
  const result = validateJob(body, kind, context);
  if (!result.ok) throw new Error(`refused ${JSON.stringify(body)}: ${result.message}`);
  return result.job;
}

/** What a GET in `version` cannot carry, so a re-POST of it takes defaults instead. */
function carriedBy(job: ChronosJob, version: ChronosVersion): ChronosJob {
  const mirrored = { uris: [], fetch: [] };
  if (version === '3') return { ...job, ...mirrored, epsilon: CHRONOS_JOB_DEFAULTS.epsilon, async: false };
  return {
    ...job,
    ...mirrored,
    concurrent: false,
    maxCompletionTime: 0,
    container: job.container === null ? null : { ...job.container, networkInfos: [] },
  };
}

describe('valid jobs', () => {
  test.prop([validJobBody, fc.constantFrom<ChronosVersion>('2', '3')], { numRuns: 200 })(
    'GET → re-POST → GET is a fixed point and keeps what the version carries',
    (body, version) => {
      const job = accepted(body, kindFor(body));
      const json = JSON.parse(JSON.stringify(toChronosJson(job, version))) as Record<string, unknown>;
      const again = accepted(json, kindFor(json));
      expect(toChronosJson(again, version)).toEqual(toChronosJson(job, version));
      expect(carriedBy(again, version)).toEqual(carriedBy(job, version));
    },
  );

  test.prop([validJobBody], { numRuns: 100 })('the dependency check sees exactly the stored parents', (body) => {
    const seen: Array<readonly string[]> = [];
    const result = validateJob(body, kindFor(body), { ...context, checkDependencies: (_name, parents) => (seen.push(parents), null) });
    expect(result.ok).toBe(true);
    if (result.ok) expect(seen).toEqual([result.job.parents]);
  });
});

describe('invalid jobs', () => {
  test.prop([validJobBody, fc.constantFrom(...corruptions)], { numRuns: 300 })(
    'one corruption → 400 with its message, no job, no graph call, input untouched',
    (body, corruption) => {
      const bad = corruption.corrupt(body);
      const before = JSON.stringify(bad);
      let graphCalls = 0;
      const kind = typeof bad === 'object' && bad !== null && !Array.isArray(bad) ? kindFor(bad as Record<string, unknown>) : 'scheduled';
      const result = validateJob(bad, kind, { ...context, checkDependencies: () => (graphCalls++, null) });
      expect(result.ok, corruption.label).toBe(false);
      if (result.ok) return;
      expect(result.status).toBe(400);
      expect(result.message).toMatch(corruption.message);
      expect(Object.keys(result).sort()).toEqual(['message', 'ok', 'status']);
      expect(graphCalls).toBe(0);
      expect(JSON.stringify(bad)).toBe(before);
    },
  );

  test.prop([fc.jsonValue(), fc.constantFrom('scheduled', 'dependent') as fc.Arbitrary<'scheduled' | 'dependent'>], { numRuns: 300 })(
    'any JSON value is either a job or a 400 with a message; nothing throws',
    (value, kind) => {
      const result = validateJob(value, kind, context);
      if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
      else expect(result.job.name).toMatch(/^[A-Za-z0-9_.-]+$/);
    },
  );
});
