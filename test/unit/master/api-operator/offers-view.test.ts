/**
 * Operator views show the leader's outstanding offers (context.offers): /master/state
 * frameworks[].offers and offered_resources, slaves[].offered_resources, the v1 GET_STATE, and
 * master/outstanding_offers. Without offers the lists stay empty.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OfferView } from '../../../../src/master/api/context.js';
import { testServer, type TestServer } from '../api-support/fakes.js';

let t: TestServer;
let offers: OfferView[] = [];
beforeEach(async () => {
  t = await testServer();
  t.context.offers = () => offers;
  t.registry.addAgent('S1');
  t.registry.addFramework('F1');
  offers = [{
    id: '3-O1', frameworkId: 'F1', agentId: 'S1', createdAtMs: 1_700_000_002_000,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] }, role: '*' }],
  }];
});
afterEach(async () => {
  await t.app.close();
});

describe('offers in operator views', () => {
  it('/master/state lists the offer under its framework and counts it on the agent', async () => {
    const state = (await t.app.inject({ method: 'GET', url: '/master/state' })).json();
    const [framework] = state.frameworks;
    expect(framework.offers).toEqual([{ id: '3-O1', framework_id: 'F1', slave_id: 'S1', resources: expect.objectContaining({ cpus: 2, ports: '[31000-31009]' }), offered_time: 1_700_000_002 }]);
    expect(framework.offered_resources).toMatchObject({ cpus: 2, ports: '[31000-31009]' });
    expect(state.slaves[0].offered_resources).toMatchObject({ cpus: 2, ports: '[31000-31009]' });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics/snapshot' })).json();
    expect(metrics['master/outstanding_offers']).toBe(1);
  });

  it('v1 GET_STATE carries offers and offered_resources; none when the leader has none', async () => {
    const call = async () => (await t.app.inject({ method: 'POST', url: '/api/v1', headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: { type: 'GET_STATE' } })).json();
    const withOffers = await call();
    const framework = withOffers.get_state.get_frameworks.frameworks[0];
    expect(framework.offers).toEqual([expect.objectContaining({ id: { value: '3-O1' }, agent_id: { value: 'S1' } })]);
    expect(framework.offered_resources).toHaveLength(2);
    expect(withOffers.get_state.get_agents.agents[0].offered_resources).toHaveLength(2);
    offers = [];
    const without = await call();
    expect(without.get_state.get_frameworks.frameworks[0].offers).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/master/state' })).json().slaves[0].offered_resources).toMatchObject({ cpus: 0 });
  });
});
