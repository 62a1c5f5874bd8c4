// Durable peer: syslog-ng doing the same job as the collector on the same corpus — TCP in, syslog parse,
// a reliable disk buffer (every message on disk before it is acknowledged downstream), JSON per record,
// batches POSTed as one JSON array over HTTPS (TLS verified against the bench CA, bearer token) to the
// same loopback Logs Ingestion fake; no gzip (its http() destination has none in 3.38). Found like the
// tests find it (findSyslogNg: on PATH, or unpacked at $OPEN_AMA_TEST_SYSLOG_NG_ROOT, which needs the
// syslog-ng-mod-http package unpacked there too for http()); absent → the caller notes it and goes on.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import type { TestCa } from '../test/fakes/test-ca.js';
import { FakeIngestionServer } from '../test/fakes/ingestion-server.js';
import { findSyslogNg } from '../test/integration/collector/sources/syslog/helpers.js';
import { freePort, waitFor } from '../test/support/net.js';
import { seqOf, type SyslogCorpus } from './corpus.js';
import { connect, send, waitFine } from './collector-load.js';
import { cpuSeconds, MemorySampler } from './proc-stats.js';

export interface PeerResult {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  peakPssMB: number;
}

/** syslog-ng's wrapper path, or a sentence saying why there is none. */
export async function locateSyslogNg(dir: string): Promise<{ bin?: string; absent?: string }> {
  const bin = await findSyslogNg(dir);
  if (!bin) {
    return {
      absent:
        'syslog-ng not found: not on PATH and $OPEN_AMA_TEST_SYSLOG_NG_ROOT unset or without usr/sbin/syslog-ng (unpack syslog-ng-core and syslog-ng-mod-http there, as .ci/run does)',
    };
  }
  const root = process.env.OPEN_AMA_TEST_SYSLOG_NG_ROOT;
  if (bin !== 'syslog-ng' && root && !existsSync(path.join(root, 'usr/lib/syslog-ng/3.38/libhttp.so'))) {
    return {
      absent: `syslog-ng at ${root} has no http() module: unpack the syslog-ng-mod-http package there (apt-get download syslog-ng-mod-http && dpkg -x syslog-ng-mod-http_*.deb "${root}")`,
    };
  }
  return { bin };
}

function config(wd: string, inPort: number, url: string, caFile: string): string {
  // The Syslog stream's columns, one JSON object per message, as the collector sends them (minus gzip).
  const json =
    '$(format-json --scope none TimeGenerated=$R_ISODATE Computer=$HOST HostName=$HOST Facility=$FACILITY SeverityLevel=$LEVEL ProcessName=$PROGRAM ProcessID=int($PID) SyslogMessage=$MSG EventTime=$S_ISODATE)';
  return [
    '@version: 3.38',
    // on-error: a message without a PID gets "ProcessID":"" instead of losing its whole JSON body.
    'options { keep-hostname(yes); use-dns(no); dns-cache(no); chain-hostnames(no); stats-freq(0); log-fifo-size(10000); on-error(fallback-to-string); };',
    // LF-framed lines; RFC 5424 ones ("<pri>1 ") parsed as such, the rest (RFC 3164, CEF) as RFC 3164.
    `source s_in { network(ip("127.0.0.1") port(${inPort}) transport("tcp") flags(no-parse) log-iw-size(10000) max-connections(10)); };`,
    'destination d_ingest {',
    '  http(',
    `    url("${url}")`,
    '    method("POST")',
    '    headers("Content-Type: application/json", "Authorization: Bearer test-ingestion-token")',
    '    body-prefix("[") delimiter(",") body-suffix("]")',
    `    body('${json}')`,
    '    batch-lines(2000) batch-bytes(900000) batch-timeout(500)',
    '    workers(1)',
    `    tls(ca-file("${caFile}") peer-verify(yes))`,
    `    disk-buffer(reliable(yes) dir("${wd}/buffer") disk-buf-size(1073741824) mem-buf-size(16777216))`,
    '  );',
    '};',
    'log {',
    '  source(s_in);',
    "  if { filter { message('^<[0-9]{1,3}>1 ' type(pcre)); }; parser { syslog-parser(flags(syslog-protocol)); }; }",
    '  else { parser { syslog-parser(); }; };',
    '  destination(d_ingest);',
    '  flags(flow-control);',
    '};',
    '',
  ].join('\n');
}

export async function runSyslogNgPeer(
  bin: string,
  dir: string,
  ca: TestCa,
  corpus: SyslogCorpus,
  count: number,
  rate?: number,
): Promise<PeerResult> {
  const seen = new Uint8Array(count);
  let accepted = 0;
  const ingestion = new FakeIngestionServer(ca, {
    retainRecords: false,
    onAccepted: (req) => {
      for (const r of req.records) {
        const seq = seqOf(String(r.SyslogMessage ?? ''));
        if (seq < 0 || seq >= count || seen[seq]) continue;
        seen[seq] = 1;
        accepted++;
      }
    },
  });
  await ingestion.start();
  const wd = mkdtempSync(path.join(dir, 'slng-'));
  mkdirSync(path.join(wd, 'buffer'));
  const inPort = await freePort();
  const url = `${ingestion.url}/dataCollectionRules/dcr-syslogng/streams/Microsoft-Syslog?api-version=2023-01-01`;
  const conf = path.join(wd, 'syslog-ng.conf');
  writeFileSync(conf, config(wd, inPort, url, ca.caCertPath));
  const args = [
    '-F',
    '-f',
    conf,
    '-p',
    path.join(wd, 'pid'),
    '-R',
    path.join(wd, 'persist'),
    '-c',
    path.join(wd, 'ctl'),
  ];
  const daemon = execa(bin, args, {
    reject: false,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  });
  try {
    await waitFor(
      async () =>
        daemon.exitCode === null &&
        (await connect(inPort)
          .then((s) => (s.destroy(), true))
          .catch(() => false)),
      15_000,
      'syslog-ng listening',
    ).catch(async (err: Error) => {
      const r = daemon.exitCode === null ? undefined : await daemon;
      throw new Error(
        `${err.message}${r ? `: syslog-ng exited ${r.exitCode}: ${String(r.stderr).slice(0, 300)}` : ''}`,
      );
    });
    const pid = daemon.pid!;
    const cpu0 = cpuSeconds(pid);
    const mem = new MemorySampler([pid]);
    const t0 = performance.now();
    await send(inPort, corpus, count, rate);
    await waitFine(
      () => {
        const bad = ingestion.rejected[0];
        if (bad) throw new Error(`the ingestion fake rejected a syslog-ng request: ${bad.status} ${bad.reason}`);
        return accepted >= count;
      },
      120_000,
      () =>
        `syslog-ng delivered all (${accepted}/${count}; ${ingestion.rejected.length} rejected requests${ingestion.rejected[0] ? `, first: ${ingestion.rejected[0].status} ${ingestion.rejected[0].reason}` : ''})`,
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    mem.stop();
    return { wallSeconds, cpuSeconds: cpuSeconds(pid) - cpu0, peakRssMB: mem.peakRssSum, peakPssMB: mem.peakPssSum };
  } finally {
    daemon.kill('SIGTERM');
    await daemon;
    await ingestion.stop();
  }
}
