/**
 * toChronosJson, by example. Goal: GET returns the field set, order and defaults of each Chronos
 * generation (spec §1.3, `utils/JobSerializer.scala`): 2.x with epsilon/async, 3.x with
 * concurrent/maxCompletionTime; parents or schedule+zone last; container only when present;
 * uris and fetch mirrored for GET /jobs only; the Kairos `events` field only when used.
 * Method: golden key lists and golden JSON text for jobs built through validateJob.
 */
import { describe, expect, it } from 'vitest';
import { toChronosJson, validateJob, type ChronosJob } from '../../../../src/chronos/model/index.js';

const SCHEDULE = 'R/2014-03-08T20:00:00.000Z/PT2H';

function jobOf(input: Record<string, unknown>, kind: 'scheduled' | 'dependent' = 'scheduled'): ChronosJob {
  const result = validateJob(input, kind, { checkSchedule: () => null });
  if (!result.ok) throw new Error(result.message);
  return result.job;
}

const COMMON_HEAD = ['name', 'command', 'shell'];
const V3_KEYS = [
  ...COMMON_HEAD,
  'executor', 'executorFlags', 'taskInfoData', 'retries', 'owner', 'ownerName', 'description',
  'successCount', 'errorCount', 'lastSuccess', 'lastError', 'cpus', 'disk', 'mem', 'disabled', 'softError',
  'dataProcessingJobType', 'errorsSinceLastSuccess', 'fetch', 'uris', 'environmentVariables', 'arguments',
  'highPriority', 'runAsUser', 'concurrent', 'maxCompletionTime', 'constraints', 'schedule', 'scheduleTimeZone',
];
const V2_KEYS = [
  ...COMMON_HEAD,
  'epsilon', 'executor', 'executorFlags', 'taskInfoData', 'retries', 'owner', 'ownerName', 'description', 'async',
  'successCount', 'errorCount', 'lastSuccess', 'lastError', 'cpus', 'disk', 'mem', 'disabled', 'softError',
  'dataProcessingJobType', 'errorsSinceLastSuccess', 'fetch', 'uris', 'environmentVariables', 'arguments',
  'highPriority', 'runAsUser', 'constraints', 'schedule', 'scheduleTimeZone',
];

describe('field set and order', () => {
  const scheduled = jobOf({ name: 'j1', command: 'echo hi', schedule: SCHEDULE });

  it('3.x', () => {
    expect(Object.keys(toChronosJson(scheduled, '3'))).toEqual(V3_KEYS);
  });

  it('2.x', () => {
    expect(Object.keys(toChronosJson(scheduled, '2'))).toEqual(V2_KEYS);
  });

  it('dependent jobs end with parents instead of schedule and zone', () => {
    const dependent = jobOf({ name: 'c', parents: ['j1'] }, 'dependent');
    for (const [version, keys] of [['3', V3_KEYS], ['2', V2_KEYS]] as const) {
      expect(Object.keys(toChronosJson(dependent, version))).toEqual([...keys.slice(0, -2), 'parents']);
    }
  });

  it('container sits between maxCompletionTime (3.x) / runAsUser (2.x) and constraints', () => {
    const withContainer = jobOf({ name: 'd', schedule: SCHEDULE, container: { image: 'busybox' } });
    const v3 = Object.keys(toChronosJson(withContainer, '3'));
    expect(v3.slice(v3.indexOf('maxCompletionTime'), v3.indexOf('constraints') + 1)).toEqual(['maxCompletionTime', 'container', 'constraints']);
    const v2 = Object.keys(toChronosJson(withContainer, '2'));
    expect(v2.slice(v2.indexOf('runAsUser'), v2.indexOf('constraints') + 1)).toEqual(['runAsUser', 'container', 'constraints']);
  });

  it('events appear last and only when the job has some', () => {
    const evented = jobOf({ name: 'e', schedule: SCHEDULE, events: ['go'] });
    expect(Object.keys(toChronosJson(evented, '3')).slice(-3)).toEqual(['schedule', 'scheduleTimeZone', 'events']);
    const eventOnly = toChronosJson(jobOf({ name: 'e', events: ['go'] }), '3');
    expect([eventOnly['parents'], eventOnly['events'], 'schedule' in eventOnly]).toEqual([[], ['go'], false]);
  });
});

