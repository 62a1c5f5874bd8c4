// A DCR read from Azure that names its data collection endpoint by dataCollectionEndpointId (what the
// portal creates for text logs or private link) gets that DCE's logs ingestion endpoint, looked up on
// the loopback fake ARM (test/fakes/arm-server.ts) with the machine identity: on the DCR, else on the
// machine's configurationAccessEndpoint association; cached, looked up again when the id changes, when
// the DCE is gone (404) or after the cache lifetime; both the ARM and the control-plane routes.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ArmDcrSource, ControlPlaneDcrSource } from '../../../../agent/collector/dcr/remote-sources.js';
import type { HttpClient, ManagedIdentityTokenClient } from '../../../../agent/collector/net/index.js';
import { FakeArmServer } from '../../../fakes/arm-server.js';
import { FakeControlPlaneServer } from '../../../fakes/control-plane-server.js';
import type { FakeImdsServer } from '../../../fakes/imds-server.js';
import type { TestCa } from '../../../fakes/test-ca.js';
import { syslogToLaDcr } from '../../../support/collector-process.js';
import { graphOf, insightsId, MACHINE, SUB, useRemoteDcrClients } from '../../../support/remote-dcr.js';

const DCE_A = insightsId('dataCollectionEndpoints', 'dce-a');
const DCE_B = insightsId('dataCollectionEndpoints', 'dce-b');
const DCR = insightsId('dataCollectionRules', 'portal-syslog');

/** A DCR as the portal writes it for a DCE: dataCollectionEndpointId, no endpoints of its own. */
function portalDcr(immutableId: string, dceId?: string): Record<string, unknown> {
  const { properties } = syslogToLaDcr(immutableId, 'https://unused') as { properties: Record<string, unknown> };
  delete properties.endpoints;
  delete properties.immutableId;
  return {
    location: 'westeurope',
    kind: 'Linux',
    properties: { ...properties, ...(dceId ? { dataCollectionEndpointId: dceId } : {}) },
  };
}

const endpointsOf = (fetched: Parameters<typeof graphOf>[0]): (string | undefined)[] =>
  graphOf(fetched).graph.destinations.map((d) => (d.kind === 'logs-ingestion' ? d.endpoint : undefined));

const clients = useRemoteDcrClients('oa-dce-');
let ca: TestCa;
let imds: FakeImdsServer;
let arm: FakeArmServer;
let http: HttpClient;
let tokens: ManagedIdentityTokenClient;

beforeEach(async () => {
  ({ http, tokens } = clients);
  ({ ca, imds } = clients.world);
  arm = new FakeArmServer(ca, SUB, [{ name: 'vm1', resourceGroup: 'rg', kind: 'vm' }]);
  arm.acceptedTokens = ['test-ingestion-token']; // the managed identity's token from the IMDS fake
  await arm.start();
});

afterEach(async () => {
  await arm.stop();
});

async function dce(id: string, endpoint: string): Promise<void> {
  arm.dceLogsIngestion = endpoint;
  await arm.seed(id, { location: 'westeurope', properties: { networkAcls: { publicNetworkAccess: 'Enabled' } } });
}
const associate = (name: string, properties: Record<string, unknown>): Promise<Record<string, unknown>> =>
  arm.seed(`${MACHINE}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}`, { properties });
const source = (dceTtlMs?: number): ArmDcrSource =>
  new ArmDcrSource({ resourceId: MACHINE, tokens, http, armUrl: arm.url, dceTtlMs });

