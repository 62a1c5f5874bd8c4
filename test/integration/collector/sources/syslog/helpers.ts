// Shared by the syslog integration tests: a SyslogSource with a collecting sink, real daemons started
// unprivileged in a temp dir (own config, pidfile, work dir), and `logger` as the message generator.
export { canConnect, freePort, waitFor } from '../../../../support/net.js';
import { canConnect, freePort, waitFor } from '../../../../support/net.js';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import {
  applySyslogDaemonConfig,
  type SyslogDaemonResult,
  type SyslogSelector,
} from '../../../../../agent/collector/sources/syslog/index.js';
import { agentPaths, type AgentPaths } from '../../../../../agent/config/index.js';
import { SyslogSource, type SyslogSourceSpec } from '../../../../../agent/collector/sources/syslog/syslog-source.js';
import { createNullLogger } from '../../../../../agent/telemetry/index.js';
import type { LogRecord, SourceContext } from '../../../../../agent/collector/pipeline/types.js';

export const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

/**
 * The selections the daemon suites (rsyslog, syslog-ng) forward with our drop-in, and the facility/severity
 * pairs they send: each pair with whether A or B selects it.
 */
export const SELECTION_A = {
  key: 'A',
  facilities: ['local4', 'auth'],
  levels: ['Emergency', 'Alert', 'Critical', 'Error', 'Warning'],
};
export const SELECTION_B = { key: 'B', facilities: ['daemon'], levels: ['Info', 'Error'] }; // a set, not a threshold
/** facility code, severity, selected? */
export const COMBOS: [number, number, boolean][] = [
  [20, 4, true],
  [20, 6, false],
  [4, 3, true],
  [4, 7, false],
  [3, 6, true],
  [3, 4, false],
  [3, 3, true],
  [1, 0, false],
];
/** Messages sent per pair. */
export const PER_COMBO = 125;

export interface LocalRsyslog {
  dir: string;
  /** The agent paths of the temp root (the drop-in lives there). */
  paths: AgentPaths;
  /** rsyslog's imtcp input, where `logger` sends. */
  inputPort: number;
  /** What applySyslogDaemonConfig answered for the drop-in. */
  applied: SyslogDaemonResult;
  /** Stops rsyslogd and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * A real rsyslogd started unprivileged in a temp root: an imtcp input on a free loopback port and OUR drop-in
 * (as applySyslogDaemonConfig writes it) forwarding `selectors` to the listener on `port`.
 */
export async function startLocalRsyslog(
  prefix: string,
  selectors: SyslogSelector[],
  port: number,
): Promise<LocalRsyslog> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const inputPort = await freePort();
  const p = agentPaths({ OPEN_AMA_ROOT: path.join(dir, 'root') });
  mkdirSync(p.rsyslogDropInDir, { recursive: true });
  mkdirSync(path.join(dir, 'work'));
  writeFileSync(
    path.join(p.root, 'etc/rsyslog.conf'),
    [
      `global(workDirectory="${path.join(dir, 'work')}")`,
      'module(load="imtcp")',
      `input(type="imtcp" port="${inputPort}" address="127.0.0.1")`,
      `include(file="${p.rsyslogDropInDir}/*.conf")`,
      '',
    ].join('\n'),
  );
  const applied = await applySyslogDaemonConfig({ selectors, port, paths: p, logger: createNullLogger() });
  const rsyslog = execa(
    'rsyslogd',
    ['-n', '-f', path.join(p.root, 'etc/rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')],
    { reject: false, stdio: 'ignore', env: { PATH: SBIN_PATH } },
  );
  await waitFor(() => canConnect(inputPort), 15_000, 'rsyslog imtcp input');
  return {
    dir,
    paths: p,
    inputPort,
    applied,
    stop: async () => {
      rsyslog.kill('SIGTERM');
      await rsyslog;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Collected {
  byStream: Map<string, LogRecord[]>;
  all(): LogRecord[];
  count(): number;
}

export function collectingContext(opts: { delayMs?: number } = {}): {
  ctx: SourceContext;
  collected: Collected;
  drops: { reason: string; count: number }[];
} {
  const byStream = new Map<string, LogRecord[]>();
  const drops: { reason: string; count: number }[] = [];
  const ctx: SourceContext = {
    logger: createNullLogger(),
    computer: 'collector',
    drops: { drop: (reason, count) => drops.push({ reason, count }) },
    checkpoints: { load: async () => undefined, save: async () => undefined },
    sink: {
      write: async (stream, records) => {
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        byStream.set(stream, [...(byStream.get(stream) ?? []), ...records]);
      },
    },
  };
  const all = (): LogRecord[] => [...byStream.values()].flat();
  return { ctx, collected: { byStream, all, count: () => all().length }, drops };
}

export async function startSource(
  spec: Omit<SyslogSourceSpec, 'id'>,
  opts: { delayMs?: number } = {},
): Promise<{ source: SyslogSource } & ReturnType<typeof collectingContext>> {
  const c = collectingContext(opts);
  const source = new SyslogSource({ id: 'syslog', ...spec }, c.ctx);
  await source.start();
  return { source, ...c };
}

/** Sends stdin lines "<PRI>text" through util-linux logger over TCP (one process for many messages). */
export async function sendWithLogger(
  port: number,
  lines: string[],
  opts: { rfc: '3164' | '5424'; tag: string; id: number },
): Promise<void> {
  const args = [
    '--tcp',
    '--server',
    '127.0.0.1',
    '--port',
    String(port),
    '--prio-prefix',
    '-t',
    opts.tag,
    `--id=${opts.id}`,
  ];
  args.push(opts.rfc === '3164' ? '--rfc3164' : '--rfc5424');
  if (opts.rfc === '5424') args.push('--octet-count');
  await execa('logger', args, { input: lines.join('\n') + '\n' });
}

/**
 * A syslog-ng command: on PATH or /usr/sbin, else an unpacked syslog-ng-core .deb named by
 * OPEN_AMA_TEST_SYSLOG_NG_ROOT (syslog-ng-core conflicts with rsyslog as a package, not as a binary).
 * Returns undefined when neither exists (the syslog-ng tests are then skipped, saying why).
 */
export async function findSyslogNg(dir: string): Promise<string | undefined> {
  if (
    (
      await execa('syslog-ng', ['--version'], { reject: false, env: { PATH: SBIN_PATH } }).catch(() => ({
        exitCode: 1,
      }))
    ).exitCode === 0
  )
    return 'syslog-ng';
  const root = process.env.OPEN_AMA_TEST_SYSLOG_NG_ROOT;
  if (!root || !existsSync(path.join(root, 'usr/sbin/syslog-ng'))) return undefined;
  const wrapper = path.join(dir, 'syslog-ng');
  const lib = path.join(root, 'usr/lib/syslog-ng');
  const mod = path.join(lib, (await execa('ls', [lib])).stdout.split('\n').find((d) => /^\d+\.\d+$/.test(d)) ?? '3.38');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nLD_LIBRARY_PATH="${lib}" exec "${root}/usr/sbin/syslog-ng" --module-path="${mod}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}