describe('golden JSON', () => {
  const job = jobOf({
    name: 'etl',
    command: 'run.sh',
    schedule: 'R5/2024-03-10T02:30:00.000-05:00/P1D',
    scheduleTimeZone: 'America/New_York',
    epsilon: 'PT15M',
    async: true,
    concurrent: true,
    maxCompletionTime: 600,
    cpus: '0.5',
    mem: 1024,
    owner: 'ops@example.com',
    environmentVariables: [{ name: 'MODE', value: 'full' }],
    arguments: ['--fast'],
    constraints: [['rack', 'EQUALS', 'r1']],
    fetch: [{ uri: 'http://x/a.tgz', output_file: 'a.tgz' }],
    container: {
      type: 'DOCKER',
      image: 'busybox:1',
      network: 'BRIDGE',
      networkInfos: [{ name: 'net', protocol: 'IPv4', labels: [{ key: 'k', value: 'v' }], portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] }],
      volumes: [{ hostPath: '/h', containerPath: '/c', mode: 'RW' }],
      parameters: [{ key: 'memory-swap', value: '-1' }],
    },
    successCount: 3,
    lastSuccess: '2024-03-09T07:30:00.000Z',
  });

  it('3.x', () => {
    expect(JSON.stringify(toChronosJson(job, '3'))).toBe(
      '{"name":"etl","command":"run.sh","shell":true,"executor":"","executorFlags":"","taskInfoData":"","retries":2,' +
        '"owner":"ops@example.com","ownerName":"","description":"","successCount":3,"errorCount":0,' +
        '"lastSuccess":"2024-03-09T07:30:00.000Z","lastError":"","cpus":0.5,"disk":256,"mem":1024,"disabled":false,' +
        '"softError":false,"dataProcessingJobType":false,"errorsSinceLastSuccess":0,' +
        '"fetch":[{"uri":"http://x/a.tgz","executable":false,"cache":false,"extract":true,"output_file":"a.tgz"}],' +
        '"uris":["http://x/a.tgz"],"environmentVariables":[{"name":"MODE","value":"full"}],"arguments":["--fast"],' +
        '"highPriority":false,"runAsUser":"root","concurrent":true,"maxCompletionTime":600,' +
        '"container":{"type":"DOCKER","image":"busybox:1","network":"BRIDGE",' +
        '"networkInfos":[{"name":"net","protocol":"IPv4","labels":[{"key":"k","value":"v"}],' +
        '"portMappings":[{"hostPort":"80","containerPort":"8080","protocol":"tcp"}]}],' +
        '"volumes":[{"hostPath":"/h","containerPath":"/c","mode":"RW"}],"forcePullImage":false,' +
        '"parameters":[{"key":"memory-swap","value":"-1"}]},"constraints":[["rack","EQUALS","r1"]],' +
        '"schedule":"R5/2024-03-10T02:30:00.000-05:00/P1D","scheduleTimeZone":"America/New_York"}',
    );
  });

  it('2.x', () => {
    expect(JSON.stringify(toChronosJson(job, '2'))).toBe(
      '{"name":"etl","command":"run.sh","shell":true,"epsilon":"PT15M","executor":"","executorFlags":"","taskInfoData":"",' +
        '"retries":2,"owner":"ops@example.com","ownerName":"","description":"","async":true,"successCount":3,' +
        '"errorCount":0,"lastSuccess":"2024-03-09T07:30:00.000Z","lastError":"","cpus":0.5,"disk":256,"mem":1024,' +
        '"disabled":false,"softError":false,"dataProcessingJobType":false,"errorsSinceLastSuccess":0,' +
        '"fetch":[{"uri":"http://x/a.tgz","executable":false,"cache":false,"extract":true}],"uris":["http://x/a.tgz"],' +
        '"environmentVariables":[{"name":"MODE","value":"full"}],"arguments":["--fast"],"highPriority":false,' +
        '"runAsUser":"root","container":{"type":"DOCKER","image":"busybox:1","network":"BRIDGE",' +
        '"volumes":[{"hostPath":"/h","containerPath":"/c","mode":"RW"}],"forcePullImage":false,' +
        '"parameters":[{"key":"memory-swap","value":"-1"}]},"constraints":[["rack","EQUALS","r1"]],' +
        '"schedule":"R5/2024-03-10T02:30:00.000-05:00/P1D","scheduleTimeZone":"America/New_York"}',
    );
  });
});

describe('uris and fetch (spec §1.2 #3)', () => {
  it('GET /jobs fills an empty fetch from uris', () => {
    const json = toChronosJson(jobOf({ name: 'u', schedule: SCHEDULE, uris: ['http://a', 'http://b'] }), '3');
    expect(json['fetch']).toEqual([
      { uri: 'http://a', executable: false, cache: false, extract: true },
      { uri: 'http://b', executable: false, cache: false, extract: true },
    ]);
    expect(json['uris']).toEqual(['http://a', 'http://b']);
  });

  it('GET /jobs fills uris from fetch', () => {
    const json = toChronosJson(jobOf({ name: 'f', schedule: SCHEDULE, fetch: [{ uri: 'http://c', cache: true }] }), '3');
    expect(json['uris']).toEqual(['http://c']);
  });

  it('search results are not mirrored', () => {
    const json = toChronosJson(jobOf({ name: 'u', schedule: SCHEDULE, uris: ['http://a'] }), '3', { mirrorFetch: false });
    expect([json['fetch'], json['uris']]).toEqual([[], ['http://a']]);
  });
});

describe('derived fields', () => {
  it('never-run jobs show zero counters and empty timestamps (Appendix B.1)', () => {
    const json = toChronosJson(jobOf({ name: 'n', schedule: SCHEDULE }), '3');
    expect([json['successCount'], json['errorCount'], json['errorsSinceLastSuccess'], json['lastSuccess'], json['lastError']]).toEqual([0, 0, 0, '', '']);
  });

  it('timestamps come back as UTC with milliseconds', () => {
    const json = toChronosJson(jobOf({ name: 'n', schedule: SCHEDULE, lastError: '2014-03-08T17:57:17.5+01:00' }), '2');
    expect(json['lastError']).toBe('2014-03-08T16:57:17.500Z');
  });
});
