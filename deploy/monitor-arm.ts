// The ARM calls of `open-ama deploy dcr`, all through one @azure/arm-monitor MonitorClient (its
// pipeline: bearer token, Retry-After throttling retries, TLS, endpoint override):
//  - data collection endpoints and rule associations with the client's own typed operations;
//  - data collection rules through the same client at api-version 2023-03-11: the typed DCR operation
//    of @azure/arm-monitor 7 (the last release that supports Node 20) speaks 2021-04-01, whose model has
//    no streamDeclarations, logFiles, dataCollectionEndpointId or outputStream and would drop them;
//  - Log Analytics custom tables (`dcr fix --apply`) through the same pipeline at api-version 2022-10-01:
//    PUT is long-running (202), so the table is read back until its provisioningState is Succeeded.
import { MonitorClient } from '@azure/arm-monitor';
import {
  createSerializer,
  type OperationSpec,
  type OperationURLParameter,
  type OperationQueryParameter,
  type FullOperationResponse,
} from '@azure/core-client';
import type { TokenCredential } from '@azure/identity';
import { armClientOptions } from './clouds.js';
import { explainAzureError, type ArmOperation } from './azure-errors.js';

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

export const TABLES_API_VERSION = '2022-10-01';
const tablesApiVersion: OperationQueryParameter = {
  parameterPath: 'apiVersion',
  mapper: {
    defaultValue: TABLES_API_VERSION,
    isConstant: true,
    serializedName: 'api-version',
    type: { name: 'String' },
  },
};
const TABLE_PATH = '/{workspaceId}/tables/{tableName}';
const tableUrlParameters = [urlParam('$host', true), urlParam('workspaceId', true), urlParam('tableName')];
const putTableSpec: OperationSpec = {
  path: TABLE_PATH,
  httpMethod: 'PUT',
  responses: { ...responses, 202: { bodyMapper: anyJson } },
  requestBody: { parameterPath: 'body', mapper: anyJson },
  queryParameters: [tablesApiVersion],
  urlParameters: tableUrlParameters,
  headerParameters: [contentType, accept],
  mediaType: 'json',
  serializer,
};
const getTableSpec: OperationSpec = {
  path: TABLE_PATH,
  httpMethod: 'GET',
  responses: { 200: responses[200], default: responses.default },
  queryParameters: [tablesApiVersion],
  urlParameters: tableUrlParameters,
  headerParameters: [accept],
  serializer,
};
/** Column types of the Tables API (a DCR says datetime where the Tables API says dateTime). */
const TABLE_TYPE: Record<string, string> = { datetime: 'dateTime' };

interface DcrResponse {
  id?: string;
  properties?: { immutableId?: string; provisioningState?: string };
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 404;
}

/**
 * "<status> <code>: <message> (<target>: <detail message>; …)" from an SDK RestError, never the request; a
 * sign-in or permission error as deploy/azure-errors.ts says it (what to run, which role is missing).
 */
export function describeArmError(err: unknown, operation?: ArmOperation): string {
  const explained = explainAzureError(err, operation);
  if (explained) return explained;
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
    this.client = new MonitorClient(credential, subscription, armClientOptions(armEndpoint));
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

  /** The DCR resource as ARM returns it (envelope and properties), undefined when it does not exist. */
  async getDcrJson(resourceGroup: string, name: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.client.sendOperationRequest<Record<string, unknown>>(
        this.dcrArgs(resourceGroup, name),
        getDcrSpec,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private tableArgs(workspaceId: string, table: string): Record<string, unknown> {
    return {
      $host: this.armEndpoint.replace(/\/+$/, ''),
      workspaceId: workspaceId.replace(/^\/+/, ''),
      tableName: table,
    };
  }

  /** The table's columns (schema.columns), undefined when the workspace has no such table. */
  async getTable(workspaceId: string, table: string): Promise<{ columns: string[]; state: string } | undefined> {
    try {
      const r = await this.client.sendOperationRequest<{
        properties?: { provisioningState?: string; schema?: { columns?: { name: string }[] } };
      }>(this.tableArgs(workspaceId, table), getTableSpec);
      return {
        columns: (r.properties?.schema?.columns ?? []).map((c) => c.name),
        state: r.properties?.provisioningState ?? 'Succeeded',
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates a custom table and waits (polling its GET every pollMs) until it is provisioned. */
  async putTable(
    workspaceId: string,
    table: string,
    columns: { name: string; type: string }[],
    pollMs = 2000,
    maxPolls = 90,
  ): Promise<void> {
    const body = {
      properties: {
        schema: { name: table, columns: columns.map((c) => ({ name: c.name, type: TABLE_TYPE[c.type] ?? c.type })) },
      },
    };
    await this.client.sendOperationRequest({ ...this.tableArgs(workspaceId, table), body }, putTableSpec);
    for (let i = 0; i < maxPolls; i++) {
      const t = await this.getTable(workspaceId, table);
      if (t?.state === 'Succeeded') return;
      if (t?.state === 'Failed') throw new Error(`table ${table} failed to provision`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
    throw new Error(`table ${table} is still not provisioned after ${Math.round((pollMs * maxPolls) / 1000)} s`);
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
