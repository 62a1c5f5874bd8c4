// Issue 12.9, through the real collector: a logFiles data source's transformKql runs on the machine (as
// Azure Monitor Agent runs it) — debug lines are never uploaded and the projection applies — and a
// logFiles source whose transformKql is outside the subset is refused with the reason instead of sending
// its records untransformed. The declared column `constructor` reads as missing (own keys only).
import { beforeAll, expect, test } from '@jest/globals';
import { appendFileSync, mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import type { FakeIngestionServer } from '../../../fakes/ingestion-server.js';
import { useCollectorWorld } from '../../../support/collector-world.js';
import { startCollector, writeConfig } from '../../../support/collector-process.js';
import { waitFor } from '../../../support/net.js';
import { validateDcr } from '../../../../agent/collector/dcr/validate.js';

const world = useCollectorWorld('oa-lf-transform-');
let ingestion: FakeIngestionServer;

beforeAll(async () => {
  ingestion = await world.ingestion();
});

const col = (name: string, type = 'string') => ({ name, type });

function dcr(logDir: string): unknown {
  return {
    properties: {
      immutableId: 'dcr-12121212121212121212121212121212',
      endpoints: { logsIngestion: ingestion.url },
      streamDeclarations: {
        'Custom-App': { columns: [col('TimeGenerated', 'datetime'), col('level'), col('msg'), col('constructor')] },
        'Custom-Split': { columns: [col('TimeGenerated', 'datetime'), col('RawData')] },
      },
      dataSources: {
        logFiles: [
          {
            name: 'app',
            streams: ['Custom-App'],
            filePatterns: [`${logDir}/app*.log`],
            format: 'json',
            transformKql: 'source | where level != "debug" and isnull(constructor) | project TimeGenerated, msg',
          },
          {
            name: 'split',
            streams: ['Custom-Split'],
            filePatterns: [`${logDir}/split*.log`],
            format: 'text',
            transformKql: 'source | where RawData != "" | extend P = split(RawData, ";")',
          },
        ],
      },
      destinations: {
        logAnalytics: [
          { name: 'la', workspaceResourceId: '/subscriptions/x/resourceGroups/r/providers/x/workspaces/w' },
        ],
      },
      dataFlows: [
        { streams: ['Custom-App'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-App_CL' },
        { streams: ['Custom-Split'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-Split_CL' },
      ],
    },
  };
}

test('a logFiles transformKql filters on the machine; one outside the subset refuses its source with the reason', async () => {
  const root = mkdtempSync(path.join(world.dir, 'root-'));
  const logDir = mkdtempSync(path.join(world.dir, 'logs-'));
  const rule = dcr(logDir);
  const v = validateDcr(rule, 'rule.json');
  expect(v.ok).toBe(true);
  if (v.ok) {
    expect(v.warnings.join('\n')).toMatch(
      /logFiles source "split" is ignored: its transformKql runs on the machine, and the agent cannot run it: function split\(\) is not supported/,
    );
    expect(v.dcr.dataSources.logFiles?.map((l) => l.name)).toEqual(['app']);
  }
  writeConfig(root, [rule]);
  const child = await startCollector(root, {
    NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
    OPEN_AMA_IMDS_URL: world.imds.base,
  });
  try {
    await new Promise((r) => setTimeout(r, 3000)); // the sources are running; files created now are read from their start
    appendFileSync(path.join(logDir, 'split.log'), 'a;b\nc;d\n');
    appendFileSync(
      path.join(logDir, 'app.log'),
      [
        { level: 'debug', msg: 'noise 1' },
        { level: 'info', msg: 'started' },
        { level: 'debug', msg: 'noise 2' },
        { level: 'warn', msg: 'disk at 91%' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    await waitFor(() => ingestion.records('Custom-App').length >= 2, 30_000, 'the app records');
    await new Promise((r) => setTimeout(r, 2000)); // anything else would have arrived by now
    expect(ingestion.records('Custom-App').map(({ TimeGenerated: _t, ...r }) => r)).toEqual([
      { msg: 'started' },
      { msg: 'disk at 91%' },
    ]);
    expect(ingestion.records('Custom-Split')).toEqual([]);
  } finally {
    await child.stop();
  }
}, 90_000);
