/**
 * validateJob, by example. Goal: the job bodies the spec names (§1.3 examples, §1.7 minimal 2.x
 * bodies, §2 defaults and lenient scalars, Appendix B.1/B.3/B.5/B.7) are accepted with exactly
 * Chronos' defaults, and bad bodies are refused with status 400 and a message that names the
 * field (or Chronos' own text where clients may match on it). Method: tables of input → expected
 * job fields or expected message; the schedule check is a stub that records its calls.
 */
import { describe, expect, it } from 'vitest';
import {
  CHRONOS_JOB_DEFAULTS,
  NO_PARENTS_MESSAGE,
  NO_TRIGGER_MESSAGE,
  validateJob,
  type ChronosJob,
  type ScheduleCheck,
  type SubmitKind,
  type ValidationContext,
} from '../../../../src/chronos/model/index.js';

const acceptAll: ScheduleCheck = () => null;
const context: ValidationContext = { checkSchedule: acceptAll };
const SCHEDULE = 'R/2014-03-08T20:00:00.000Z/PT2H';

function accept(input: unknown, kind: SubmitKind = 'scheduled', ctx: ValidationContext = context): ChronosJob {
  const result = validateJob(input, kind, ctx);
  if (!result.ok) throw new Error(`expected acceptance, got 400: ${result.message}`);
  return result.job;
}

function refuse(input: unknown, kind: SubmitKind = 'scheduled', ctx: ValidationContext = context): string {
  const result = validateJob(input, kind, ctx);
  if (result.ok) throw new Error(`expected a 400, got a job: ${JSON.stringify(result.job)}`);
  expect(result.status).toBe(400);
  expect(result).not.toHaveProperty('job');
  return result.message;
}

describe('defaults (Appendix B.1, spec §2.1)', () => {
  it('fills every field a minimal 2.x body leaves out', () => {
    const job = accept({ name: 'j1', command: 'echo hi', schedule: SCHEDULE, epsilon: 'PT30M', owner: 'a@b.c', async: false });
    expect(job).toEqual({
      name: 'j1',
      command: 'echo hi',
      shell: true,
      arguments: [],
      schedule: SCHEDULE,
      scheduleTimeZone: '',
      parents: [],
      events: [],
      epsilon: 'PT30M',
      async: false,
      retries: 2,
      concurrent: false,
      disabled: false,
      softError: false,
      highPriority: false,
      dataProcessingJobType: false,
      maxCompletionTime: 0,
      cpus: 0.1,
      memMb: 128,
      diskMb: 256,
      runAsUser: 'root',
      executor: '',
      executorFlags: '',
      taskInfoData: '',
      environmentVariables: [],
      uris: [],
      fetch: [],
      constraints: [],
      container: null,
      owner: 'a@b.c',
      ownerName: '',
      description: '',
      successCount: 0,
      errorCount: 0,
      errorsSinceLastSuccess: 0,
      lastSuccessMs: null,
      lastErrorMs: null,
    } satisfies ChronosJob);
  });

  it('takes flag defaults from the context and treats 0 resources as missing', () => {
    const defaults = { cpus: 0.5, memMb: 512, diskMb: 1024, runAsUser: 'nobody', epsilon: 'PT5M' };
    const job = accept({ name: 'j', schedule: SCHEDULE, cpus: 0, mem: null, runAsUser: '' }, 'scheduled', { ...context, defaults });
    expect([job.cpus, job.memMb, job.diskMb, job.runAsUser, job.epsilon]).toEqual([0.5, 512, 1024, 'nobody', 'PT5M']);
    expect(CHRONOS_JOB_DEFAULTS.epsilon).toBe('PT60S');
  });

  it('treats null like a missing field', () => {
    const job = accept({ name: 'j', schedule: SCHEDULE, retries: null, shell: null, owner: null, container: null });
    expect([job.retries, job.shell, job.owner, job.container]).toEqual([2, true, '', null]);
  });
});

