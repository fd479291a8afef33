/**
 * From shape-checked input to stored values for the nested parts of a job: container, fetch
 * entries, environment variables. Defaults are filled here (spec §2.1, §2.2).
 *
 * Pure module.
 */
import { CONTAINER_DEFAULTS, FETCH_DEFAULTS } from './defaults.js';
import type { Container, EnvironmentVariable, FetchEntry, KeyValue, NetworkInfo, Volume } from './job.js';
import type { RuleResult } from './rules.js';
import type { ContainerInput, JobInput } from './schema.js';

type FetchInput = NonNullable<JobInput['fetch']>[number];
type EnvironmentInput = NonNullable<JobInput['environmentVariables']>[number];
type VolumeInput = NonNullable<ContainerInput['volumes']>[number];
type NetworkInfoInput = NonNullable<ContainerInput['networkInfos']>[number];
type KeyValueInput = { key: string; value: string };

export function toFetchEntries(raw: readonly FetchInput[]): FetchEntry[] {
  return raw.map((entry) => ({
    uri: entry.uri,
    executable: entry.executable ?? FETCH_DEFAULTS.executable,
    cache: entry.cache ?? FETCH_DEFAULTS.cache,
    extract: entry.extract ?? FETCH_DEFAULTS.extract,
    outputFile: entry.output_file === undefined || entry.output_file === '' ? null : entry.output_file,
  }));
}

export function toEnvironment(raw: readonly EnvironmentInput[]): RuleResult<EnvironmentVariable[]> {
  const variables: EnvironmentVariable[] = [];
  for (const [index, variable] of raw.entries()) {
    if (variable.name === '') return { ok: false, message: `environmentVariables[${index}].name: must not be empty` };
    variables.push({ name: variable.name, value: variable.value ?? '' });
  }
  return { ok: true, value: variables };
}

/**
 * Chronos only builds a container when it has an image (spec §2.2); a container object without
 * one — some UIs send `{"type":"DOCKER","image":""}` for "no container" — means no container.
 */
export function toContainer(raw: ContainerInput | undefined): RuleResult<Container | null> {
  if (raw === undefined || raw.image === undefined || raw.image.trim() === '') return { ok: true, value: null };
  const volumes: Volume[] = [];
  for (const [index, volume] of (raw.volumes ?? []).entries()) {
    if (volume.containerPath === '') {
      return { ok: false, message: `container.volumes[${index}].containerPath: must not be empty` };
    }
    volumes.push(toVolume(volume));
  }
  return {
    ok: true,
    value: {
      type: raw.type ?? CONTAINER_DEFAULTS.type,
      image: raw.image.trim(),
      network: raw.network ?? CONTAINER_DEFAULTS.network,
      networkName: raw.networkName === undefined || raw.networkName === '' ? null : raw.networkName,
      networkInfos: (raw.networkInfos ?? []).map(toNetworkInfo),
      volumes,
      forcePullImage: raw.forcePullImage ?? CONTAINER_DEFAULTS.forcePullImage,
      parameters: toKeyValues(raw.parameters),
    },
  };
}

function toVolume(volume: VolumeInput): Volume {
  return {
    containerPath: volume.containerPath,
    hostPath: volume.hostPath === undefined || volume.hostPath === '' ? null : volume.hostPath,
    mode: volume.mode ?? null,
    external:
      volume.external === undefined
        ? null
        : { name: volume.external.name, provider: volume.external.provider, options: toKeyValues(volume.external.options) },
  };
}

function toNetworkInfo(info: NetworkInfoInput): NetworkInfo {
  return {
    name: info.name,
    protocol: info.protocol ?? null,
    labels: toKeyValues(info.labels),
    portMappings: (info.portMappings ?? []).map((mapping) => ({
      hostPort: mapping.hostPort,
      containerPort: mapping.containerPort,
      protocol: mapping.protocol === undefined || mapping.protocol === '' ? null : mapping.protocol,
    })),
  };
}

function toKeyValues(raw: readonly KeyValueInput[] | undefined): KeyValue[] {
  return (raw ?? []).map(({ key, value }) => ({ key, value }));
}
