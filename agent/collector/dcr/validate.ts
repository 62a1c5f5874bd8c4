// Validates one DCR alone (schema + the rules a schema cannot say); an invalid DCR is rejected with a
// reason and the others keep running. Rules: flows reference produced/declared streams and existing
// destinations; destination names are unique; built-in streams sent to Log Analytics need their
// Custom-OpenAma-<Name> companion declaration (DESIGN.md §3.1); Log Analytics needs an ingestion
// endpoint; Windows-only sources are warnings, not errors.
import { validateDataCollectionRule } from '../../../settings-schemas/generated/validators.js';
import { dcrProperties, BUILT_IN_COMPANIONS, type Dcr } from './model.js';

export type DcrValidation =
  { ok: true; dcr: Dcr; warnings: string[] } | { ok: false; immutableId: string; reason: string };

function schemaMessage(): string {
  return (validateDataCollectionRule.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.keyword === 'enum' ? `must be one of ${JSON.stringify(e.params.allowedValues)}` : (e.message ?? e.keyword)}`,
    )
    .join('; ');
}

export function validateDcr(json: unknown, ref = 'DCR'): DcrValidation {
  try {
    return validateUnsafe(json, ref);
  } catch (err) {
    return { ok: false, immutableId: ref, reason: `cannot be read: ${(err as Error).message}` };
  }
}

function validateUnsafe(json: unknown, ref: string): DcrValidation {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, immutableId: ref, reason: 'a DCR must be a JSON object' };
  const { props, name } = dcrProperties(json);
  // A rejection must be attributable: an empty or missing immutableId is reported by the DCR's ref.
  const immutableId =
    typeof props.immutableId === 'string' && props.immutableId.trim() !== '' ? props.immutableId : ref;
  if (!validateDataCollectionRule(json)) return { ok: false, immutableId, reason: `invalid DCR: ${schemaMessage()}` };
  if (typeof props.immutableId !== 'string')
    return { ok: false, immutableId, reason: 'immutableId is required (dcr-<32 hex>): the agent uploads with it' };
  const dcr: Dcr = {
    immutableId: props.immutableId,
    name,
    endpoints: props.endpoints as Dcr['endpoints'],
    dataCollectionEndpoint: props.dataCollectionEndpoint as Dcr['dataCollectionEndpoint'],
    agentSettings: props.agentSettings as Dcr['agentSettings'],
    streamDeclarations: (props.streamDeclarations as Dcr['streamDeclarations']) ?? {},
    dataSources: (props.dataSources as Dcr['dataSources']) ?? {},
    destinations: (props.destinations as Dcr['destinations']) ?? {},
    dataFlows: (props.dataFlows as Dcr['dataFlows']) ?? [],
  };
  const warnings: string[] = [];
  for (const kind of ['windowsEventLogs', 'iisLogs', 'extensions'] as const) {
    if ((dcr.dataSources[kind] ?? []).length > 0)
      warnings.push(`${dcr.immutableId}: ${kind} data sources are not supported on Linux and are ignored`);
  }
  const destKinds = new Map<string, 'logAnalytics' | 'azureMonitorMetrics' | 'openAmaFile'>();
  const names = [
    ...(dcr.destinations.logAnalytics ?? []).map((d) => [d.name, 'logAnalytics'] as const),
    ...(dcr.destinations.azureMonitorMetrics
      ? [[dcr.destinations.azureMonitorMetrics.name, 'azureMonitorMetrics'] as const]
      : []),
    ...(dcr.destinations.openAmaFile ?? []).map((d) => [d.name, 'openAmaFile'] as const),
  ];
  for (const [n, k] of names) {
    if (destKinds.has(n))
      return { ok: false, immutableId: dcr.immutableId, reason: `destination name "${n}" is used twice` };
    destKinds.set(n, k);
  }
  const produced = new Set<string>([
    ...(dcr.dataSources.performanceCounters ?? []).flatMap((s) => s.streams),
    ...(dcr.dataSources.syslog ?? []).flatMap((s) => s.streams),
    ...(dcr.dataSources.logFiles ?? []).flatMap((s) => s.streams),
    ...Object.keys(dcr.streamDeclarations),
  ]);
  for (const lf of dcr.dataSources.logFiles ?? []) {
    if (!dcr.streamDeclarations[lf.streams[0]!])
      return {
        ok: false,
        immutableId: dcr.immutableId,
        reason: `logFiles source "${lf.name}" writes ${lf.streams[0]}, which streamDeclarations does not declare`,
      };
  }
  const endpoint = dcr.endpoints?.logsIngestion ?? dcr.dataCollectionEndpoint?.logsIngestion;
  for (const [i, flow] of dcr.dataFlows.entries()) {
    for (const d of flow.destinations) {
      if (!destKinds.has(d))
        return {
          ok: false,
          immutableId: dcr.immutableId,
          reason: `dataFlows[${i}] sends to destination "${d}", which destinations does not define`,
        };
    }
    for (const s of flow.streams) {
      if (!produced.has(s))
        return {
          ok: false,
          immutableId: dcr.immutableId,
          reason: `dataFlows[${i}] reads stream ${s}, which no data source produces and streamDeclarations does not declare`,
        };
      const companion = BUILT_IN_COMPANIONS[s];
      const toLa = flow.destinations.filter((d) => destKinds.get(d) === 'logAnalytics');
      if (toLa.length > 0 && !endpoint) {
        return {
          ok: false,
          immutableId: dcr.immutableId,
          reason:
            'a Log Analytics destination needs an ingestion endpoint: endpoints.logsIngestion (DCR of kind Direct) or dataCollectionEndpoint.logsIngestion',
        };
      }
      if (companion && toLa.length > 0) {
        const routed = dcr.dataFlows.some(
          (f) => f.streams.includes(companion.companion) && toLa.every((d) => f.destinations.includes(d)),
        );
        if (!dcr.streamDeclarations[companion.companion] || !routed) {
          return {
            ok: false,
            immutableId: dcr.immutableId,
            reason: `stream ${s} goes to Log Analytics, which the Logs Ingestion API reaches only through the companion stream ${companion.companion}; this DCR does not declare it and route it to ${toLa.join(', ')} — run "open-ama dcr fix <file>" to add it`,
          };
        }
      }
    }
  }
  return { ok: true, dcr, warnings };
}