describe('DCE lookup on the ARM route', () => {
  test("the DCR's dataCollectionEndpointId becomes its ingestion endpoint, looked up once with the machine identity", async () => {
    await dce(DCE_A, 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com');
    const created = await arm.seed(DCR, portalDcr('', DCE_A));
    const immutableId = (created.properties as { immutableId: string }).immutableId;
    await associate('portal-assoc', { dataCollectionRuleId: DCR });
    const src = source();
    const fetched = await src.fetch();
    expect(fetched.map((d) => d.error)).toEqual([undefined]);
    expect((fetched[0]!.json as { properties: Record<string, unknown> }).properties).toMatchObject({
      immutableId,
      dataCollectionEndpointId: DCE_A,
      dataCollectionEndpoint: { logsIngestion: 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com' },
    });
    expect(endpointsOf(fetched)).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
    expect(arm.monitorGets.filter((p) => p === DCE_A)).toHaveLength(1);
    // The next refresh reuses the answer.
    expect(endpointsOf(await src.fetch())).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
    expect(arm.monitorGets.filter((p) => p === DCE_A)).toHaveLength(1);
    expect(imds.tokenRequests.at(-1)?.resource).toBe(`${arm.url}/`);

    // The DCR is moved to another DCE: looked up at once.
    await dce(DCE_B, 'https://dce-b-abcd.westeurope-1.ingest.monitor.azure.com');
    await arm.seed(DCR, portalDcr('', DCE_B));
    expect(endpointsOf(await src.fetch())).toEqual(['https://dce-b-abcd.westeurope-1.ingest.monitor.azure.com']);
  });

  test('a deleted DCE (404) rejects that DCR alone with the reason and is looked up again on the next read', async () => {
    await dce(DCE_A, 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com');
    await arm.seed(DCR, portalDcr('', DCE_A));
    await arm.seed(insightsId('dataCollectionRules', 'direct'), {
      location: 'westeurope',
      kind: 'Direct',
      properties: (portalDcr('') as { properties: Record<string, unknown> }).properties,
    });
    await associate('a1', { dataCollectionRuleId: DCR });
    await associate('a2', { dataCollectionRuleId: insightsId('dataCollectionRules', 'direct') });
    const src = source();
    expect((await src.fetch()).map((d) => d.error)).toEqual([undefined, undefined]);
    arm.monitorResources.delete(DCE_A.toLowerCase());
    arm.failures.set(DCE_A.toLowerCase(), { status: 404, times: 1 });
    // Still cached: a DCE is not re-read at every refresh…
    expect((await src.fetch()).map((d) => d.error)).toEqual([undefined, undefined]);
    // …but after the cache lifetime it is, and the 404 rejects the DCR that uses it; the Direct one runs.
    const expired = source(0);
    const fetched = await expired.fetch();
    expect(fetched[0]!.error).toMatch(/404 for its data collection endpoint .*dce-a: the DCE does not exist/);
    expect(fetched[1]!.error).toBeUndefined();
    expect(endpointsOf(fetched)).toEqual(['https://direct-abcd.westeurope-1.ingest.monitor.azure.com']);
    // Re-created: found again.
    await dce(DCE_A, 'https://dce-a-new.westeurope-1.ingest.monitor.azure.com');
    expect(endpointsOf(await expired.fetch())).toEqual([
      'https://dce-a-new.westeurope-1.ingest.monitor.azure.com',
      'https://direct-abcd.westeurope-1.ingest.monitor.azure.com',
    ]);
  });

  test('a DCR with endpoints of its own that also names a DCE uploads through the DCE (private link)', async () => {
    await dce(DCE_A, 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com');
    await arm.seed(DCR, { ...portalDcr('', DCE_A), kind: 'Direct' });
    await associate('a1', { dataCollectionRuleId: DCR });
    const fetched = await source().fetch();
    expect((fetched[0]!.json as { properties: { endpoints: unknown } }).properties.endpoints).toEqual({
      logsIngestion: 'https://portal-syslog-abcd.westeurope-1.ingest.monitor.azure.com',
    });
    expect(endpointsOf(fetched)).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
  });

  test('a transient ARM error keeps the endpoint already known; without one it fails the read', async () => {
    await dce(DCE_A, 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com');
    await arm.seed(DCR, portalDcr('', DCE_A));
    await associate('a1', { dataCollectionRuleId: DCR });
    const src = source(0);
    arm.failures.set(DCE_A.toLowerCase(), { status: 503, times: 1 });
    await expect(src.fetch()).rejects.toThrow(/ARM returned 503 for .*dce-a/);
    expect(endpointsOf(await src.fetch())).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
    arm.failures.set(DCE_A.toLowerCase(), { status: 503, times: 1 });
    expect(endpointsOf(await src.fetch())).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
  });

  test("a DCR without an endpoint uses the machine's configurationAccessEndpoint association (private link)", async () => {
    await dce(DCE_A, 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com');
    await arm.seed(DCR, portalDcr(''));
    await associate('configurationAccessEndpoint', { dataCollectionEndpointId: DCE_A });
    await associate('a1', { dataCollectionRuleId: DCR });
    const fetched = await source().fetch();
    expect(fetched.map((d) => d.ref)).toEqual([DCR]);
    expect(endpointsOf(fetched)).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
  });

  test('a DCR with neither is rejected with the reason as before; a malformed id is rejected without a lookup', async () => {
    await arm.seed(DCR, portalDcr(''));
    await associate('a1', { dataCollectionRuleId: DCR });
    const fetched = await source().fetch();
    const { dcrs } = graphOf(fetched);
    expect(dcrs[0]).toMatchObject({ state: 'rejected', reason: expect.stringMatching(/needs? an ingestion endpoint/) });
    const src = source();
    const bad = await src.dces.apply({
      json: { properties: { dataCollectionEndpointId: `${DCE_A}/../../../x` } },
      origin: 'arm',
      ref: 'r',
    });
    expect(bad.error).toMatch(/is not a data collection endpoint resource id/);
    expect(src.dces.lookups).toBe(0);
  });
});

describe('DCE lookup on the control-plane route', () => {
  test('a DCR from agentConfigurations naming a DCE is resolved through ARM with the same identity', async () => {
    await dce(DCE_A, 'https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com');
    const cp = new FakeControlPlaneServer(ca, MACHINE);
    await cp.start();
    try {
      const dcr = portalDcr('dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', DCE_A) as { properties: Record<string, unknown> };
      dcr.properties.immutableId = 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
      cp.configurations = [{ configurationId: 'cfg', content: { dataCollectionRule: dcr } }];
      const src = new ControlPlaneDcrSource({
        resourceId: MACHINE,
        tokens,
        http,
        controlPlaneUrl: cp.url,
        armUrl: arm.url,
        audience: 'https://monitor.azure.com/',
      });
      expect(endpointsOf(await src.fetch())).toEqual(['https://dce-a-abcd.westeurope-1.ingest.monitor.azure.com']);
      expect(arm.monitorGets).toEqual([DCE_A]);
    } finally {
      await cp.stop();
    }
  });
});