describe('lenient scalars (spec §1.1)', () => {
  it.each([
    [{ cpus: '0.5', mem: '512', disk: ' 64 ' }, { cpus: 0.5, memMb: 512, diskMb: 64 }],
    [{ retries: '0', maxCompletionTime: '30' }, { retries: 0, maxCompletionTime: 30 }],
    [{ disabled: 'true', shell: 'FALSE', softError: true }, { disabled: true, shell: false, softError: true }],
    [{ owner: 42, command: true }, { owner: '42', command: 'true' }],
    [{ unknownField: 1, anotherOne: { deep: true } }, { name: 'j' }],
  ])('%j', (fields, expected) => {
    expect(accept({ name: 'j', schedule: SCHEDULE, ...fields })).toMatchObject(expected);
  });
});

describe('names', () => {
  it('accepts word characters, dots and dashes, and `id` as an alias', () => {
    expect(accept({ name: 'a_B-1.x', schedule: SCHEDULE }).name).toBe('a_B-1.x');
    expect(accept({ id: 'by-id', schedule: SCHEDULE }).name).toBe('by-id');
    expect(accept({ id: 'same', name: 'same', schedule: SCHEDULE }).name).toBe('same');
  });

  it.each([
    [{ name: 'a b' }, "the job's name is invalid. Allowed names: '([\\w\\.-]+)'"],
    [{ name: 'a/b' }, "the job's name is invalid. Allowed names: '([\\w\\.-]+)'"],
    [{ name: 'é' }, "the job's name is invalid. Allowed names: '([\\w\\.-]+)'"],
    [{ name: 'x'.repeat(256) }, 'name: longer than 255 characters'],
    [{}, 'name: required'],
    [{ name: '' }, 'name: required'],
    [{ name: 'a', id: 'b' }, "name: 'name' (a) and 'id' (b) differ"],
    [{ name: ['a'] }, 'name: expected a string'],
  ])('%j → %s', (fields, message) => {
    expect(refuse({ schedule: SCHEDULE, ...fields })).toBe(message);
  });
});

