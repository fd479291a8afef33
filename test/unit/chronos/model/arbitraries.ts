/**
 * fast-check generators of valid Chronos job bodies (as clients send them: some numbers as
 * strings, optional fields left out) and of single corruptions that each make a body invalid.
 */
import { fc } from '@fast-check/vitest';

export const jobName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
const text = fc.string({ maxLength: 12 });
const isoInstant = fc
  .date({ min: new Date(Date.UTC(1971, 0, 1)), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true })
  .map((date) => date.toISOString());
const keyValue = fc.record({ key: text, value: text });

const container = fc.record(
  {
    type: fc.constantFrom('DOCKER', 'MESOS', 'docker', 'Mesos'),
    image: fc.stringMatching(/^[a-z][a-z0-9:./-]{0,15}$/),
    network: fc.constantFrom('HOST', 'BRIDGE', 'USER'),
    networkName: fc.stringMatching(/^[a-z]{1,6}$/),
    networkInfos: fc.array(
      fc.record(
        {
          name: text,
          protocol: fc.constantFrom('IPv4', 'IPv6'),
          labels: fc.array(keyValue, { maxLength: 2 }),
          portMappings: fc.array(
            fc.record({ hostPort: fc.nat(65535), containerPort: fc.nat(65535).map(String), protocol: fc.constantFrom('tcp', 'udp') }, { requiredKeys: ['hostPort', 'containerPort'] }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 2 },
    ),
    volumes: fc.array(
      fc.record(
        {
          containerPath: fc.stringMatching(/^\/[a-z]{1,6}$/),
          hostPath: fc.stringMatching(/^\/[a-z]{1,6}$/),
          mode: fc.constantFrom('RW', 'RO', 'rw'),
          external: fc.record({ name: text, provider: text, options: fc.array(keyValue, { maxLength: 2 }) }),
        },
        { requiredKeys: ['containerPath'] },
      ),
      { maxLength: 2 },
    ),
    forcePullImage: fc.oneof(fc.boolean(), fc.constantFrom('true', 'false')),
    parameters: fc.array(keyValue, { maxLength: 2 }),
  },
  { requiredKeys: ['image'] },
);

const fetchEntry = fc.record(
  { uri: fc.webUrl(), executable: fc.boolean(), cache: fc.boolean(), extract: fc.boolean(), output_file: fc.stringMatching(/^[a-z]{1,6}$/) },
  { requiredKeys: ['uri'] },
);

const constraint = fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constant('EQUALS'), text),
  fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom('LIKE', 'UNLIKE', 'like'), fc.constantFrom('r[0-9]+', '.*', 'a|b', 'x')),
);

const trigger = fc.oneof(
  fc.record(
    {
      schedule: fc.constantFrom('R/2014-03-08T20:00:00.000Z/PT2H', 'R5//P1D', 'R0/2030-01-01T00:00:00Z/PT1M', '0 9 * * 1-5'),
      scheduleTimeZone: fc.constantFrom('', 'UTC', 'PST', 'BST', 'Europe/Berlin', '+05:30'),
      events: fc.array(jobName, { maxLength: 2 }),
    },
    { requiredKeys: ['schedule'] },
  ),
  fc.record({ parents: fc.array(jobName, { minLength: 1, maxLength: 3 }), events: fc.array(jobName, { maxLength: 2 }) }, { requiredKeys: ['parents'] }),
  fc.record({ events: fc.array(jobName, { minLength: 1, maxLength: 3 }) }),
);

