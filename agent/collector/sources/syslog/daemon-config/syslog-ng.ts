// syslog-ng configuration (docs/syslog.md's azuremonitoragent-tcp.conf, with a filter): a filter for the
// union of the DCRs' selections, a network() destination to our TCP listener (RFC 3164 format, like
// AMA), flow control. The source name is the distro's (s_src on Debian, s_sys on Red Hat), read from
// the main configuration.
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { syslogNgFilterExpression, type SelectionUnion } from './selectors.js';
import { exists, runTool, type ToolResult } from './tools.js';

export const SYSLOG_NG_MAIN_CONFIG = '/etc/syslog-ng/syslog-ng.conf';
const PREFERRED_SOURCES = ['s_src', 's_sys', 's_local', 's_system'];

export function renderSyslogNgConfig(u: SelectionUnion, port: number, sourceName: string): string {
  return [
    '# Written by open-ama from its data collection rules (facility × level sets); removed on disable/uninstall. Do not edit.',
    `filter f_open_ama { ${syslogNgFilterExpression(u)}; };`,
    `destination d_open_ama { network("127.0.0.1" port(${port}) transport("tcp") log-fifo-size(25000)); };`,
    `log { source(${sourceName}); filter(f_open_ama); destination(d_open_ama); flags(flow-control); };`,
    '',
  ].join('\n');
}

/** The local-messages source declared in the main configuration, e.g. s_src; undefined when none. */
export function detectSyslogNgSource(mainConfig: string): string | undefined {
  const text = mainConfig.replace(/#[^\n]*/g, '');
  const sources: { name: string; local: boolean }[] = [];
  const re = /\bsource\s+([A-Za-z0-9_-]+)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = text.slice(m.index, text.indexOf('};', m.index) + 2);
    sources.push({
      name: m[1]!,
      local: /\b(system|systemd-journal)\s*\(|unix-(dgram|stream)\s*\(\s*"\/dev\/log"/.test(body),
    });
  }
  const local = sources.filter((s) => s.local);
  const pick = (list: { name: string }[]): string | undefined =>
    PREFERRED_SOURCES.find((p) => list.some((s) => s.name === p)) ?? list[0]?.name;
  return pick(local) ?? pick(sources.filter((s) => PREFERRED_SOURCES.includes(s.name)));
}

/** True when the main configuration includes conf.d (otherwise our file would be ignored). */
export function includesConfD(mainConfig: string, confDir: string): boolean {
  return new RegExp(`^\\s*@include\\s+"(${escape(confDir)}|conf\\.d)/?[^"]*"`, 'm').test(mainConfig);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `syslog-ng --syntax-only` on the main configuration (or, redirected without one, a minimal one including the file). */
export async function validateSyslogNg(o: {
  syslogNg: string;
  dropInFile: string;
  mainConfig: string;
  redirected: boolean;
  sourceName: string;
}): Promise<ToolResult> {
  if (!o.redirected || (await exists(o.mainConfig))) return runTool(o.syslogNg, ['--syntax-only', '-f', o.mainConfig]);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'open-ama-syslog-ng-'));
  try {
    const main = path.join(tmp, 'syslog-ng.conf');
    await fs.writeFile(main, `@version: 3.38\nsource ${o.sourceName} { internal(); };\n@include "${o.dropInFile}"\n`);
    return await runTool(o.syslogNg, ['--syntax-only', '-f', main]);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
