// Acceptance end to end (issue 12): a DCR as the Azure portal creates it for Linux machines (Syslog, CEF
// through syslog, Perf; no companion streams; its DCE named by dataCollectionEndpointId), with a user
// transform on the Syslog flow, is served by the loopback fake ARM together with its DCE and the machine's
// association. The real CLI (bin/open-ama, a child process) runs `dcr fix --apply` against the fake ARM;
// then the REAL collector (dcrSource "arm", managed identity from the IMDS fake) reads the fixed DCR from
// the same fake ARM, resolves the DCE by id and uploads to the DCE's logs ingestion endpoint (the ingestion
// fake): Syslog rows from RFC 3164 and RFC 5424 lines, CommonSecurityLog rows with DeviceCustomString1 from
// a CEF line, Perf rows and the heartbeat the fix added, each on the companion stream the fixed DCR
// declares. The agent runs the prefix of the Syslog transform (the debug line never leaves the machine)
// and leaves the rest, which the fixed companion flow carries, to the service (the fake does not run
// transforms: the rows arrive unsplit).
import { describe, expect, test } from '@jest/globals';
import * as net from 'node:net';
import * as path from 'node:path';
import { FakeArmServer } from '../../fakes/arm-server.js';
import { REPO, startCollector, writeConfig } from '../../support/collector-process.js';
import { useCollectorWorld } from '../../support/collector-world.js';
import { runDcrFixApply } from '../../support/fake-arm-cli.js';
import { freePort, waitFor } from '../../support/net.js';
import { portalLinuxDcr } from '../../support/portal-dcr.js';

