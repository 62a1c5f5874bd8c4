// Remote DCR sources against a loopback HTTPS fake (test/fakes/control-plane-server.ts), tokens from
// the IMDS fake. ArmDcrSource (documented route, docs/azure-interfaces.md §3): associations listed (all pages), then
// each DCR read with a managed-identity token for ARM; a DCR that cannot be read or is invalid is
// rejected alone with its reason while the others run. ControlPlaneDcrSource follows the OBSERVED,
// UNDOCUMENTED agentConfigurations protocol (docs/azure-interfaces.md §3). Failures of the source itself are clear errors.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ArmDcrSource, ControlPlaneDcrSource } from '../../../../agent/collector/dcr/remote-sources.js';
import type { HttpClient, ManagedIdentityTokenClient } from '../../../../agent/collector/net/index.js';
import { FakeControlPlaneServer, ASSOCIATIONS_API, DCR_API } from '../../../fakes/control-plane-server.js';
import type { FakeImdsServer } from '../../../fakes/imds-server.js';
import { syslogToLaDcr } from '../../../support/collector-process.js';
import { freePort } from '../../../support/net.js';
import { graphOf as build, insightsId, MACHINE, SUB, useRemoteDcrClients } from '../../../support/remote-dcr.js';

const dcrId = (name: string): string => insightsId('dataCollectionRules', name);
const IMM = {
  a: 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  b: 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  c: 'dcr-cccccccccccccccccccccccccccccccc',
};

/** The DCR as ARM returns it: the resource envelope around properties. */
function armDcr(
  name: string,
  immutableId: string,
  endpoint = 'https://dce-1.westeurope-1.ingest.monitor.azure.com',
): unknown {
  const { properties } = syslogToLaDcr(immutableId, endpoint) as { properties: Record<string, unknown> };
  return {
    id: dcrId(name),
    name,
    type: 'Microsoft.Insights/dataCollectionRules',
    location: 'westeurope',
    kind: 'Linux',
    properties,
  };
}

/** An AMA-style DCR sending Microsoft-Syslog to Log Analytics without the companion stream: invalid for open-ama. */
function amaOnlyDcr(name: string, immutableId: string): unknown {
  const d = armDcr(name, immutableId) as { properties: { streamDeclarations: unknown; dataFlows: unknown[] } };
  d.properties.streamDeclarations = {};
  d.properties.dataFlows = d.properties.dataFlows.slice(0, 1);
  return d;
}

const clients = useRemoteDcrClients('oa-dcr-src-');
let imds: FakeImdsServer;
let fake: FakeControlPlaneServer;
let http: HttpClient;
let tokens: ManagedIdentityTokenClient;

