// The real collector process: syslog → two DCRs → two workspaces (multi-homing) through the loopback
// Logs Ingestion fake (TLS, bearer token from the IMDS fake): every record exactly once, gzip'd, each
// request ≤ 1 MB; an ingestion outage loses nothing; a tiny disk quota drops and counts.
import { describe, expect, test } from '@jest/globals';

import { mkdtempSync } from 'node:fs';

import * as net from 'node:net';
import * as path from 'node:path';

import { FakeIngestionServer } from '../../../fakes/ingestion-server.js';

import { startCollector, syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';
import { freePort, waitFor } from '../../../support/net.js';
import { useCollectorWorld } from '../../../support/collector-world.js';

const world = useCollectorWorld('oa-e2e-');

async function sendSyslog(port: number, from: number, count: number, pad = 0): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  const filler = 'x'.repeat(pad);
  for (let i = from; i < from + count; i++) sock.write(`<134>Nov 25 10:00:00 host app[42]: seq=${i} ${filler}\n`);
  await new Promise<void>((r) => sock.end(() => r()));
}

const seqs = (server: FakeIngestionServer): number[] =>
  server.records('Custom-OpenAma-Syslog').map((r) => Number(/seq=(\d+)/.exec(String(r.SyslogMessage))![1]));

describe('collector end to end', () => {
  test('two DCRs to two workspaces: every record exactly once per workspace, gzip, ≤ 1 MB; outage loses nothing', async () => {
    const a = new FakeIngestionServer(world.ca);
    const b = new FakeIngestionServer(world.ca);
    await a.start();
    await b.start();
    const root = mkdtempSync(path.join(world.dir, 'root-'));
    const port = await freePort();
    writeConfig(root, [
      syslogToLaDcr('dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', a.url),
      syslogToLaDcr('dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', b.url),
    ]);
    const child = await startCollector(root, {
      NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
      OPEN_AMA_IMDS_URL: world.imds.base,
      OPEN_AMA_SYSLOG_PORT: String(port),
    });
    try {
      await waitFor(
        () =>
          new Promise((r) =>
            net
              .connect(port, '127.0.0.1')
              .once('connect', function (this: net.Socket) {
                this.destroy();
                r(true);
              })
              .once('error', () => r(false)),
          ),
        15_000,
        'syslog listener',
      );
      await sendSyslog(port, 0, 5000, 200);
      await waitFor(() => seqs(a).length >= 5000 && seqs(b).length >= 5000, 30_000, 'all records at both workspaces');
      // Outage of workspace B while more arrives; then it comes back on the same port.
      const portB = new URL(b.url).port;
      await b.stop();
      await sendSyslog(port, 5000, 2000, 200);
      await new Promise((r) => setTimeout(r, 3000));
      await b.start(Number(portB));
      await waitFor(() => seqs(a).length >= 7000 && seqs(b).length >= 7000, 60_000, 'records after the outage');
      for (const s of [a, b]) {
        const got = seqs(s).sort((x, y) => x - y);
        expect(new Set(got).size).toBe(7000); // nothing lost
        expect(got.length).toBe(7000); // nothing duplicated
        for (const req of s.accepted) {
          expect(req.uncompressedBytes).toBeLessThanOrEqual(1_000_000);
          expect(req.compressedBytes).toBeLessThan(req.uncompressedBytes); // gzip'd
          expect(req.authorization).toBe('Bearer test-ingestion-token');
        }
        expect(Object.keys(s.records('Custom-OpenAma-Syslog')[0]!).sort()).toEqual([
          'CollectorHostName',
          'Computer',
          'EventTime',
          'Facility',
          'HostIP',
          'HostName',
          'ProcessID',
          'ProcessName',
          'SeverityLevel',
          'SyslogMessage',
          'TimeGenerated',
        ]);
      }
      expect(a.accepted.map((r) => r.dcr)).toContain('dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
      expect(b.accepted.every((r) => r.dcr === 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')).toBe(true);
    } finally {
      await child.stop();
      await a.stop();
      await b.stop();
    }
  }, 120_000);

  test('a full disk quota drops the overflow and counts it (self-metrics), never crashing', async () => {
    const down = new FakeIngestionServer(world.ca);
    await down.start();
    const url = down.url;
    await down.stop(); // ingestion unreachable: everything queues
    const root = mkdtempSync(path.join(world.dir, 'quota-'));
    const port = await freePort();
    const metricsPort = await freePort();
    writeConfig(root, [syslogToLaDcr('dcr-cccccccccccccccccccccccccccccccc', url)], {
      diskQuotaMB: 1,
      selfMetrics: { port: metricsPort },
    });
    const child = await startCollector(root, {
      NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
      OPEN_AMA_IMDS_URL: world.imds.base,
      OPEN_AMA_SYSLOG_PORT: String(port),
    });
    try {
      await waitFor(
        async () =>
          await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
            .then((r) => r.ok)
            .catch(() => false),
        15_000,
        'self-metrics endpoint',
      );
      await sendSyslog(port, 0, 6000, 400); // ~3 MB for a 1 MB quota
      await waitFor(
        async () =>
          /open_ama_dropped_records_total\{reason="quota"[^}]*\} [1-9]/.test(
            await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
          ),
        20_000,
        'quota drops counted',
      );
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const dropped = Number(/open_ama_dropped_records_total\{reason="quota"[^}]*\} (\d+)/.exec(text)![1]);
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBeLessThan(6000);
      expect(child.alive).toBe(true); // still running
    } finally {
      await child.stop();
    }
  }, 60_000);

  test('kill -9 mid-upload: after restart nothing queued is lost and duplicates stay within one batch', async () => {
    const a = new FakeIngestionServer(world.ca);
    await a.start();
    a.delayMs = 1500; // uploads are in flight when the kill lands
    const root = mkdtempSync(path.join(world.dir, 'kill-'));
    const port = await freePort();
    writeConfig(root, [syslogToLaDcr('dcr-dddddddddddddddddddddddddddddddd', a.url)]);
    const env = {
      NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
      OPEN_AMA_IMDS_URL: world.imds.base,
      OPEN_AMA_SYSLOG_PORT: String(port),
    };
    let child = await startCollector(root, env);
    try {
      await waitFor(
        () =>
          new Promise((r) =>
            net
              .connect(port, '127.0.0.1')
              .once('connect', function (this: net.Socket) {
                this.destroy();
                r(true);
              })
              .once('error', () => r(false)),
          ),
        15_000,
        'syslog listener',
      );
      await sendSyslog(port, 0, 8000, 300);
      // Every record in the durable queue (the kill must not land on records still in the socket buffer,
      // which a real sender would resend), then the first upload in flight (the fake answers after 1.5 s).
      await waitFor(async () => (await child.health()).recordsIn >= 8000, 30_000, 'all records queued');
      await new Promise((r) => setTimeout(r, 500));
      await child.kill9();
      a.delayMs = 0;
      child = await startCollector(root, env);
      await waitFor(() => new Set(seqs(a)).size >= 8000, 60_000, 'all records after restart');
      const got = seqs(a);
      const duplicates = got.length - new Set(got).size;
      const largestBatch = Math.max(...a.accepted.map((r) => r.records.length));
      expect(new Set(got).size).toBe(8000);
      expect(duplicates).toBeLessThanOrEqual(largestBatch);
      process.stdout.write(
        `kill -9 mid-upload: 8000 records, ${duplicates} duplicate(s), largest batch ${largestBatch}\n`,
      );
    } finally {
      await child.stop();
      await a.stop();
    }
  }, 120_000);
});