const fields = fc.record(
  {
    command: text,
    shell: fc.oneof(fc.boolean(), fc.constantFrom('true', 'false')),
    arguments: fc.array(text, { maxLength: 3 }),
    epsilon: fc.constantFrom('PT60S', 'PT15M', 'P1DT2H', 'PT0.5S', 'P2W'),
    async: fc.boolean(),
    retries: fc.oneof(fc.nat(10), fc.nat(10).map(String)),
    concurrent: fc.boolean(),
    disabled: fc.boolean(),
    softError: fc.boolean(),
    highPriority: fc.boolean(),
    dataProcessingJobType: fc.boolean(),
    maxCompletionTime: fc.nat(86_400),
    cpus: fc.oneof(fc.double({ min: 0.01, max: 64, noNaN: true }), fc.constantFrom('0.5', '2')),
    mem: fc.oneof(fc.integer({ min: 0, max: 1 << 20 }), fc.constant('512')),
    disk: fc.integer({ min: 0, max: 1 << 20 }),
    runAsUser: text,
    executor: text,
    executorFlags: text,
    taskInfoData: text,
    environmentVariables: fc.array(fc.record({ name: fc.stringMatching(/^[A-Z_]{1,6}$/), value: text }), { maxLength: 3 }),
    constraints: fc.array(constraint, { maxLength: 3 }),
    container,
    owner: text,
    ownerName: text,
    description: text,
    successCount: fc.nat(1000),
    errorCount: fc.nat(1000),
    errorsSinceLastSuccess: fc.nat(1000),
    lastSuccess: fc.oneof(fc.constant(''), isoInstant),
    lastError: fc.oneof(fc.constant(''), isoInstant),
    unknownExtra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

const fetchOrUris = fc.oneof(
  fc.record({}),
  fc.record({ uris: fc.array(fc.webUrl(), { minLength: 1, maxLength: 2 }) }),
  fc.record({ fetch: fc.array(fetchEntry, { minLength: 1, maxLength: 2 }) }),
);

/** A valid job body, and the endpoint kind it can be posted to. */
export const validJobBody = fc
  .tuple(fc.oneof(fc.record({ name: jobName }), fc.record({ id: jobName })), trigger, fields, fetchOrUris)
  .map(([name, triggerFields, rest, fetch]) => ({ ...rest, ...fetch, ...triggerFields, ...name }) as Record<string, unknown>);

export function kindFor(body: Record<string, unknown>): 'scheduled' | 'dependent' {
  return Array.isArray(body['parents']) && body['parents'].length > 0 ? 'dependent' : 'scheduled';
}

/** A corruption: applied to a valid body it makes it invalid; `message` is what the 400 must say. */
export interface Corruption {
  readonly label: string;
  readonly corrupt: (body: Record<string, unknown>) => unknown;
  readonly message: RegExp;
}

export const corruptions: readonly Corruption[] = [
  { label: 'bad name', corrupt: (body) => ({ ...body, name: 'has space', id: undefined }), message: /^the job's name is invalid/ },
  { label: 'no name', corrupt: (body) => ({ ...body, name: undefined, id: undefined }), message: /^name: required$/ },
  { label: 'negative cpus', corrupt: (body) => ({ ...body, cpus: -0.5 }), message: /^cpus: must not be negative$/ },
  { label: 'text mem', corrupt: (body) => ({ ...body, mem: 'plenty' }), message: /^mem: expected a number$/ },
  { label: 'bad retries', corrupt: (body) => ({ ...body, retries: '-1' }), message: /^retries: must not be negative$/ },
  { label: 'bad boolean', corrupt: (body) => ({ ...body, disabled: 'maybe' }), message: /^disabled: expected a boolean$/ },
  { label: 'bad epsilon', corrupt: (body) => ({ ...body, epsilon: 'soon' }), message: /^epsilon: / },
  { label: 'bad operator', corrupt: (body) => ({ ...body, constraints: [['a', 'CLUSTER', 'b']] }), message: /^constraints\[0\]: unknown operator/ },
  { label: 'bad regex', corrupt: (body) => ({ ...body, constraints: [['a', 'LIKE', '[']] }), message: /^constraints\[0\]: .* not a valid regular expression$/ },
  { label: 'bad network', corrupt: (body) => ({ ...body, container: { image: 'x', network: 'host' } }), message: /^container\.network: / },
  { label: 'env shape', corrupt: (body) => ({ ...body, environmentVariables: [{ FOO: 'bar' }] }), message: /^environmentVariables\[0\]\.name: / },
  { label: 'uris and fetch', corrupt: (body) => ({ ...body, uris: ['http://a'], fetch: [{ uri: 'http://b' }] }), message: /^Tried to add both uri \(deprecated\) and fetch parameters on / },
  { label: 'bad timestamp', corrupt: (body) => ({ ...body, lastSuccess: 'last tuesday' }), message: /^lastSuccess: / },
  { label: 'negative count', corrupt: (body) => ({ ...body, errorCount: -1 }), message: /^errorCount: must not be negative$/ },
  { label: 'bad parent name', corrupt: (body) => ({ ...body, parents: ['ok', 'not/ok'] }), message: /^parents\[1\]: / },
  {
    label: 'unknown zone',
    corrupt: (body) => ({ ...body, parents: undefined, events: undefined, schedule: 'R//PT1H', scheduleTimeZone: 'Atlantis/Capital' }),
    message: /^scheduleTimeZone: Unknown time zone 'Atlantis\/Capital'/,
  },
  {
    label: 'no trigger',
    corrupt: (body) => ({ ...body, parents: undefined, events: undefined, schedule: undefined }),
    message: /^(schedule: a job needs a schedule, parents or events|Error, parent does not exist)$/,
  },
  { label: 'not an object', corrupt: (body) => [body], message: /^a job must be a JSON object$/ },
];
