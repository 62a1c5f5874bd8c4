// Issue 13, through the real collector: a DCR whose Syslog flow runs `trim(@"[^\w]+", SyslogMessage)` —
// the pattern from KQL's own docs — receives lines built to make a backtracking engine run for minutes
// (`a` + 40 × `!` + `a`, and a 60,000-character variant) among normal lines. Every record keeps being
// delivered (the hostile ones too: RE2 handles them in one linear pass), the self-metrics endpoint
// answers meanwhile, and SIGTERM ends the collector. Before the fix the first hostile line froze it.
import { beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import type { FakeIngestionServer } from '../../../fakes/ingestion-server.js';
import { useCollectorWorld } from '../../../support/collector-world.js';
import { startCollector, syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';
import { canConnect, freePort, sendSyslog as send, waitFor } from '../../../support/net.js';

const world = useCollectorWorld('oa-transform-');
let ingestion: FakeIngestionServer;

beforeAll(async () => {
  ingestion = await world.ingestion();
});

test('hostile lines for trim(@"[^\\w]+", …) neither stall nor stop delivery', async () => {
  const dcr = syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', ingestion.url) as {
    properties: { dataFlows: { streams: string[]; transformKql?: string }[] };
  };
  dcr.properties.dataFlows[0]!.transformKql =
    'source | extend SyslogMessage = trim(@"[^\\w]+", SyslogMessage) | where SyslogMessage != "drop"';
  const root = mkdtempSync(path.join(world.dir, 'root-'));
  const port = await freePort();
  const metricsPort = await freePort();
  writeConfig(root, [dcr], { selfMetrics: { port: metricsPort } });
  const child = await startCollector(root, {
    NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
    OPEN_AMA_IMDS_URL: world.imds.base,
    OPEN_AMA_SYSLOG_PORT: String(port),
  });
  const metrics = async (): Promise<string> =>
    (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  try {
    await waitFor(() => canConnect(port), 15_000, 'syslog listener');
    const short = `a${'!'.repeat(40)}a`;
    const long = `a${'!'.repeat(60_000)}a`;
    await send(port, ['seq=0 ...', short, 'seq=1', '--drop--', long, 'seq=2 !!', short, 'seq=3']);
    const messages = (): string[] => ingestion.records('Custom-OpenAma-Syslog').map((r) => String(r.SyslogMessage));
    await waitFor(() => messages().length >= 7, 60_000, 'every record delivered');
    expect(messages().sort()).toEqual([short, short, long, 'seq=0', 'seq=1', 'seq=2', 'seq=3'].sort());
    // Still responsive: more lines go through, and the metrics endpoint answers.
    await send(port, [short, 'seq=4']);
    await waitFor(() => messages().includes('seq=4'), 30_000, 'a later record');
    expect(await metrics()).toMatch(/^open_ama_records_filtered_total\{[^}]*\} 1$/m);
  } finally {
    process.kill(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      child.exited,
      new Promise((r) => (timer = setTimeout(() => r('still running'), 20_000))),
    ]);
    clearTimeout(timer);
    if (exit === 'still running') {
      await child.kill9();
    }
    expect(exit).not.toBe('still running');
  }
}, 180_000);
