/**
 * The pure parts of the HTTP APIs stay pure (DESIGN rule 1): decoding, validation, RecordIO and
 * the operator views take everything as arguments. Same scan as test/unit/purity.test.ts, over
 * this area's pure files (the routes and the event stream are the shells).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../../..');
const pureFiles = [
  'src/master/api/scheduler/recordio.ts',
  'src/master/api/scheduler/schema.ts',
  'src/master/api/scheduler/decode.ts',
  'src/master/api/scheduler/validate.ts',
  'src/master/api/scheduler/streams.ts',
  'src/master/api/operator/cluster-view.ts',
  'src/master/api/operator/resource-summary.ts',
  'src/master/api/operator/state-v0.ts',
  'src/master/api/operator/operator-v1.ts',
  'src/master/api/operator/metrics-snapshot.ts',
];
const forbidden: Array<[RegExp, string]> = [
  [/from ['"]node:/, 'node:* import'],
  [/from ['"](classic-level|level|dockerode|piscina|fastify)['"]/, 'I/O library import'],
  [/Date\.now\(|new Date\(\)|performance\.now\(/, 'clock'],
  [/Math\.random\(/, 'Math.random()'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'timer'],
  [/\bprocess\.|\bconsole\./, 'process/console'],
];

it.each(pureFiles)('%s uses no I/O, clock, randomness or globals', (file) => {
  const source = readFileSync(resolve(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  expect(forbidden.filter(([pattern]) => pattern.test(source)).map(([, what]) => what)).toEqual([]);
});
