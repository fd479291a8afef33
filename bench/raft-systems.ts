/**
 * Which Raft systems this run can compare: etcd (if /usr/bin/etcd is installed) and Kairos (if
 * the compiled CLI exists). A missing system is reported with a clear reason and skipped; the
 * other one still runs, and ratios print "n/a".
 */
import { EtcdCluster, etcdVersion } from './etcd.js';
import { KairosCluster, kairosCli } from './kairos-raft.js';
import type { ClusterUnderTest } from './lib/cluster.js';
import type { ScenarioContext } from './lib/scenario.js';

export interface AvailableSystems {
  etcdVersion: string | null;
  kairosCliPath: string | null;
  skipped: string[];
}

export function availableSystems(context: ScenarioContext): AvailableSystems {
  const etcd = etcdVersion();
  const kairos = kairosCli();
  const skipped: string[] = [];
  if (etcd.version === null) skipped.push(`etcd skipped: ${etcd.reason}`);
  if (kairos.path === null) skipped.push(`Kairos skipped: ${kairos.reason}`);
  for (const line of skipped) context.progress(line);
  return { etcdVersion: etcd.version, kairosCliPath: kairos.path, skipped };
}

/** Builds the clusters to compare; etcd variants by `etcdTuned`, Kairos once at defaults. */
export function buildClusters(context: ScenarioContext, systems: AvailableSystems, etcdTuned: boolean[]): ClusterUnderTest[] {
  const clusters: ClusterUnderTest[] = [];
  if (systems.etcdVersion !== null) {
    for (const tuned of etcdTuned) clusters.push(new EtcdCluster(context.workDir, tuned, systems.etcdVersion));
  }
  if (systems.kairosCliPath !== null) clusters.push(new KairosCluster(context.workDir, systems.kairosCliPath));
  return clusters;
}

/**
 * Starts every cluster and returns those that came up. One that fails to start is stopped,
 * named in `skipped` with the error (its logs stay in the work dir) and left out, so a broken
 * build of one system does not cost the other system's figures.
 */
export async function startAll(clusters: ClusterUnderTest[], context: ScenarioContext, skipped: string[]): Promise<ClusterUnderTest[]> {
  const started: ClusterUnderTest[] = [];
  for (const cluster of clusters) {
    context.progress(`starting ${cluster.label}`);
    try {
      await cluster.start();
      started.push(cluster);
    } catch (error) {
      await cluster.stop();
      const line = `${cluster.label} skipped: failed to start (${(error as Error).message}); logs in ${context.workDir}`;
      context.progress(line);
      skipped.push(line);
      context.keepWorkDir();
    }
  }
  return started;
}

export async function stopAll(clusters: ClusterUnderTest[]): Promise<void> {
  await Promise.all(clusters.map((cluster) => cluster.stop()));
}

export function isKairos(cluster: ClusterUnderTest): boolean {
  return cluster instanceof KairosCluster;
}
