/**
 * Prometheus metrics of a master replica (`GET /metrics`, text exposition via prom-client):
 * process metrics plus the Raft view of this replica and its transport counters. Values are read
 * when scraped, so nothing is updated on the hot path except the leader-change counter.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { TransportStats } from '../../raft/transport/tcp-transport.js';
import type { MasterContext } from './context.js';
import { registerRegistryGauges } from './operator/prometheus.js';

export function registerMetricsRoutes(app: FastifyInstance, context: MasterContext, transportStats: (() => TransportStats) | null): void {
  const registry = new Registry();
  registry.setDefaultLabels({ replica: context.node.id });
  collectDefaultMetrics({ register: registry, prefix: 'kairos_' });
  const { node } = context;

  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('kairos_raft_term', 'Current Raft term of this replica.', () => node.status().term);
  gauge('kairos_raft_commit_index', 'Highest log index known to be committed.', () => node.status().commitIndex);
  gauge('kairos_raft_applied_index', 'Highest log index applied to the state machine here.', () => node.applied);
  gauge('kairos_raft_last_index', 'Last index in this replica\'s log.', () => node.status().lastIndex);
  gauge('kairos_raft_is_leader', '1 if this replica is the leader, else 0.', () => (node.isLeader ? 1 : 0));
  gauge('kairos_raft_voters', 'Voters in the current configuration.', () => node.status().conf.voters.length);

  const leaderChanges = new Counter({ name: 'kairos_raft_leader_changes_total', help: 'Leader changes seen by this replica.', registers: [registry] });
  node.onLeaderChange(() => leaderChanges.inc());

  if (transportStats) {
    const counterFrom = (name: string, help: string, read: (stats: TransportStats) => number): void => {
      new Gauge({ name, help, registers: [registry], collect() { this.set(read(transportStats())); } });
    };
    counterFrom('kairos_transport_messages_sent_total', 'Raft messages sent to peers.', (s) => s.sent);
    counterFrom('kairos_transport_messages_received_total', 'Raft messages received from peers.', (s) => s.received);
    counterFrom('kairos_transport_messages_dropped_total', 'Raft messages dropped (full queue, unknown peer).', (s) => s.dropped);
    counterFrom('kairos_transport_reconnects_total', 'Reconnections to peers.', (s) => s.reconnects);
  }

  gauge('kairos_allocation_cycles', 'Allocation cycles run since this replica became leader (0 on followers).', () => context.allocation?.()?.cycles ?? 0);
  gauge('kairos_allocation_busy_seconds', 'Time spent in those allocation cycles, pool included.', () => (context.allocation?.()?.busyMs ?? 0) / 1000);

  registerRegistryGauges(registry, context);

  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
