// The real collector process with dcrSource "arm" against the loopback ARM/control-plane fake: it reads
// its associated DCRs with the machine identity, rejects the invalid and the deleted one alone (logged
// with their reasons) while the valid one collects syslog into the ingestion fake, and when ARM becomes
// unreachable it says so and keeps running the DCRs it read before — no record lost. The same with
// dcrSource "control-plane" (observed, undocumented agentConfigurations protocol).
import { describe, expect, test } from '@jest/globals';

import { mkdtempSync, readFileSync } from 'node:fs';

import * as net from 'node:net';
import * as path from 'node:path';

import { FakeIngestionServer } from '../../../fakes/ingestion-server.js';

import { FakeControlPlaneServer } from '../../../fakes/control-plane-server.js';

import { startCollector, syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';
import { freePort, waitFor } from '../../../support/net.js';
import { useCollectorWorld } from '../../../support/collector-world.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const MACHINE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`;
const dcrId = (name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/${name}`;
const GOOD = 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const INVALID = 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const world = useCollectorWorld('oa-remote-dcr-', { imds: { mode: 'imds', resourceId: MACHINE } });

async function sendSyslog(port: number, from: number, count: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  for (let i = from; i < from + count; i++) sock.write(`<134>Nov 25 10:00:00 host app[42]: seq=${i}\n`);
  await new Promise<void>((resolve) => sock.end(() => resolve()));
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('collector with dcrSource "arm"', () => {
  test('runs the valid DCR, rejects the invalid and the deleted one with reasons, and keeps its DCRs when ARM goes away', async () => {
    const ingestion = new FakeIngestionServer(world.ca);
    await ingestion.start();
    const arm = new FakeControlPlaneServer(world.ca, MACHINE);
    await arm.start();
    const good = syslogToLaDcr(GOOD, ingestion.url) as { properties: Record<string, unknown> };
    const invalid = syslogToLaDcr(INVALID, ingestion.url) as {
      properties: { streamDeclarations: unknown; dataFlows: unknown[] };
    };
    invalid.properties.streamDeclarations = {};
    invalid.properties.dataFlows = invalid.properties.dataFlows.slice(0, 1); // AMA-style: no companion stream
    arm.associations = [{ dcr: dcrId('good') }, { dcr: dcrId('ama-style') }, { dcr: dcrId('deleted') }];
    arm.dcrs.set(dcrId('good'), { id: dcrId('good'), name: 'good', location: 'westeurope', ...good });
    arm.dcrs.set(dcrId('ama-style'), { id: dcrId('ama-style'), name: 'ama-style', location: 'westeurope', ...invalid });

    const root = mkdtempSync(path.join(world.dir, 'root-'));
    const port = await freePort();
    writeConfig(root, [], { dcrSource: 'arm' });
    const child = await startCollector(root, {
      NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
      OPEN_AMA_IMDS_URL: world.imds.base,
      OPEN_AMA_ARM_URL: arm.url,
      OPEN_AMA_SYSLOG_PORT: String(port),
      OPEN_AMA_DCR_REFRESH_MS: '300',
    });
    const log = (): string => {
      try {
        return readFileSync(path.join(root, 'log', 'collector.log'), 'utf8');
      } catch {
        return '';
      }
    };
    const seqs = (): number[] =>
      ingestion.records('Custom-OpenAma-Syslog').map((r) => Number(/seq=(\d+)/.exec(String(r.SyslogMessage))![1]));
    try {
      await waitFor(() => listening(port), 20_000, 'the syslog listener of the DCR read from ARM');
      await sendSyslog(port, 0, 200);
      await waitFor(() => seqs().length >= 200, 20_000, 'records of the valid DCR');
      expect(ingestion.accepted.every((a) => a.dcr === GOOD)).toBe(true);
      await waitFor(
        () => /DCR dcr-b+ rejected/.test(log()) && /rejected: ARM returned 404/.test(log()),
        10_000,
        'rejections logged',
      );
      expect(log()).toMatch(new RegExp(`DCR ${INVALID} rejected: .*companion stream Custom-OpenAma-Syslog`));
      expect(log()).toContain(
        `DCR ${dcrId('deleted')} rejected: ARM returned 404 for ${dcrId('deleted')}: the DCR does not exist`,
      );
      expect(world.imds.tokenRequests.some((t) => t.resource === `${arm.url}/`)).toBe(true);

      // ARM becomes unreachable: the collector says so and keeps running the DCRs it has.
      const before = arm.requests.length;
      await arm.stop();
      await waitFor(
        () => /could not read DCRs from arm: .*ECONNREFUSED.*keeping the 3 DCR\(s\) read before/.test(log()),
        20_000,
        'the unreachable ARM logged',
      );
      expect(arm.requests.length).toBe(before);
      await sendSyslog(port, 200, 200);
      await waitFor(() => seqs().length >= 400, 20_000, 'records after ARM went away');
      expect(seqs().sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    } finally {
      await child.stop();
      await arm.stop();
      await ingestion.stop();
    }
  }, 90_000);

  test('with dcrSource "control-plane" (observed protocol) the DCRs of agentConfigurations run', async () => {
    const ingestion = new FakeIngestionServer(world.ca);
    await ingestion.start();
    const cp = new FakeControlPlaneServer(world.ca, MACHINE);
    await cp.start();
    cp.configurations = [
      { configurationId: 'cfg-good', content: { dataCollectionRule: syslogToLaDcr(GOOD, ingestion.url) } },
      {
        configurationId: 'me',
        content: { channels: [{ protocol: 'me', endpoint: 'https://westeurope.monitoring.azure.com' }] },
      },
    ];
    const root = mkdtempSync(path.join(world.dir, 'root-'));
    const port = await freePort();
    writeConfig(root, [], { dcrSource: 'control-plane' });
    const child = await startCollector(root, {
      NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
      OPEN_AMA_IMDS_URL: world.imds.base,
      OPEN_AMA_CONTROL_PLANE_URL: cp.url,
      OPEN_AMA_SYSLOG_PORT: String(port),
    });
    try {
      await waitFor(() => listening(port), 20_000, 'the syslog listener of the DCR from the control plane');
      await sendSyslog(port, 0, 50);
      await waitFor(() => ingestion.records('Custom-OpenAma-Syslog').length >= 50, 20_000, 'records');
      expect(ingestion.accepted.every((a) => a.dcr === GOOD)).toBe(true);
      expect(cp.requests[0]).toMatchObject({
        path: `${MACHINE}/agentConfigurations`,
        metadata: 'true',
        authorization: 'Bearer test-ingestion-token',
      });
      expect(world.imds.tokenRequests.some((t) => t.resource === 'https://monitor.azure.com/')).toBe(true);
    } finally {
      await child.stop();
      await cp.stop();
      await ingestion.stop();
    }
  }, 60_000);
});
