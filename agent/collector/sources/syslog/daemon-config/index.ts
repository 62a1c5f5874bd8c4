// Syslog daemon integration (docs/architecture.md, docs/syslog.md). applySyslogDaemonConfig writes the drop-in
// for the daemon that runs here (rsyslog: /etc/rsyslog.d/10-open-ama.conf; syslog-ng:
// /etc/syslog-ng/conf.d/open-ama.conf) forwarding exactly the union of the DCRs' facility × level sets
// to our listener, validates the daemon's whole configuration, puts the previous file back if the
// daemon rejects it (an existing syslog setup is never broken) and reloads the daemon. Under a
// redirected root (tests, harness) files go under the root and no system daemon is touched.
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { isRedirectedRoot, type AgentPaths } from '../../../../config/paths.js';
import { writeFileAtomic } from '../../../../config/atomic-file.js';
import type { Logger } from '../../../../telemetry/logger.js';
import { daemonBinary, detectSyslogDaemon, reloadSyslogDaemon, type SyslogDaemon } from './detect.js';
import { renderRsyslogConfig, RSYSLOG_MAIN_CONFIG, validateRsyslog } from './rsyslog.js';
import { isEmptyUnion, unionOf, type SyslogSelector } from './selectors.js';
import {
  detectSyslogNgSource,
  includesConfD,
  renderSyslogNgConfig,
  SYSLOG_NG_MAIN_CONFIG,
  validateSyslogNg,
} from './syslog-ng.js';
import { firstErrors, hupPidFile, type SyslogDaemonTools } from './tools.js';

export type { SyslogDaemon } from './detect.js';
export type { SyslogSelector } from './selectors.js';
export type { SyslogDaemonTools } from './tools.js';
export { detectSyslogDaemon, reloadSyslogDaemon } from './detect.js';
export { renderRsyslogConfig } from './rsyslog.js';
export { renderSyslogNgConfig, detectSyslogNgSource } from './syslog-ng.js';
export { unionOf, rsyslogSelector, syslogNgFilterExpression } from './selectors.js';

export interface ApplySyslogDaemonOptions {
  /** One per DCR syslog data source; the daemon forwards their union. */
  selectors: SyslogSelector[];
  /** Our listener's TCP port on 127.0.0.1. */
  port: number;
  paths: AgentPaths;
  logger: Logger;
  /** Skip detection. */
  daemon?: SyslogDaemon;
  tools?: SyslogDaemonTools;
}

export interface SyslogDaemonResult {
  daemon: SyslogDaemon | 'none';
  /** True when a file was written or removed (and the daemon reloaded). */
  changed: boolean;
  file?: string;
  /** For the status: what did not happen and what the operator can do. */
  warning?: string;
}

interface Target {
  daemon: SyslogDaemon;
  file: string;
  mainConfig: string;
}

function target(daemon: SyslogDaemon, paths: AgentPaths): Target {
  return daemon === 'rsyslog'
    ? { daemon, file: paths.rsyslogDropInFile, mainConfig: path.join(paths.root, RSYSLOG_MAIN_CONFIG) }
    : { daemon, file: paths.syslogNgDropInFile, mainConfig: path.join(paths.root, SYSLOG_NG_MAIN_CONFIG) };
}