beforeEach(async () => {
  ({ http, tokens } = clients);
  imds = clients.world.imds;
  fake = new FakeControlPlaneServer(clients.world.ca, MACHINE);
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

const arm = (armUrl = fake.url): ArmDcrSource => new ArmDcrSource({ resourceId: MACHINE, tokens, http, armUrl });
const controlPlane = (url = fake.url): ControlPlaneDcrSource =>
  new ControlPlaneDcrSource({
    resourceId: MACHINE,
    tokens,
    http,
    controlPlaneUrl: url,
    audience: 'https://monitor.azure.com/',
  });

describe('ArmDcrSource (documented route)', () => {
  test("lists the machine's associations, then reads each associated DCR with a managed-identity token for ARM", async () => {
    fake.associations = [
      { dcr: dcrId('syslog-a') },
      { dce: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionEndpoints/dce-1` },
      { dcr: dcrId('syslog-b') },
    ];
    fake.dcrs.set(dcrId('syslog-a'), armDcr('syslog-a', IMM.a));
    fake.dcrs.set(dcrId('syslog-b'), armDcr('syslog-b', IMM.b));
    const fetched = await arm().fetch();
    expect(fetched.map((d) => [d.origin, d.ref, d.error])).toEqual([
      ['arm', dcrId('syslog-a'), undefined],
      ['arm', dcrId('syslog-b'), undefined],
    ]);
    expect(fetched[0]!.json).toEqual(armDcr('syslog-a', IMM.a));
    expect(fake.requests.map((r) => [r.path, r.query['api-version']])).toEqual([
      [`${MACHINE}/providers/Microsoft.Insights/dataCollectionRuleAssociations`, ASSOCIATIONS_API],
      [dcrId('syslog-a'), DCR_API],
      [dcrId('syslog-b'), DCR_API],
    ]);
    expect(fake.requests.every((r) => r.authorization === 'Bearer test-ingestion-token')).toBe(true);
    // Audience = the ARM origin (https://management.azure.com/ in public Azure); one token, cached.
    expect(imds.tokenRequests.map((t) => t.resource)).toEqual([`${fake.url}/`]);
    const { dcrs } = build(fetched);
    expect(dcrs.map((d) => [d.immutableId, d.state])).toEqual([
      [IMM.a, 'loaded'],
      [IMM.b, 'loaded'],
    ]);
  });

  test('follows nextLink through every page of associations', async () => {
    fake.pageSize = 1;
    fake.associations = ['a', 'b', 'c'].map((n) => ({ dcr: dcrId(`dcr-${n}`) }));
    fake.dcrs.set(dcrId('dcr-a'), armDcr('dcr-a', IMM.a));
    fake.dcrs.set(dcrId('dcr-b'), armDcr('dcr-b', IMM.b));
    fake.dcrs.set(dcrId('dcr-c'), armDcr('dcr-c', IMM.c));
    const fetched = await arm().fetch();
    expect(fetched.map((d) => d.ref)).toEqual(['a', 'b', 'c'].map((n) => dcrId(`dcr-${n}`)));
  });

  test('a nextLink to another host is refused (the token would go with it)', async () => {
    fake.failures.set(`${MACHINE}/providers/Microsoft.Insights/dataCollectionRuleAssociations`.toLowerCase(), {
      status: 200,
      body: JSON.stringify({ value: [], nextLink: 'https://attacker.example/page2' }),
    });
    await expect(arm().fetch()).rejects.toThrow(/nextLink to another host \(https:\/\/attacker\.example\)/);
    expect(fake.requests).toHaveLength(1);
  });

  test('an invalid DCR is rejected alone with a reason; the valid ones run', async () => {
    fake.associations = [{ dcr: dcrId('ama-style') }, { dcr: dcrId('good') }];
    fake.dcrs.set(dcrId('ama-style'), amaOnlyDcr('ama-style', IMM.a));
    fake.dcrs.set(dcrId('good'), armDcr('good', IMM.b));
    const { dcrs, graph } = build(await arm().fetch());
    expect(dcrs).toEqual([
      {
        immutableId: IMM.a,
        source: 'arm',
        state: 'rejected',
        reason: expect.stringMatching(/companion stream Custom-OpenAma-Syslog.*open-ama dcr fix/),
      },
      { immutableId: IMM.b, source: 'arm', state: 'loaded' },
    ]);
    expect(graph.lanes.map((l) => l.id)).toEqual([`${IMM.b}/la/Custom-OpenAma-Syslog`]);
  });

  test('a DCR the identity may not read (403) or that no longer exists (404) is rejected alone with a reason; the others run', async () => {
    fake.associations = [{ dcr: dcrId('forbidden') }, { dcr: dcrId('deleted') }, { dcr: dcrId('good') }];
    fake.failures.set(dcrId('forbidden').toLowerCase(), {
      status: 403,
      body: JSON.stringify({
        error: {
          code: 'AuthorizationFailed',
          message: 'does not have authorization to perform action Microsoft.Insights/dataCollectionRules/read',
        },
      }),
    });
    fake.dcrs.set(dcrId('good'), armDcr('good', IMM.c));
    const fetched = await arm().fetch();
    expect(fetched.map((d) => d.ref)).toEqual([dcrId('forbidden'), dcrId('deleted'), dcrId('good')]);
    const { dcrs } = build(fetched);
    expect(dcrs).toEqual([
      {
        immutableId: dcrId('forbidden'),
        source: 'arm',
        state: 'rejected',
        reason: expect.stringMatching(/403.*needs Reader \(Microsoft\.Insights\/dataCollectionRules\/read\)/),
      },
      {
        immutableId: dcrId('deleted'),
        source: 'arm',
        state: 'rejected',
        reason: expect.stringMatching(/404.*does not exist/),
      },
      { immutableId: IMM.c, source: 'arm', state: 'loaded' },
    ]);
  });

  test('a 403 on the association list is an error naming the missing role', async () => {
    fake.failures.set(`${MACHINE}/providers/Microsoft.Insights/dataCollectionRuleAssociations`.toLowerCase(), {
      status: 403,
    });
    await expect(arm().fetch()).rejects.toThrow(/403 .*Reader/);
  });

  test('a transient ARM error (5xx) on one DCR fails the whole read, so the collector keeps the DCRs it has', async () => {
    fake.associations = [{ dcr: dcrId('good') }];
    fake.dcrs.set(dcrId('good'), armDcr('good', IMM.a));
    fake.failures.set(dcrId('good').toLowerCase(), { status: 503, times: 1 });
    await expect(arm().fetch()).rejects.toThrow(/ARM returned 503/);
    expect((await arm().fetch()).map((d) => d.ref)).toEqual([dcrId('good')]);
  });

  test('an unreachable ARM endpoint is a clear error naming the endpoint and the cause', async () => {
    const port = await freePort();
    await expect(arm(`https://127.0.0.1:${port}`).fetch()).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
  });

  test('a body that is not JSON is a clear error', async () => {
    fake.associations = [{ dcr: dcrId('good') }];
    fake.failures.set(dcrId('good').toLowerCase(), { status: 200, body: '<html>proxy login</html>' });
    await expect(arm().fetch()).rejects.toThrow(/not JSON/);
  });
});

describe('ControlPlaneDcrSource (observed, undocumented agentConfigurations protocol)', () => {
  test('reads the DCRs out of agentConfigurations with Metadata: true and a token for the monitor audience; chunks without a DCR are skipped', async () => {
    fake.configurations = [
      { configurationId: 'cfg-a', content: { dataCollectionRule: armDcr('syslog-a', IMM.a) } },
      {
        configurationId: 'me-chunk',
        content: { channels: [{ protocol: 'me', endpoint: 'https://westeurope.monitoring.azure.com' }] },
      },
      { configurationId: 'cfg-b', content: { dataCollectionRule: amaOnlyDcr('ama', IMM.b) } },
    ];
    const fetched = await controlPlane().fetch();
    expect(fetched.map((d) => [d.origin, d.ref])).toEqual([
      ['control-plane', 'cfg-a'],
      ['control-plane', 'cfg-b'],
    ]);
    expect(fake.requests).toEqual([
      {
        method: 'GET',
        path: `${MACHINE}/agentConfigurations`,
        query: { platform: 'linux', includeMeConfig: 'true', 'api-version': '2022-06-02' },
        authorization: 'Bearer test-ingestion-token',
        metadata: 'true',
      },
    ]);
    expect(imds.tokenRequests.map((t) => t.resource)).toEqual(['https://monitor.azure.com/']);
    const { dcrs } = build(fetched);
    expect(dcrs.map((d) => [d.immutableId, d.state, d.source])).toEqual([
      [IMM.a, 'loaded', 'control-plane'],
      [IMM.b, 'rejected', 'control-plane'],
    ]);
  });

  test('an error status and an unreachable endpoint are clear errors', async () => {
    fake.failures.set(`${MACHINE}/agentConfigurations`.toLowerCase(), { status: 404 });
    await expect(controlPlane().fetch()).rejects.toThrow(/control plane returned 404 for agentConfigurations/);
    const port = await freePort();
    await expect(controlPlane(`https://127.0.0.1:${port}`).fetch()).rejects.toThrow(
      new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
  });
});
