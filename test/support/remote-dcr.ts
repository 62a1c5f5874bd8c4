// The setup the remote DCR source suites share (ARM and control-plane routes against loopback fakes): the
// machine's resource IDs, a collector world whose IMDS fake answers for that machine, one HttpClient
// trusting the test CA and one managed-identity token client per test, and what the collector does with
// fetched DCRs (buildPipelineGraph).
import { afterEach, beforeEach } from '@jest/globals';
import type { FetchedDcr } from '../../agent/collector/dcr/index.js';
import { HttpClient, ManagedIdentityTokenClient, detectIdentityEndpoints } from '../../agent/collector/net/index.js';
import { buildPipelineGraph, type DcrInput } from '../../agent/collector/pipeline/index.js';
import { testAgentConfig } from './agent-config.js';
import { useCollectorWorld, type CollectorWorld } from './collector-world.js';

export const SUB = '00000000-0000-0000-0000-000000000000';
export const MACHINE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`;
/** A Microsoft.Insights resource ID in the machine's resource group. */
export const insightsId = (kind: string, name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Insights/${kind}/${name}`;

export interface RemoteDcrClients {
  world: CollectorWorld;
  /** Fresh for each test, closed after it. */
  http: HttpClient;
  tokens: ManagedIdentityTokenClient;
}

/** Registers the hooks: the world for the file, the HTTP and token clients for each test. */
export function useRemoteDcrClients(prefix: string): RemoteDcrClients {
  const world = useCollectorWorld(prefix, { imds: { mode: 'imds', resourceId: MACHINE } });
  const clients = { world } as RemoteDcrClients;
  beforeEach(() => {
    world.imds.tokenRequests = [];
    clients.http = new HttpClient({ extraCa: [world.ca.caCert] });
    clients.tokens = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: world.imds.base }),
      http: clients.http,
      retryDelaysMs: [0],
    });
  });
  afterEach(() => clients.http.close());
  return clients;
}

const config = testAgentConfig({ dcrSource: 'arm' });
/** What the collector does with fetched DCRs. */
export const toInputs = (fetched: FetchedDcr[]): DcrInput[] =>
  fetched.map((d) => ({ json: d.json, origin: d.origin, ref: d.ref, ...(d.error ? { error: d.error } : {}) }));
export const graphOf = (fetched: FetchedDcr[]): ReturnType<typeof buildPipelineGraph> =>
  buildPipelineGraph(toInputs(fetched), { computer: 'vm1', config, env: {}, outDir: '/tmp/out' });