const SUB = '00000000-0000-0000-0000-0000000e2e12';
const MACHINE = `/subscriptions/${SUB}/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/vm1`;
const RG = 'rg-monitor';
const WS = `/subscriptions/${SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/ws-main`;
const insights = (kind: string, name: string): string =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Insights/${kind}/${name}`;
const DCE = insights('dataCollectionEndpoints', 'dce-weu');
const DCR = insights('dataCollectionRules', 'portal-linux');
const CLI = path.join(REPO, 'bin', 'open-ama');

// The user's Syslog transform: the agent runs the where; split() is outside its subset, so the rest is the
// service's and `dcr fix` puts it on the companion flow.
const SYSLOG_PREFIX = 'source | where SeverityLevel != "debug"';
const SYSLOG_REST = 'source | extend SyslogMessage = tostring(split(SyslogMessage, "#")[0])';

const world = useCollectorWorld('oa-portal-e2e-', { imds: { mode: 'imds', resourceId: MACHINE } });

async function sendLines(port: number, lines: string[]): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  for (const l of lines) sock.write(`${l}\n`);
  await new Promise<void>((resolve) => sock.end(() => resolve()));
}

type Flow = { streams: string[]; destinations: string[]; transformKql?: string; outputStream?: string };

describe('portal DCR → dcr fix --apply → real collector', () => {
  test('delivers Syslog, CEF with DeviceCustomString1 and Perf on the companion streams at the DCE endpoint', async () => {
    const ingestion = await world.ingestion();
    const arm = new FakeArmServer(world.ca, SUB, [{ name: 'vm1', resourceGroup: 'rg-vms', kind: 'vm' }]);
    // The CLI's token (OPEN_AMA_ARM_TOKEN) and the machine identity's (IMDS fake).
    arm.acceptedTokens = ['fake-arm-token', 'test-ingestion-token'];
    arm.knownWorkspaces = [WS];
    arm.workspaceTables = []; // a DCR writing to a custom table that does not exist is refused
    arm.dceLogsIngestion = ingestion.url;
    await arm.start();
    try {
      await arm.seed(DCE, { location: 'westeurope', properties: { networkAcls: { publicNetworkAccess: 'Enabled' } } });
      const portal = portalLinuxDcr({ workspace: WS, dceId: DCE });
      const flows = (portal.properties as { dataFlows: Flow[] }).dataFlows;
      flows.find((f) => f.streams[0] === 'Microsoft-Syslog')!.transformKql =
        `${SYSLOG_PREFIX} ${SYSLOG_REST.slice('source '.length)}`;
      const created = await arm.seed(DCR, portal);
      const immutableId = (created.properties as { immutableId: string }).immutableId;
      await arm.seed(`${MACHINE}/providers/Microsoft.Insights/dataCollectionRuleAssociations/portal-assoc`, {
        properties: { dataCollectionRuleId: DCR },
      });

      // The real CLI fixes the DCR in (fake) Azure.
      const fix = await runDcrFixApply({
        command: [CLI],
        subscription: SUB,
        resourceGroup: RG,
        name: 'portal-linux',
        armUrl: arm.url,
        caCertPath: world.ca.caCertPath,
      });
      expect(fix.stderr).toBe('');
      expect(fix.exitCode).toBe(0);
      expect(fix.stdout).toContain('created table OpenAmaPerf_CL');
      expect(fix.stdout).toContain('created table OpenAmaHeartbeat_CL');
      expect(fix.stdout).toMatch(/updated DCR portal-linux/);
      const fixed = arm.monitorResources.get(DCR.toLowerCase()) as {
        properties: { streamDeclarations: Record<string, unknown>; dataFlows: Flow[]; immutableId: string };
      };
      expect(fixed.properties.immutableId).toBe(immutableId);
      const companionFlow = (s: string): Flow | undefined =>
        fixed.properties.dataFlows.find((f) => f.streams.length === 1 && f.streams[0] === s);
      expect(companionFlow('Custom-OpenAma-Syslog')).toMatchObject({
        transformKql: SYSLOG_REST,
        outputStream: 'Microsoft-Syslog',
      });
      expect(companionFlow('Custom-OpenAma-CommonSecurityLog')).toMatchObject({
        outputStream: 'Microsoft-CommonSecurityLog',
      });
      expect(companionFlow('Custom-OpenAma-Perf')).toMatchObject({ outputStream: 'Custom-OpenAmaPerf_CL' });

      // The real collector reads its DCRs from the fake ARM with the machine identity, as in production.
      const root = world.newRoot('root');
      const port = await freePort();
      writeConfig(root, [], { dcrSource: 'arm' });
      const child = await startCollector(root, { ...world.env(port), OPEN_AMA_ARM_URL: arm.url }, port);
      try {
        await sendLines(port, [
          '<14>Dec  2 10:00:00 web01 app[42]: rfc3164 hello#tail', // user.info
          '<38>1 2026-12-02T10:00:01.000Z web01 sshd 77 - - rfc5424 accepted#tail', // auth.info
          '<15>Dec  2 10:00:02 web01 app[42]: rfc3164 debug line', // user.debug: the agent's where drops it
          '<166>Dec  2 10:00:03 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|3|src=10.0.0.1 dst=10.0.0.2 cs1=allow-web cs1Label=Rule', // local4.info
        ]);
        const syslog = (): Record<string, unknown>[] => ingestion.records('Custom-OpenAma-Syslog');
        const cef = (): Record<string, unknown>[] => ingestion.records('Custom-OpenAma-CommonSecurityLog');
        const perf = (): Record<string, unknown>[] => ingestion.records('Custom-OpenAma-Perf');
        const heartbeat = (): Record<string, unknown>[] => ingestion.records('Custom-OpenAmaHeartbeat');
        await waitFor(
          () => syslog().length >= 2 && cef().length >= 1 && perf().length >= 1 && heartbeat().length >= 1,
          60_000,
          'Syslog, CommonSecurityLog and Perf rows at the DCE ingestion endpoint',
        );
        // Every upload went to the fixed DCR at the DCE's endpoint (the DCR has no endpoint of its own).
        expect(new Set(ingestion.accepted.map((a) => a.dcr))).toEqual(new Set([immutableId]));
        const declared = Object.keys(fixed.properties.streamDeclarations);
        for (const a of ingestion.accepted) expect(declared).toContain(a.stream);

        const messages = syslog().map((r) => String(r.SyslogMessage));
        expect(messages).toEqual(
          expect.arrayContaining([
            expect.stringContaining('rfc3164 hello#tail'),
            expect.stringContaining('rfc5424 accepted#tail'),
          ]),
        );
        expect(messages.some((m) => m.includes('debug line'))).toBe(false);
        expect(syslog().find((r) => String(r.SyslogMessage).includes('rfc5424'))).toMatchObject({
          Facility: 'auth',
          HostName: 'web01',
          ProcessName: 'sshd',
        });
        expect(cef()[0]).toMatchObject({
          DeviceVendor: 'Palo Alto Networks',
          DeviceProduct: 'PAN-OS',
          SourceIP: '10.0.0.1',
          DestinationIP: '10.0.0.2',
          DeviceCustomString1: 'allow-web',
          DeviceCustomString1Label: 'Rule',
        });
        expect(perf()[0]).toMatchObject({ ObjectName: expect.any(String), CounterName: expect.any(String) });
        expect(typeof perf()[0]!.CounterValue).toBe('number');
        // The heartbeat flow the fix added runs too.
        expect(heartbeat()[0]).toMatchObject({ Category: 'Azure Monitor Agent' });
        // The DCE was looked up by id through ARM.
        expect(arm.monitorGets.some((p) => p.toLowerCase() === DCE.toLowerCase())).toBe(true);
      } finally {
        await child.stop();
      }
    } finally {
      await arm.stop();
    }
  }, 120_000);
});
