// The ARM calls of `open-ama deploy dcr`, all through one @azure/arm-monitor MonitorClient (its
// pipeline: bearer token, Retry-After throttling retries, TLS, endpoint override):
//  - data collection endpoints and rule associations with the client's own typed operations;
//  - data collection rules through the same client at api-version 2023-03-11: the typed DCR operation
//    of @azure/arm-monitor 7 (the last release that supports Node 20) speaks 2021-04-01, whose model has
//    no streamDeclarations, logFiles, dataCollectionEndpointId or outputStream and would drop them.
import { MonitorClient } from '@azure/arm-monitor';
import {
  createSerializer,
  type OperationSpec,
  type OperationURLParameter,
  type OperationQueryParameter,
  type FullOperationResponse,
} from '@azure/core-client';
import type { TokenCredential } from '@azure/identity';
import { armScope } from './clouds.js';

export const DCR_API_VERSION = '2023-03-11';

export interface DceInfo {
  id: string;
  logsIngestion: string;
  created: boolean;
}
export interface DcrInfo {
  id: string;
  immutableId: string;
  created: boolean;
}
export interface AssociationInfo {
  id: string;
  created: boolean;
}

const serializer = createSerializer({}, false);
const anyJson = { serializedName: 'body', type: { name: 'Object' } } as const;
const urlParam = (name: string, skipEncoding = false): OperationURLParameter => ({
  parameterPath: name,
  mapper: { serializedName: name, required: true, type: { name: 'String' } },
  skipEncoding,
});
const apiVersion: OperationQueryParameter = {
  parameterPath: 'apiVersion',
  mapper: { defaultValue: DCR_API_VERSION, isConstant: true, serializedName: 'api-version', type: { name: 'String' } },
};
const accept = {
  parameterPath: 'accept',
  mapper: { defaultValue: 'application/json', isConstant: true, serializedName: 'Accept', type: { name: 'String' } },
} as const;
const contentType = {
  parameterPath: 'contentType',
  mapper: {
    defaultValue: 'application/json',
    isConstant: true,
    serializedName: 'Content-Type',
    type: { name: 'String' },
  },
} as const;
const DCR_PATH =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}';
const dcrUrlParameters = [
  urlParam('$host', true),
  urlParam('subscriptionId'),
  urlParam('resourceGroupName'),
  urlParam('dataCollectionRuleName'),
];
const responses = { 200: { bodyMapper: anyJson }, 201: { bodyMapper: anyJson }, default: { bodyMapper: anyJson } };
const putDcrSpec: OperationSpec = {
  path: DCR_PATH,
  httpMethod: 'PUT',
  responses,
  requestBody: { parameterPath: 'body', mapper: anyJson },
  queryParameters: [apiVersion],
  urlParameters: dcrUrlParameters,
  headerParameters: [contentType, accept],
  mediaType: 'json',
  serializer,
};
const getDcrSpec: OperationSpec = {
  path: DCR_PATH,
  httpMethod: 'GET',
  responses: { 200: responses[200], default: responses.default },
  queryParameters: [apiVersion],
  urlParameters: dcrUrlParameters,
  headerParameters: [accept],
  serializer,
};

interface DcrResponse {
  id?: string;
  properties?: { immutableId?: string; provisioningState?: string };
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 404;
}

/** "<status> <code>: <message> (<target>: <detail message>; …)" from an SDK RestError, never the request. */
export function describeArmError(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string; response?: { bodyAsText?: string | null } };
  let details = '';
  try {
    const body = JSON.parse(e.response?.bodyAsText ?? '') as {
      error?: { details?: { code?: string; message?: string; target?: string }[] };
    };
    details = (body.error?.details ?? [])
      .map((d) => `${d.target ? `${d.target}: ` : ''}${d.message ?? d.code ?? ''}`)
      .join('; ');
  } catch {
    // no JSON body
  }
  const head = [e.statusCode, e.code].filter((x) => x !== undefined && x !== '').join(' ');
  return `${head ? `${head}: ` : ''}${e.message ?? String(err)}${details ? ` (${details})` : ''}`
    .replace(/\s+/g, ' ')
    .trim();
}

export class MonitorArm {
  private readonly client: MonitorClient;

  constructor(
    credential: TokenCredential,
    private readonly subscription: string,
    private readonly armEndpoint: string,
  ) {
    this.client = new MonitorClient(credential, subscription, {
      endpoint: armEndpoint,
      credentialScopes: [armScope(armEndpoint)],
    });
  }

  private dcrArgs(resourceGroup: string, name: string, status?: { code: number }): Record<string, unknown> {
    return {
      $host: this.armEndpoint.replace(/\/+$/, ''),
      subscriptionId: this.subscription,
      resourceGroupName: resourceGroup,
      dataCollectionRuleName: name,
      options: status ? { onResponse: (r: FullOperationResponse) => void (status.code = r.status) } : {},
    };
  }

  async getDce(resourceGroup: string, name: string): Promise<DceInfo | undefined> {
    try {
      const r = await this.client.dataCollectionEndpoints.get(resourceGroup, name);
      return { id: r.id ?? '', logsIngestion: r.logsIngestion?.endpoint ?? '', created: false };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async putDce(resourceGroup: string, name: string, location: string, description: string): Promise<DceInfo> {
    const status = { code: 0 };
    const r = await this.client.dataCollectionEndpoints.create(resourceGroup, name, {
      body: { location, description, networkAcls: { publicNetworkAccess: 'Enabled' } },
      onResponse: (raw) => void (status.code = raw.status),
    });
    return { id: r.id ?? '', logsIngestion: r.logsIngestion?.endpoint ?? '', created: status.code === 201 };
  }

  async getDcr(resourceGroup: string, name: string): Promise<DcrInfo | undefined> {
    try {
      const r = await this.client.sendOperationRequest<DcrResponse>(this.dcrArgs(resourceGroup, name), getDcrSpec);
      return { id: r.id ?? '', immutableId: r.properties?.immutableId ?? '', created: false };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async putDcr(resourceGroup: string, name: string, body: object): Promise<DcrInfo> {
    const status = { code: 0 };
    const r = await this.client.sendOperationRequest<DcrResponse>(
      { ...this.dcrArgs(resourceGroup, name, status), body },
      putDcrSpec,
    );
    return { id: r.id ?? '', immutableId: r.properties?.immutableId ?? '', created: status.code === 201 };
  }

  async putAssociation(
    machineId: string,
    name: string,
    dataCollectionRuleId: string,
    description: string,
  ): Promise<AssociationInfo> {
    const status = { code: 0 };
    // The SDK puts "/{resourceUri}/providers/…" with resourceUri unencoded: pass the ID without its leading slash.
    const r = await this.client.dataCollectionRuleAssociations.create(machineId.replace(/^\/+/, ''), name, {
      body: { dataCollectionRuleId, description },
      onResponse: (raw) => void (status.code = raw.status),
    });
    return { id: r.id ?? '', created: status.code === 201 };
  }
}
