// fast-check generators shared by the fuzz tests: valid DCRs and settings shaped like real ones, and a
// mutation that rewrites one random spot of any JSON value (delete, replace, retype, add an unknown key).
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const hex = (n: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
export const immutableIdArb = hex(32).map((h) => `dcr-${h}`);
const guidArb = fc.uuid();
const nameArb = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'),
  minLength: 1,
  maxLength: 12,
});

/** A DCR our validator must accept: every flow reads a produced or declared stream, every destination exists. */
export const validDcrArb: fc.Arbitrary<Json> = fc
  .record({
    id: immutableIdArb,
    arm: fc.boolean(),
    perf: fc.boolean(),
    syslog: fc.boolean(),
    files: fc.integer({ min: 0, max: 2 }),
    la: fc.boolean(),
    kql: fc.constantFrom(
      undefined,
      'source',
      'source | where SeverityLevel == "error"',
      'source | extend X = strlen(RawData) | project-away X',
    ),
  })
  .map(({ id, arm, perf, syslog, files, la, kql }) => {
    const streams: string[] = [];
    const decl: Record<string, Json> = {};
    const dataSources: Record<string, Json> = {};
    const flows: Json[] = [];
    const cols = {
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'RawData', type: 'string' },
      ],
    };
    if (perf) {
      dataSources.performanceCounters = [
        {
          name: 'perf',
          streams: ['Microsoft-Perf'],
          samplingFrequencyInSeconds: 60,
          counterSpecifiers: ['Processor(*)\\% Processor Time'],
        },
      ];
      streams.push('Microsoft-Perf');
    }
    if (syslog) {
      dataSources.syslog = [
        {
          name: 'sys',
          streams: ['Microsoft-Syslog'],
          facilityNames: ['auth', 'daemon'],
          logLevels: ['Warning', 'Error'],
        },
      ];
      streams.push('Microsoft-Syslog');
    }
    if (files > 0) {
      dataSources.logFiles = Array.from({ length: files }, (_, i) => ({
        name: `app${i}`,
        streams: [`Custom-App${i}_CL`],
        filePatterns: [`/var/log/app${i}/*.log`],
        format: 'text',
      }));
      for (let i = 0; i < files; i++) {
        decl[`Custom-App${i}_CL`] = cols;
        streams.push(`Custom-App${i}_CL`);
      }
    }
    const destinations: Record<string, Json> = la
      ? {
          logAnalytics: [
            {
              name: 'la',
              workspaceResourceId:
                '/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w',
            },
          ],
        }
      : { openAmaFile: [{ name: 'file' }] };
    const dest = la ? 'la' : 'file';
    for (const s of streams) flows.push({ streams: [s], destinations: [dest], ...(kql ? { transformKql: kql } : {}) });
    if (la) {
      for (const [s, c] of [
        ['Microsoft-Perf', 'Custom-OpenAma-Perf'],
        ['Microsoft-Syslog', 'Custom-OpenAma-Syslog'],
      ] as const) {
        if (!streams.includes(s)) continue;
        decl[c] = cols;
        flows.push({ streams: [c], destinations: ['la'], outputStream: s });
      }
    }
    const props: Record<string, Json> = {
      immutableId: id,
      ...(la ? { endpoints: { logsIngestion: 'https://dce-1.westeurope-1.ingest.monitor.azure.com' } } : {}),
      streamDeclarations: decl,
      dataSources,
      destinations,
      dataFlows: flows,
    };
    return arm ? { location: 'westeurope', kind: 'Linux', name: `dcr-${id.slice(4, 10)}`, properties: props } : props;
  });

const proxyArb = fc.oneof(
  fc.constant({ mode: 'none' }),
  fc.record(
    {
      mode: fc.constant('application'),
      address: fc.constantFrom('http://127.0.0.1:3128', 'https://proxy.corp.example:8443/'),
      auth: fc.constantFrom(true, false, 'true', 'False'),
      bypass: fc.array(nameArb, { maxLength: 3 }),
    },
    { requiredKeys: ['mode', 'address'] },
  ),
);
const identityArb = fc.oneof(
  fc.record({ 'identifier-name': fc.constantFrom('object_id', 'client_id'), 'identifier-value': guidArb }),
  nameArb.map((n) => ({
    'identifier-name': 'mi_res_id',
    'identifier-value': `/subscriptions/${n}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}`,
  })),
);
const credsArb = fc.record({
  username: fc.string({ minLength: 1, maxLength: 20 }),
  password: fc.string({ minLength: 1, maxLength: 40 }),
});

