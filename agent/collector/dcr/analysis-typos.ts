// Typo finder: walks a DCR against every property name Azure's DCR schema (2024-03-11, all data source and
// destination kinds, Windows ones too) and the ARM resource envelope know, and names each unknown property
// with its path and the closest known name ("facilityName" → did you mean "facilityNames"?; edit distance by
// fastest-levenshtein). Pure.
import { distance } from 'fastest-levenshtein';
import type { Finding } from './analysis-types.js';

/** An object's known properties (each with its own shape, or `true` when its content is free-form);
 *  `each` is the shape of every value of a free-keyed map (streamDeclarations). Arrays take the item shape. */
interface Shape {
  props?: Record<string, Shape | true>;
  each?: Shape;
}
const obj = (props: Record<string, Shape | true>): Shape => ({ props });
const named = (props: Record<string, Shape | true> = {}): Shape =>
  obj({ name: true, streams: true, transformKql: true, ...props });
const dest = (props: Record<string, Shape | true>): Shape => obj({ name: true, ...props });

const DATA_SOURCES = obj({
  performanceCounters: named({
    samplingFrequencyInSeconds: true,
    counterSpecifiers: true,
    scheduledTransferPeriod: true,
  }),
  performanceCountersOTel: named({ samplingFrequencyInSeconds: true, counterSpecifiers: true }),
  windowsEventLogs: named({ xPathQueries: true, scheduledTransferPeriod: true }),
  syslog: named({ facilityNames: true, logLevels: true }),
  extensions: named({ extensionName: true, extensionSettings: true, inputDataSources: true }),
  logFiles: named({
    filePatterns: true,
    format: true,
    settings: obj({ text: obj({ recordStartTimestampFormat: true }), json: true }),
  }),
  iisLogs: named({ logDirectories: true }),
  windowsFirewallLogs: named({ profileFilter: true }),
  prometheusForwarder: named({ labelIncludeFilter: true }),
  platformTelemetry: named(),
  etwProviders: named({ provider: true, providerType: true, logLevel: true, keyword: true, id: true }),
  otelLogs: named({ resourceAttributeRouting: true, replaceResourceIdAttribute: true }),
  otelTraces: named({ resourceAttributeRouting: true, replaceResourceIdAttribute: true }),
  otelMetrics: named({ resourceAttributeRouting: true, replaceResourceIdAttribute: true }),
  dataImports: obj({ eventHub: obj({ name: true, stream: true, consumerGroup: true }) }),
});

const DESTINATIONS = obj({
  logAnalytics: dest({ workspaceResourceId: true, workspaceId: true }),
  monitoringAccounts: dest({ accountResourceId: true, accountId: true }),
  azureMonitorMetrics: dest({}),
  eventHubs: dest({ eventHubResourceId: true }),
  eventHubsDirect: dest({ eventHubResourceId: true }),
  storageBlobsDirect: dest({ containerName: true, storageAccountResourceId: true }),
  storageTablesDirect: dest({ tableName: true, storageAccountResourceId: true }),
  storageAccounts: dest({ containerName: true, storageAccountResourceId: true }),
  azureDataExplorer: dest({ resourceId: true, databaseName: true, ingestionUri: true }),
  microsoftFabric: dest({ tenantId: true, artifactId: true, databaseName: true, ingestionUri: true }),
  openAmaFile: dest({}),
});

const PROPERTIES: Record<string, Shape | true> = {
  description: true,
  immutableId: true,
  dataCollectionEndpointId: true,
  dataCollectionEndpoint: obj({ logsIngestion: true, metricsIngestion: true, configurationAccess: true }),
  endpoints: obj({ logsIngestion: true, metricsIngestion: true }),
  metadata: true,
  provisioningState: true,
  provisioningError: true,
  references: true,
  agentSettings: obj({ logs: obj({ name: true, value: true }) }),
  streamDeclarations: { each: obj({ columns: obj({ name: true, type: true, description: true }) }) },
  dataSources: DATA_SOURCES,
  directDataSources: true,
  ingestionQuotas: true,
  destinations: DESTINATIONS,
  dataFlows: obj({
    streams: true,
    destinations: true,
    transformKql: true,
    outputStream: true,
    builtInTransform: true,
    captureOverflow: true,
  }),
};

const ENVELOPE: Record<string, Shape | true> = {
  id: true,
  name: true,
  type: true,
  apiVersion: true,
  location: true,
  tags: true,
  kind: true,
  identity: true,
  etag: true,
  systemData: true,
  dependsOn: true,
  comments: true,
  condition: true,
  scope: true,
  copy: true,
  managedBy: true,
  resourceGroup: true, // az CLI output
};

const RESOURCE = obj({ ...ENVELOPE, properties: obj(PROPERTIES) });
// `az monitor data-collection rule show` flattens properties into the resource; a bare body has none of
// the envelope but accepting it there costs nothing.
const FLAT = obj({ ...ENVELOPE, ...PROPERTIES });

/** The known name closest to `key` (case-insensitive match first), if close enough to be a typo. */
export function closestName(key: string, known: string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = distance(lower, k.toLowerCase());
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function walk(value: unknown, shape: Shape | true, path: string, out: Finding[]): void {
  if (shape === true || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, shape, `${path}/${i}`, out));
    return;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const p = `${path}/${key}`;
    if (shape.each) {
      walk(v, shape.each, p, out);
      continue;
    }
    const known = shape.props ?? {};
    if (Object.hasOwn(known, key)) {
      walk(v, known[key]!, p, out);
      continue;
    }
    const guess = closestName(key, Object.keys(known));
    out.push({
      path: p,
      message: `no DCR schema knows the property "${key}"${guess ? ` — did you mean "${guess}"?` : ''}; it has no effect`,
      ...(guess ? { fix: `rename it to "${guess}"` } : {}),
    });
  }
}

/** Every property of the DCR (ARM resource, flattened az output or bare body) no DCR schema knows. */
export function findTypos(json: unknown): Finding[] {
  const out: Finding[] = [];
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return out;
  const props = (json as Record<string, unknown>).properties;
  walk(json, typeof props === 'object' && props !== null ? RESOURCE : FLAT, '', out);
  return out;
}
