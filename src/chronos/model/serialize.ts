/**
 * toChronosJson: a stored job as Chronos returns it on GET, field for field and in Chronos'
 * order (`utils/JobSerializer.scala`, spec §1.3), for either API generation:
 *
 * - '2' (`/scheduler`): adds `epsilon` after `shell` and `async` after `description`; no
 *   `concurrent`, `maxCompletionTime`, `fetch[].output_file` or `container.networkInfos`.
 * - '3' (`/v1/scheduler`): no `epsilon`/`async`; `concurrent` and `maxCompletionTime` after
 *   `runAsUser`.
 *
 * Both end with `parents` (dependent and event jobs) or `schedule` + `scheduleTimeZone`. The
 * Kairos `events` list is appended only when non-empty, so Chronos clients never see a field
 * Chronos would not send. `GET /jobs` mirrors `uris` and `fetch` into each other (spec §1.2 #3);
 * `/jobs/search` does not — pass `mirrorFetch: false` there.
 *
 * Pure module.
 */
import { FETCH_DEFAULTS } from './defaults.js';
import type { ChronosJob, Container, FetchEntry, KeyValue } from './job.js';
import { formatInstant } from './timestamps.js';

export type ChronosVersion = '2' | '3';

/** A JSON value as JSON.stringify writes it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface SerializeOptions {
  /** Fill an empty `fetch` from `uris` and `uris` from `fetch` (GET /jobs). Default true. */
  readonly mirrorFetch?: boolean;
}

export function toChronosJson(job: ChronosJob, version: ChronosVersion, options: SerializeOptions = {}): JsonObject {
  const isV2 = version === '2';
  const { fetch, uris } = options.mirrorFetch === false ? job : mirrorFetchAndUris(job);
  const json: JsonObject = { name: job.name, command: job.command, shell: job.shell };
  if (isV2) json['epsilon'] = job.epsilon;
  Object.assign(json, {
    executor: job.executor,
    executorFlags: job.executorFlags,
    taskInfoData: job.taskInfoData,
    retries: job.retries,
    owner: job.owner,
    ownerName: job.ownerName,
    description: job.description,
  });
  if (isV2) json['async'] = job.async;
  Object.assign(json, {
    successCount: job.successCount,
    errorCount: job.errorCount,
    lastSuccess: formatInstant(job.lastSuccessMs),
    lastError: formatInstant(job.lastErrorMs),
    cpus: job.cpus,
    disk: job.diskMb,
    mem: job.memMb,
    disabled: job.disabled,
    softError: job.softError,
    dataProcessingJobType: job.dataProcessingJobType,
    errorsSinceLastSuccess: job.errorsSinceLastSuccess,
    fetch: fetch.map((entry) => fetchToJson(entry, isV2)),
    uris: [...uris],
    environmentVariables: job.environmentVariables.map(({ name, value }) => ({ name, value })),
    arguments: [...job.arguments],
    highPriority: job.highPriority,
    runAsUser: job.runAsUser,
  });
  if (!isV2) Object.assign(json, { concurrent: job.concurrent, maxCompletionTime: job.maxCompletionTime });
  if (job.container !== null) json['container'] = containerToJson(job.container, isV2);
  json['constraints'] = job.constraints.map(({ attribute, operator, value }) => [attribute, operator, value]);
  if (job.schedule === null) {
    json['parents'] = [...job.parents];
  } else {
    json['schedule'] = job.schedule;
    json['scheduleTimeZone'] = job.scheduleTimeZone;
  }
  if (job.events.length > 0) json['events'] = [...job.events];
  return json;
}

function mirrorFetchAndUris(job: ChronosJob): { fetch: readonly FetchEntry[]; uris: readonly string[] } {
  if (job.fetch.length === 0) {
    return { fetch: job.uris.map((uri) => ({ uri, ...FETCH_DEFAULTS, outputFile: null })), uris: job.uris };
  }
  return { fetch: job.fetch, uris: job.fetch.map((entry) => entry.uri) };
}

function fetchToJson(entry: FetchEntry, isV2: boolean): JsonObject {
  const json: JsonObject = { uri: entry.uri, executable: entry.executable, cache: entry.cache, extract: entry.extract };
  if (!isV2 && entry.outputFile !== null) json['output_file'] = entry.outputFile;
  return json;
}

function containerToJson(container: Container, isV2: boolean): JsonObject {
  const json: JsonObject = { type: container.type, image: container.image, network: container.network };
  if (container.networkName !== null) json['networkName'] = container.networkName;
  if (!isV2) {
    json['networkInfos'] = container.networkInfos.map((info) => {
      const infoJson: JsonObject = { name: info.name };
      if (info.protocol !== null) infoJson['protocol'] = info.protocol;
      infoJson['labels'] = keyValuesToJson(info.labels);
      // Chronos 3.x writes ports as strings (spec §1.3).
      infoJson['portMappings'] = info.portMappings.map((mapping) => {
        const mappingJson: JsonObject = { hostPort: String(mapping.hostPort), containerPort: String(mapping.containerPort) };
        if (mapping.protocol !== null) mappingJson['protocol'] = mapping.protocol;
        return mappingJson;
      });
      return infoJson;
    });
  }
  json['volumes'] = container.volumes.map((volume) => {
    const volumeJson: JsonObject = {};
    if (volume.hostPath !== null) volumeJson['hostPath'] = volume.hostPath;
    volumeJson['containerPath'] = volume.containerPath;
    if (volume.mode !== null) volumeJson['mode'] = volume.mode;
    if (volume.external !== null) {
      const { name, provider, options } = volume.external;
      volumeJson['external'] = { name, provider, options: keyValuesToJson(options) };
    }
    return volumeJson;
  });
  json['forcePullImage'] = container.forcePullImage;
  json['parameters'] = keyValuesToJson(container.parameters);
  return json;
}

function keyValuesToJson(pairs: readonly KeyValue[]): JsonObject[] {
  return pairs.map(({ key, value }) => ({ key, value }));
}