/** Public + protected settings the handler must accept (legacy and next-generation shapes). */
export const validSettingsArb: fc.Arbitrary<{ pub: Json; prot: Json }> = fc.oneof(
  fc
    .record(
      {
        proxy: proxyArb,
        authentication: fc.record({ managedIdentity: identityArb }),
        dataCollectionRules: fc.array(validDcrArb, { maxLength: 2 }),
        dcrSource: fc.constantFrom('auto', 'inline', 'arm', 'control-plane'),
        diskQuotaMB: fc.integer({ min: 100, max: 1_000_000 }),
        selfMetrics: fc.record({ port: fc.integer({ min: 1, max: 65535 }) }),
        logLevel: fc.constantFrom('error', 'warn', 'info', 'debug'),
        resourceLimits: fc.record(
          { cpuQuotaPercent: fc.integer({ min: 5, max: 800 }), memoryMaxMB: fc.integer({ min: 64, max: 65536 }) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    )
    .chain((pub) => credsArb.map((c) => ({ pub: pub as Json, prot: { proxy: c } as Json }))),
  fc
    .record({ proxy: proxyArb, authentication: fc.record({ managedIdentity: identityArb }) }, { requiredKeys: [] })
    .chain((configuration) =>
      fc.tuple(credsArb, fc.array(validDcrArb, { maxLength: 1 })).map(([c, dcrs]) => ({
        pub: { azureMonitorConfiguration: { enable: true, configuration }, dataCollectionRules: dcrs } as Json,
        prot: { azureMonitorConfiguration: { proxy: c } } as Json,
      })),
    ),
);

/** Sets an own property even for "__proto__", as JSON.parse would. */
function defineKey(obj: { [k: string]: Json }, key: string, value: Json): { [k: string]: Json } {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

type Step = { kind: 'delete' | 'replace' | 'unknownKey' | 'retype'; at: number; value: Json; key: string };

/** Rewrites the `at`-th node (pre-order, modulo the node count) of a deep copy of `json`. */
export function mutate(json: Json, step: Step): Json {
  const copy = JSON.parse(JSON.stringify(json)) as Json; // JSON.parse keeps a "__proto__" key as an own property, like the settings reader
  const nodes: { parent: Json[] | { [k: string]: Json } | null; key: string | number; node: Json }[] = [];
  const walk = (node: Json, parent: Json[] | { [k: string]: Json } | null, key: string | number): void => {
    nodes.push({ parent, key, node });
    if (Array.isArray(node)) node.forEach((c, i) => walk(c, node, i));
    else if (node !== null && typeof node === 'object') for (const [k, c] of Object.entries(node)) walk(c, node, k);
  };
  walk(copy, null, '');
  const target = nodes[step.at % nodes.length]!;
  const set = (v: Json): Json => {
    if (target.parent === null) return v;
    if (Array.isArray(target.parent)) target.parent[target.key as number] = v;
    else defineKey(target.parent, target.key as string, v);
    return copy;
  };
  switch (step.kind) {
    case 'delete':
      if (target.parent === null) return null;
      if (Array.isArray(target.parent)) target.parent.splice(target.key as number, 1);
      else delete target.parent[target.key as string];
      return copy;
    case 'replace':
      return set(step.value);
    case 'retype':
      return set(
        typeof target.node === 'string'
          ? 42
          : typeof target.node === 'number'
            ? String(target.node)
            : Array.isArray(target.node)
              ? {}
              : target.node !== null && typeof target.node === 'object'
                ? []
                : 'x',
      );
    case 'unknownKey':
      if (target.node !== null && typeof target.node === 'object' && !Array.isArray(target.node))
        defineKey(target.node, step.key, step.value);
      else return set(defineKey({}, step.key, step.value));
      return copy;
  }
}

export const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'unknownKey', 'retype'),
  at: fc.nat(),
  value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  key: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('__proto__', 'constructor', 'proxy', 'username', 'password', 'immutableId', 'properties'),
  ),
});

/** One to three mutations in a row. */
export const mutationsArb = fc.array(stepArb, { minLength: 1, maxLength: 3 });
export const applyAll = (json: Json, steps: Step[]): Json => steps.reduce(mutate, json);