describe('triggers: field presence decides (spec §2)', () => {
  it('parents make a dependent job and the schedule is ignored', () => {
    const calls: string[] = [];
    const ctx = { checkSchedule: (text: string) => (calls.push(text), null) };
    const job = accept({ name: 'c', parents: ['a', 'b', 'a'], schedule: 'FOO', scheduleTimeZone: 'Nowhere/x' }, 'scheduled', ctx);
    expect([job.parents, job.schedule, job.scheduleTimeZone, calls]).toEqual([['a', 'b'], null, '', []]);
  });

  it('checks the schedule with its zone for scheduled jobs', () => {
    const calls: Array<[string, string]> = [];
    const ctx = { checkSchedule: (text: string, zone: string) => (calls.push([text, zone]), null) };
    const job = accept({ name: 'j', schedule: ` ${SCHEDULE} `, scheduleTimeZone: 'PST' }, 'scheduled', ctx);
    expect([job.schedule, job.scheduleTimeZone, calls]).toEqual([SCHEDULE, 'PST', [[SCHEDULE, 'PST']]]);
  });

  it('passes the schedule check message through', () => {
    const ctx = { checkSchedule: (text: string) => `Cannot parse schedule '${text}': no period` };
    expect(refuse({ name: 'j', schedule: 'R/2008-03-01T13:00:00Z' }, 'scheduled', ctx)).toBe(
      "Cannot parse schedule 'R/2008-03-01T13:00:00Z': no period",
    );
  });

  it.each([
    ['BST', true],
    ['America/Los_Angeles', true],
    ['+05:30', true],
    ['', true],
    ['Mars/Olympus_Mons', false],
    ['PDT-ish', false],
  ])('scheduleTimeZone %j accepted: %s', (zone, ok) => {
    const result = validateJob({ name: 'j', schedule: SCHEDULE, scheduleTimeZone: zone }, 'scheduled', context);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.message).toMatch(/^scheduleTimeZone: Unknown time zone/);
  });

  it('events alone make an event-triggered job', () => {
    const job = accept({ name: 'e', events: ['deploy.done', 'deploy.done', 'x'] }, 'dependent');
    expect([job.events, job.parents, job.schedule]).toEqual([['deploy.done', 'x'], [], null]);
  });

  it.each([
    [{ name: 'd', command: 'x' }, 'dependent', NO_PARENTS_MESSAGE],
    [{ name: 'd', parents: [] }, 'dependent', NO_PARENTS_MESSAGE],
    [{ name: 'd', schedule: SCHEDULE }, 'dependent', NO_PARENTS_MESSAGE],
    [{ name: 'd' }, 'scheduled', NO_TRIGGER_MESSAGE],
    [{ name: 'd', schedule: '  ' }, 'scheduled', NO_TRIGGER_MESSAGE],
    [{ name: 'd', parents: ['ok', 'not ok'] }, 'dependent', "parents[1]: 'not ok' is not a valid name (letters, digits, '_', '.', '-')"],
    [{ name: 'd', parents: 'a' }, 'dependent', 'parents: expected an array of strings'],
    [{ name: 'd', events: ['a b'] }, 'scheduled', "events[0]: 'a b' is not a valid name (letters, digits, '_', '.', '-')"],
  ] as const)('%j via %s → %s', (input, kind, message) => {
    expect(refuse(input, kind)).toBe(message);
  });

  it('makes Chronos 3.x one-shot jobs only when asked, at the given instant', () => {
    const job = accept({ name: 'once' }, 'scheduled', { ...context, implicitOneShot: { nowMs: Date.UTC(2024, 0, 2, 3, 4, 5, 6) } });
    expect(job.schedule).toBe('R1/2024-01-02T03:04:05.006Z/PT24H');
  });

  it('runs the dependency check last and refuses with its message', () => {
    const seen: Array<[string, readonly string[]]> = [];
    const checkDependencies = (name: string, parents: readonly string[]): string | null => {
      seen.push([name, parents]);
      return parents.includes('missing') ? "parents: parent job 'missing' does not exist" : null;
    };
    expect(refuse({ name: 'c', parents: ['missing'] }, 'dependent', { ...context, checkDependencies })).toBe(
      "parents: parent job 'missing' does not exist",
    );
    // An earlier failure never reaches the graph.
    refuse({ name: 'c', parents: ['a'], cpus: -1 }, 'dependent', { ...context, checkDependencies });
    expect(seen).toEqual([['c', ['missing']]]);
  });
});