export async function applySyslogDaemonConfig(o: ApplySyslogDaemonOptions): Promise<SyslogDaemonResult> {
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    return {
      daemon: 'none',
      changed: false,
      warning: `syslog forwarding not configured: port ${o.port} is not 1–65535`,
    };
  }
  const union = unionOf(o.selectors);
  if (isEmptyUnion(union)) return removeSyslogDaemonConfig(o);
  const daemon = o.daemon ?? (await detectSyslogDaemon(o.paths, o.tools));
  if (!daemon) {
    const warning = `no syslog daemon (rsyslog or syslog-ng) found: configure yours to forward to TCP 127.0.0.1:${o.port}`;
    o.logger.warn(warning);
    return { daemon: 'none', changed: false, warning };
  }
  const t = target(daemon, o.paths);
  let text: string;
  let sourceName = 's_src';
  let notice: string | undefined;
  if (daemon === 'rsyslog') {
    text = renderRsyslogConfig(union, o.port);
  } else {
    const main = await fs.readFile(t.mainConfig, 'utf8').catch(() => undefined);
    if (main !== undefined) {
      const detected = detectSyslogNgSource(main);
      if (!detected) {
        const warning = `syslog-ng: no local source (system() or /dev/log) found in ${t.mainConfig}; forward to TCP 127.0.0.1:${o.port} yourself`;
        o.logger.warn(warning);
        return { daemon, changed: false, warning };
      }
      sourceName = detected;
      if (!includesConfD(main, path.dirname(t.file)))
        notice = `syslog-ng: ${t.mainConfig} does not @include ${path.dirname(t.file)}; ${t.file} is not used`;
    }
    text = renderSyslogNgConfig(union, o.port, sourceName);
  }

  const installed = await installSyslogDaemonFile({
    daemon,
    text,
    paths: o.paths,
    logger: o.logger,
    sourceName,
    tools: o.tools,
  });
  if (!installed.changed || installed.warning)
    return { ...installed, ...(notice && !installed.warning ? { warning: notice } : {}) };
  const reloadProblem = await reload(daemon, o);
  const warning = [notice, reloadProblem].filter(Boolean).join('; ') || undefined;
  if (warning) o.logger.warn(warning);
  o.logger.info(`${daemon} forwards ${o.selectors.length} syslog selection(s) to 127.0.0.1:${o.port} (${t.file})`);
  return { daemon, changed: true, file: t.file, ...(warning ? { warning } : {}) };
}

/**
 * Writes `text` as the daemon's drop-in, validates the daemon's whole configuration with it and puts the
 * previous file back (or removes the new one) when the daemon rejects it. Does not reload.
 */
export async function installSyslogDaemonFile(o: {
  daemon: SyslogDaemon;
  text: string;
  paths: AgentPaths;
  logger: Logger;
  sourceName?: string;
  tools?: SyslogDaemonTools;
}): Promise<SyslogDaemonResult> {
  const t = target(o.daemon, o.paths);
  const redirected = isRedirectedRoot(o.paths);
  const previous = await fs.readFile(t.file, 'utf8').catch(() => undefined);
  if (previous === o.text) return { daemon: o.daemon, changed: false, file: t.file };
  await writeFileAtomic(t.file, o.text, { mode: 0o644, mkdirMode: 0o755 });
  const check =
    o.daemon === 'rsyslog'
      ? await validateRsyslog({
          rsyslogd: daemonBinary(o.daemon, o.tools),
          dropInFile: t.file,
          mainConfig: t.mainConfig,
          redirected,
        })
      : await validateSyslogNg({
          syslogNg: daemonBinary(o.daemon, o.tools),
          dropInFile: t.file,
          mainConfig: t.mainConfig,
          redirected,
          sourceName: o.sourceName ?? 's_src',
        });
  if (!check.ok) {
    if (previous === undefined) await fs.rm(t.file, { force: true });
    else await writeFileAtomic(t.file, previous, { mode: 0o644 });
    const warning = `${o.daemon} rejected the configuration with ${t.file} (${firstErrors(check.output)}); the previous configuration is kept`;
    o.logger.warn(warning);
    return { daemon: o.daemon, changed: false, file: t.file, warning };
  }
  return { daemon: o.daemon, changed: true, file: t.file };
}

/** Removes our drop-in(s) and reloads the daemon whose file was removed (disable, uninstall, no syslog DCR). */
export async function removeSyslogDaemonConfig(o: {
  paths: AgentPaths;
  logger: Logger;
  tools?: SyslogDaemonTools;
}): Promise<SyslogDaemonResult> {
  const result: SyslogDaemonResult = { daemon: 'none', changed: false };
  const problems: string[] = [];
  for (const daemon of ['rsyslog', 'syslog-ng'] as const) {
    const t = target(daemon, o.paths);
    if (
      !(await fs.access(t.file).then(
        () => true,
        () => false,
      ))
    )
      continue;
    await fs.rm(t.file, { force: true });
    Object.assign(result, { daemon, changed: true, file: t.file });
    const p = await reload(daemon, o);
    if (p) problems.push(p);
    o.logger.info(`removed ${t.file}`);
  }
  if (problems.length) result.warning = problems.join('; ');
  return result;
}

async function reload(
  daemon: SyslogDaemon,
  o: { paths: AgentPaths; tools?: SyslogDaemonTools },
): Promise<string | undefined> {
  if (isRedirectedRoot(o.paths)) {
    if (o.tools?.pidFile && daemon === 'syslog-ng') await hupPidFile(o.tools.pidFile);
    return undefined;
  }
  return reloadSyslogDaemon(daemon);
}
