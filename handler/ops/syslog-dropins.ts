// Removes the syslog daemon drop-ins we own (written by the collector from the DCRs) and reloads the
// daemon, on disable and uninstall: a drop-in without our listener would have rsyslog queue and retry
// 127.0.0.1:<port>, and whoever binds that unprivileged port first would receive the backlog and the live
// stream (authpriv included). The collector writes the drop-in again when it starts (enable).
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import { isRedirectedRoot, type AgentPaths } from '../../agent/config/index.js';
import type { Logger } from '../../agent/telemetry/index.js';

export async function removeSyslogDropIns(paths: AgentPaths, logger: Logger): Promise<string[]> {
  const removed: string[] = [];
  for (const file of [paths.rsyslogDropInFile, paths.syslogNgDropInFile]) {
    try {
      await fs.rm(file);
      removed.push(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        logger.warn(`could not remove ${file}: ${(err as Error).message}`);
    }
  }
  if (removed.length > 0 && !isRedirectedRoot(paths)) {
    const daemon = removed[0] === paths.rsyslogDropInFile ? 'rsyslog' : 'syslog-ng';
    try {
      await execa('systemctl', ['reload-or-restart', daemon], { timeout: 60_000 });
    } catch (err) {
      logger.warn(`removed ${removed.join(', ')} but could not reload ${daemon}: ${(err as Error).message}`);
    }
  }
  return removed;
}