describe('field rules', () => {
  it.each([
    [{ cpus: -1 }, 'cpus: must not be negative'],
    [{ mem: 'lots' }, 'mem: expected a number'],
    [{ retries: -1 }, 'retries: must not be negative'],
    [{ retries: 1.5 }, 'retries: expected a whole number'],
    [{ disabled: 'yes' }, 'disabled: expected a boolean'],
    [{ epsilon: 'PT' }, "epsilon: 'PT' is not an ISO8601 period such as PT1H30M, P1D or P1M"],
    [{ epsilon: '60' }, "epsilon: '60' is not an ISO8601 period such as PT1H30M, P1D or P1M"],
    [{ epsilon: 'P1M' }, "epsilon: duration 'P1M' must not use years or months"],
    [{ constraints: [['rack', 'GROUP_BY', '1']] }, "constraints[0]: unknown operator 'GROUP_BY' (use EQUALS, LIKE or UNLIKE)"],
    [{ constraints: [['rack', 'LIKE', '(']] }, "constraints[0]: '(' is not a valid regular expression"],
    [{ constraints: [['rack', 'EQUALS']] }, 'constraints[0]: expected [attribute, operator, value]'],
    [{ constraints: [['', 'EQUALS', 'x']] }, 'constraints[0]: the attribute name is empty'],
    [{ environmentVariables: [{ FOO: 'bar' }] }, 'environmentVariables[0].name: expected a string'],
    [{ environmentVariables: [{ name: '', value: 'x' }] }, 'environmentVariables[0].name: must not be empty'],
    [{ uris: ['a'], fetch: [{ uri: 'b' }] }, 'Tried to add both uri (deprecated) and fetch parameters on j'],
    [{ container: { image: 'busybox', network: 'bridge' } }, 'container.network: expected HOST, BRIDGE or USER (upper case)'],
    [{ container: { image: 'busybox', type: 'rkt' } }, 'container.type: expected a container type (one of DOCKER, MESOS)'],
    [{ container: { image: 'x', volumes: [{ containerPath: '' }] } }, 'container.volumes[0].containerPath: must not be empty'],
    [{ container: { image: 'x', volumes: [{ containerPath: '/a', mode: 'RX' }] } }, 'container.volumes[0].mode: expected a volume mode (one of RW, RO)'],
    [{ lastSuccess: 'yesterday' }, "lastSuccess: 'yesterday' is not an ISO8601 instant such as 2014-03-08T16:57:17.507Z"],
    [{ lastError: '2014-02-30T00:00:00Z' }, "lastError: '2014-02-30T00:00:00Z' is not an ISO8601 instant such as 2014-03-08T16:57:17.507Z"],
    [{ successCount: -3 }, 'successCount: must not be negative'],
  ])('%j → %s', (fields, message) => {
    expect(refuse({ name: 'j', schedule: SCHEDULE, ...fields })).toBe(message);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, [], 'job', 7]) expect(refuse(body)).toBe('a job must be a JSON object');
  });

  it('normalises constraints, containers, fetch entries and timestamps', () => {
    const job = accept({
      name: 'j',
      schedule: SCHEDULE,
      constraints: [['rack', 'like', 'r[0-9]']],
      container: {
        type: 'mesos',
        image: ' busybox ',
        volumes: [{ containerPath: '/data', mode: 'ro', external: { name: 'v', provider: 'dvdi' } }],
        networkInfos: [{ name: 'n', portMappings: [{ hostPort: '80', containerPort: 8080 }] }],
        forcePullImage: 'true',
      },
      fetch: [{ uri: 'http://a/b.tgz', output_file: 'b' }],
      lastSuccess: '2014-03-08T16:57:17.507+01:00',
      lastError: '2014-03-08T16:57:17Z',
    });
    expect(job.constraints).toEqual([{ attribute: 'rack', operator: 'LIKE', value: 'r[0-9]' }]);
    expect(job.container).toEqual({
      type: 'MESOS',
      image: 'busybox',
      network: 'HOST',
      networkName: null,
      networkInfos: [{ name: 'n', protocol: null, labels: [], portMappings: [{ hostPort: 80, containerPort: 8080, protocol: null }] }],
      volumes: [{ containerPath: '/data', hostPath: null, mode: 'RO', external: { name: 'v', provider: 'dvdi', options: [] } }],
      forcePullImage: true,
      parameters: [],
    });
    expect(job.fetch).toEqual([{ uri: 'http://a/b.tgz', executable: false, cache: false, extract: true, outputFile: 'b' }]);
    expect([job.lastSuccessMs, job.lastErrorMs]).toEqual([Date.UTC(2014, 2, 8, 15, 57, 17, 507), Date.UTC(2014, 2, 8, 16, 57, 17)]);
  });

  it('treats a container without an image as no container (Chronos parses only containers with an image)', () => {
    expect(accept({ name: 'j', schedule: SCHEDULE, container: { type: 'DOCKER', image: '' } }).container).toBeNull();
  });

  it('accepts uris that merely mirror fetch, as GET /jobs returns them', () => {
    const plain = accept({ name: 'j', schedule: SCHEDULE, uris: ['u'], fetch: [{ uri: 'u', extract: true }] });
    expect([plain.uris, plain.fetch]).toEqual([['u'], []]);
    const rich = accept({ name: 'j', schedule: SCHEDULE, uris: ['u'], fetch: [{ uri: 'u', executable: true }] });
    expect([rich.uris, rich.fetch.map((entry) => entry.executable)]).toEqual([[], [true]]);
  });
});
