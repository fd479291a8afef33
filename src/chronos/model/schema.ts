/**
 * The zod schema of Chronos job JSON as clients send it (spec §2): the structure and scalar
 * types of every field, both 2.x and 3.x shapes, and the Kairos `events` extension.
 *
 * This layer only checks shapes; it does not fill defaults or apply cross-field rules (name
 * pattern, uris+fetch, schedule, zone, parents) — `validate.ts` does that on the parsed value.
 * Unknown fields are dropped, as Chronos' deserializer ignores them (spec §1.1). Enum values
 * Chronos reads case-insensitively (container type, volume mode) are normalised here; the
 * network mode is case-sensitive in Chronos and stays so.
 */
import * as z from 'zod';
import { lenientBoolean, lenientCount, lenientNumber, lenientString, optional, stringList } from './lenient.js';

function upperEnum<const T extends readonly [string, ...string[]]>(values: T, what: string): z.ZodType<T[number]> {
  const message = `expected ${what} (one of ${values.join(', ')})`;
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toUpperCase() : value),
    z.enum(values, { error: message }),
  );
}

const keyValue = z.object({ key: lenientString, value: lenientString }, { error: 'expected {key, value}' });
const keyValues = z.array(keyValue, { error: 'expected an array of {key, value}' });

const environmentVariable = z.object(
  { name: lenientString, value: optional(lenientString) },
  { error: 'expected {name, value}' },
);

const fetchEntry = z.object(
  {
    uri: lenientString,
    executable: optional(lenientBoolean),
    cache: optional(lenientBoolean),
    extract: optional(lenientBoolean),
    output_file: optional(lenientString),
  },
  { error: 'expected {uri, executable, cache, extract}' },
);

const constraint = z
  .array(lenientString, { error: 'expected [attribute, operator, value]' })
  .length(3, { error: 'expected [attribute, operator, value]' });

const externalVolume = z.object(
  { name: lenientString, provider: lenientString, options: optional(keyValues) },
  { error: 'expected {name, provider, options}' },
);

const volume = z.object(
  {
    containerPath: lenientString,
    hostPath: optional(lenientString),
    mode: optional(upperEnum(['RW', 'RO'], 'a volume mode')),
    external: optional(externalVolume),
  },
  { error: 'expected {containerPath, hostPath, mode}' },
);

const portMapping = z.object(
  { hostPort: lenientCount, containerPort: lenientCount, protocol: optional(lenientString) },
  { error: 'expected {hostPort, containerPort}' },
);

const networkInfo = z.object(
  {
    name: lenientString,
    protocol: optional(z.enum(['IPv4', 'IPv6'], { error: 'expected IPv4 or IPv6' })),
    labels: optional(keyValues),
    portMappings: optional(z.array(portMapping, { error: 'expected an array of port mappings' })),
  },
  { error: 'expected {name, labels, portMappings}' },
);

const container = z.object(
  {
    type: optional(upperEnum(['DOCKER', 'MESOS'], 'a container type')),
    image: optional(lenientString),
    network: optional(z.enum(['HOST', 'BRIDGE', 'USER'], { error: 'expected HOST, BRIDGE or USER (upper case)' })),
    networkName: optional(lenientString),
    networkInfos: optional(z.array(networkInfo, { error: 'expected an array of network infos' })),
    volumes: optional(z.array(volume, { error: 'expected an array of volumes' })),
    forcePullImage: optional(lenientBoolean),
    parameters: optional(keyValues),
  },
  { error: 'expected an object' },
);

/** Every job field Kairos reads; all optional here, required-ness is decided in validate.ts. */
export const jobInputSchema = z.object(
  {
    name: optional(lenientString),
    id: optional(lenientString),
    command: optional(lenientString),
    shell: optional(lenientBoolean),
    arguments: optional(stringList),
    schedule: optional(lenientString),
    scheduleTimeZone: optional(lenientString),
    parents: optional(stringList),
    events: optional(stringList),
    epsilon: optional(lenientString),
    async: optional(lenientBoolean),
    retries: optional(lenientCount),
    concurrent: optional(lenientBoolean),
    disabled: optional(lenientBoolean),
    softError: optional(lenientBoolean),
    highPriority: optional(lenientBoolean),
    dataProcessingJobType: optional(lenientBoolean),
    maxCompletionTime: optional(lenientCount),
    cpus: optional(lenientNumber),
    mem: optional(lenientNumber),
    disk: optional(lenientNumber),
    runAsUser: optional(lenientString),
    executor: optional(lenientString),
    executorFlags: optional(lenientString),
    taskInfoData: optional(lenientString),
    environmentVariables: optional(z.array(environmentVariable, { error: 'expected an array of {name, value}' })),
    uris: optional(stringList),
    fetch: optional(z.array(fetchEntry, { error: 'expected an array of fetch entries' })),
    constraints: optional(z.array(constraint, { error: 'expected an array of [attribute, operator, value]' })),
    container: optional(container),
    owner: optional(lenientString),
    ownerName: optional(lenientString),
    description: optional(lenientString),
    successCount: optional(lenientCount),
    errorCount: optional(lenientCount),
    errorsSinceLastSuccess: optional(lenientCount),
    lastSuccess: optional(lenientString),
    lastError: optional(lenientString),
  },
  { error: 'a job must be a JSON object' },
);

/** A job body after the shape check: every field optional, scalars already coerced. */
export type JobInput = z.output<typeof jobInputSchema>;
export type ContainerInput = NonNullable<JobInput['container']>;

/** "field.path[0].sub: message" for the first zod issue — the message names the field (rule 7). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  let path = '';
  for (const segment of issue.path) {
    path += typeof segment === 'number' ? `[${segment}]` : `${path === '' ? '' : '.'}${String(segment)}`;
  }
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
